/* Shared helpers for the cmocka unit tests (cmocka 1.1.5 has no double assert). */
#ifndef SB_TESTUTIL_H
#define SB_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Fails the test (with both values) unless |a - b| <= tol (NaN never passes). */
#define assert_close(a, b, tol) sb_assert_close((a), (b), (tol), #a, #b, __FILE__, __LINE__)
void sb_assert_close(double a, double b, double tol, const char *ea, const char *eb,
                     const char *file, int line);
/* Path to shared/ (SB_SHARED_DIR or ../shared from the source dir); NULL if absent. */
const char *sb_test_shared_dir(void);
/* A fresh temporary directory (removed by the OS's tmp cleaning). */
const char *sb_test_tmpdir(void);

/* Live-model tests: 1 if python3 runs; the path of tests/adapters/fault_model.py
 * (source dir from SB_SOURCE_DIR or the build); lines in DIR/NAME (0 if absent). */
int sb_test_have_python(void);
const char *sb_test_fault_model(void);
size_t sb_test_lines(const char *dir, const char *name);
/* Return from a test (with a message) when python3 is missing. */
#define SB_TEST_NEED_PYTHON()                                               \
  do {                                                                      \
    if (!sb_test_have_python()) {                                           \
      print_message("SKIP: python3 not found; live-model test not run\n"); \
      return;                                                               \
    }                                                                       \
  } while (0)

#endif

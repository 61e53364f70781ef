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

#endif

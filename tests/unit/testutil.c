#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

void sb_assert_close(double a, double b, double tol, const char *ea, const char *eb,
                     const char *file, int line) {
  if (!(fabs(a - b) <= tol)) {
    print_error("%s = %.17g and %s = %.17g differ by %.3g > %.3g\n", ea, a, eb, b, fabs(a - b),
                tol);
    _fail(file, line);
  }
}

const char *sb_test_shared_dir(void) {
  static char buf[4096];
  const char *env = getenv("SB_SHARED_DIR");
  if (env && *env) snprintf(buf, sizeof buf, "%s", env);
  else snprintf(buf, sizeof buf, "%s/../shared", SB_SOURCE_DIR);
  struct stat st;
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  return buf;
}

const char *sb_test_tmpdir(void) {
  static char buf[256];
  snprintf(buf, sizeof buf, "/tmp/sbtest.XXXXXX");
  if (!mkdtemp(buf)) return "/tmp";
  return buf;
}

int sb_test_have_python(void) {
  static int known = -1;
  if (known < 0) known = system("python3 -c 'pass' >/dev/null 2>&1") == 0;
  return known;
}

const char *sb_test_fault_model(void) {
  static char buf[4096];
  const char *src = getenv("SB_SOURCE_DIR");
  snprintf(buf, sizeof buf, "%s/tests/adapters/fault_model.py", src && *src ? src : SB_SOURCE_DIR);
  return buf;
}

size_t sb_test_lines(const char *dir, const char *name) {
  char p[4400];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  size_t k = 0;
  int ch;
  while ((ch = fgetc(f)) != EOF) k += ch == '\n';
  fclose(f);
  return k;
}

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

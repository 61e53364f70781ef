/* Fault injection switch (fault.h): a table of named faults read once from the
 * environment variable SB_FAULT_ENV. */
#include "core/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fault_def {
  const char *name;
  sb_fault bit;
} fault_def;

static const fault_def FAULTS[] = {
    {"spex-no-chase", SB_FAULT_SPEX_NO_CHASE},
    {"spex-delay-row", SB_FAULT_SPEX_DELAY_ROW},
    {NULL, 0},
};

unsigned sb_fault_parse(const char *value, char *unknown, size_t len) {
  unsigned set = 0;
  size_t used = 0;
  if (unknown && len) unknown[0] = '\0';
  for (const char *p = value ? value : ""; *p;) {
    while (*p == ',' || *p == ' ') p++;
    size_t l = strcspn(p, ", ");
    if (!l) break;
    const fault_def *f = FAULTS;
    while (f->name && !(strlen(f->name) == l && !strncmp(f->name, p, l))) f++;
    if (f->name) set |= f->bit;
    else if (unknown && used + 1 < len)
      used += (size_t)snprintf(unknown + used, len - used, "%s%.*s", used ? "," : "", (int)l, p);
    p += l;
  }
  return set;
}

static int done = 0, bad = 0;
static unsigned active = 0;

int sb_fault_init(void) {
  if (done) return bad ? -1 : 0;
  done = 1;
  char unknown[256];
  active = sb_fault_parse(getenv(SB_FAULT_ENV), unknown, sizeof unknown);
  if (unknown[0]) {
    fprintf(stderr, "spexbench: %s: unknown fault '%s' (known:", SB_FAULT_ENV, unknown);
    for (const fault_def *f = FAULTS; f->name; f++) fprintf(stderr, " %s", f->name);
    fprintf(stderr, ")\n");
    bad = 1;
    return -1;
  }
  if (active)
    fprintf(stderr,
            "spexbench: WARNING: %s=%s: algorithms are broken on purpose (a test of "
            "`spexbench check`); results of this process are wrong and are never written "
            "into committed folders\n",
            SB_FAULT_ENV, sb_fault_names());
  return 0;
}

int sb_fault_active(sb_fault f) {
  sb_fault_init();
  return (active & (unsigned)f) != 0;
}

const char *sb_fault_names(void) {
  static char buf[256];
  size_t used = 0;
  buf[0] = '\0';
  sb_fault_init();
  for (const fault_def *f = FAULTS; f->name && used + 1 < sizeof buf; f++)
    if (active & f->bit)
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? "," : "", f->name);
  return buf;
}

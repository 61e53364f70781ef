/* Fault injection for regression tests of the results themselves: a switch that
 * breaks an algorithm on purpose, so a test can show that `spexbench check`
 * notices (docs/RESULTS.md, "Checking results").  Never set in normal use.
 *
 *   SB_FAULT=spex-no-chase       SPEX's soft decoder skips the Chase step (hard only)
 *   SB_FAULT=spex-delay-row      SPEX queries one delay row with one bit flipped
 *                                (feature 0 in row 1); the decoder still assumes the code
 *
 * Several names may be given, comma-separated.  The variable is read once per
 * process; an unknown name is reported on stderr once and ignored. */
#ifndef SB_FAULT_H
#define SB_FAULT_H

#include <stddef.h>

typedef enum sb_fault {
  SB_FAULT_SPEX_NO_CHASE = 1u << 0,
  SB_FAULT_SPEX_DELAY_ROW = 1u << 1,
} sb_fault;

/* 1 if the environment variable SB_FAULT names fault `f`. */
int sb_fault_active(sb_fault f);
/* The faults SB_FAULT names, as canonical comma-separated names ("" when none);
 * a static buffer (recorded in context.json so a broken run is never mistaken
 * for a real one). */
const char *sb_fault_names(void);
/* Parse a SB_FAULT value into a set of sb_fault bits; unknown names are copied
 * (comma-separated) into `unknown` (may be NULL).  Exposed for tests. */
unsigned sb_fault_parse(const char *value, char *unknown, size_t len);

#endif

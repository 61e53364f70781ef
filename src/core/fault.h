/* Fault injection for regression tests of the results themselves: a switch that
 * breaks an algorithm on purpose, so a test can show that `spexbench check`
 * notices a decoder regression (docs/RESULTS.md, "Checking results").
 *
 * It is read from one environment variable whose name says what it does,
 *
 *   SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-no-chase    SPEX's soft decoder skips the
 *                                                    Chase step (decodes hard)
 *   SPEXBENCH_TEST_BREAK_ALGORITHMS=spex-delay-row   SPEX queries delay row 1 with
 *                                                    feature 0 flipped; the decoder
 *                                                    still assumes the code
 *
 * (several names comma-separated), and nothing else turns it on.  So that a broken
 * run can never pass for a real one: the CLI warns on stderr once per command when
 * it is set (sb_fault_init), context.json records it ("fault_injection"), and
 * results are never written into a folder git tracks while it is set
 * (runner/provenance.c), so neither `spexbench run` into results/ nor `spexbench
 * check --update` accepts it.  An unknown name is an error, not ignored. */
#ifndef SB_FAULT_H
#define SB_FAULT_H

#include <stddef.h>

/* The environment variable. */
#define SB_FAULT_ENV "SPEXBENCH_TEST_BREAK_ALGORITHMS"

typedef enum sb_fault {
  SB_FAULT_SPEX_NO_CHASE = 1u << 0,
  SB_FAULT_SPEX_DELAY_ROW = 1u << 1,
} sb_fault;

/* Read SB_FAULT_ENV once for the process (and the workers forked after it): with
 * faults set, a warning naming them on stderr.  Returns 0, or -1 when the value
 * names an unknown fault (the message, listing the known ones, is printed). */
int sb_fault_init(void);
/* 1 if fault `f` is set (sb_fault_init is called on first use). */
int sb_fault_active(sb_fault f);
/* The faults set, as canonical comma-separated names ("" when none); a static
 * buffer. */
const char *sb_fault_names(void);
/* Parse a value into a set of sb_fault bits; unknown names are copied
 * (comma-separated) into `unknown` (may be NULL).  Exposed for tests. */
unsigned sb_fault_parse(const char *value, char *unknown, size_t len);

#endif

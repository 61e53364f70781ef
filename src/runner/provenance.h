/* Provenance: which code produced a result (version, git commit, whether the
 * source tree had uncommitted changes), and the rule that keeps committed
 * results traceable: a results folder that git tracks is never rewritten from
 * a dirty tree (docs/RESULTS.md, "Provenance"). */
#ifndef SB_PROVENANCE_H
#define SB_PROVENANCE_H

#include <stddef.h>

#include "core/error.h"

typedef struct sb_provenance {
  const char *version;    /* SB_VERSION */
  char commit[64];        /* full hash of HEAD, "" if unknown (no git, not a checkout) */
  int dirty;              /* 1 uncommitted changes, 0 clean, -1 unknown */
  char dirty_paths[1024]; /* the first changed paths, ", "-separated ("" if clean) */
} sb_provenance;

/* Provenance of the source tree at `srcdir`.  "Dirty" means a tracked file
 * differs from HEAD or an untracked, not ignored file exists, anywhere except
 * under results/ (the output of runs, not code).  Never fails: what git cannot
 * tell is unknown. */
void sb_provenance_compute(const char *srcdir, sb_provenance *out);
/* The provenance of this build's source tree (SB_SOURCE_DIR), computed on the
 * first call and cached for the process (and for workers forked after it). */
const sb_provenance *sb_provenance_get(void);

/* The output rule, checked before a run writes into `outdir` (which exists):
 * - `outdir` holds files git tracks and `p` is dirty: SB_EINVAL with a message
 *   naming the folder, the changed paths and the two ways out (commit first,
 *   or --out elsewhere);
 * - otherwise, if `p` is dirty and `outdir` is inside a git work tree and not
 *   ignored by it: a one-line warning on stderr (results marked dirty=true);
 * - otherwise SB_OK silently. */
int sb_provenance_check_output(const sb_provenance *p, const char *outdir, sb_error *err);

#endif

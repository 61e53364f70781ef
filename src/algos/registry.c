/* The algorithm registry: one line per algorithm (NULL-terminated). */
#include "algos/algo.h"

extern const sb_algo_type sb_algo_exhaustive;
extern const sb_algo_type sb_algo_faith_banzhaf;
extern const sb_algo_type sb_algo_spex;

const sb_algo_type *const sb_algo_types[] = {
    &sb_algo_exhaustive,
    &sb_algo_faith_banzhaf,
    &sb_algo_spex,
    NULL,
};

/* The algorithm registry: one line per algorithm (NULL-terminated). */
#include "algos/algo.h"

extern const sb_algo_type sb_algo_exhaustive;
extern const sb_algo_type sb_algo_faith_banzhaf;
extern const sb_algo_type sb_algo_spex;
extern const sb_algo_type sb_algo_proxyspex;
extern const sb_algo_type sb_algo_banzhaf;
extern const sb_algo_type sb_algo_kernelshap;
extern const sb_algo_type sb_algo_faith_shap;
extern const sb_algo_type sb_algo_lime;
extern const sb_algo_type sb_algo_lime_text;
extern const sb_algo_type sb_algo_lasso;
extern const sb_algo_type sb_algo_permutation_shapley;
extern const sb_algo_type sb_algo_shapley_taylor;
extern const sb_algo_type sb_algo_external;

const sb_algo_type *const sb_algo_types[] = {
    &sb_algo_exhaustive,
    &sb_algo_faith_banzhaf,
    &sb_algo_spex,
    &sb_algo_proxyspex,
    &sb_algo_banzhaf,
    &sb_algo_kernelshap,
    &sb_algo_faith_shap,
    &sb_algo_lime,
    &sb_algo_lime_text,
    &sb_algo_lasso,
    &sb_algo_permutation_shapley,
    &sb_algo_shapley_taylor,
    &sb_algo_external,
    NULL,
};

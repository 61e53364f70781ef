/* Exact Fourier transform of a boosted tree ensemble (../shared/design/ALGORITHMS.md §5 step 3).
 *
 * The §5 recursion — leaf v → {∅: v}; split on j with child spectra L (x_j = 0
 * side) and R (x_j = 1 side) → F(S) = (L(S)+R(S))/2, F(S∪{j}) = (L(S)−R(S))/2 —
 * unrolls to a sum over leaves: a leaf reached by the path conditions
 * {x_j = b_j : j ∈ P} is the product Π_{j∈P} (1 + s_j (−1)^{x_j})/2 with
 * s_j = +1 for b_j = 0 and −1 for b_j = 1, i.e. the leaf adds
 * v·2^{−|P|}·Π_{j∈S} s_j to F(S) for every S ⊆ P.  We walk each tree once with
 * the path on a stack and expand at the leaves (no intermediate spectra).
 *
 * XGBoost's JSON dump: a split node has "split": "f<j>", "split_condition": c,
 * "yes"/"no"/"missing" node ids and "children" (matched by "nodeid", never by
 * position).  The rule is "x_j < c → yes", so x_j = 0 goes to yes iff 0 < c and
 * x_j = 1 goes to yes iff 1 < c (for hist on 0/1 data c = 1: yes is the
 * x_j = 0 side).  Masks are never missing (dense 0/1), so "missing" is unused.
 * A feature already fixed higher on the path sends the walk down its one
 * reachable side; a split whose both values go the same way is transparent. */
#include "proxyspex/tree_fourier.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct walk {
  sb_spectrum *acc;                          /* output */
  const char *where;                         /* tree name for messages */
  size_t depth;                              /* path length */
  size_t feat[SB_TREE_FOURIER_MAX_DEPTH];    /* path features */
  int side[SB_TREE_FOURIER_MAX_DEPTH];       /* required x_j (0/1) */
  uint64_t *key;                             /* scratch set (words) */
} walk;

static int leaf_expand(walk *w, double v, sb_error *err) {
  size_t k = w->depth, words = w->acc->words;
  double scale = ldexp(v, -(int)k);
  for (uint64_t bits = 0; bits < ((uint64_t)1 << k); bits++) {
    memset(w->key, 0, words * sizeof *w->key);
    int neg = 0;
    for (size_t b = 0; b < k; b++)
      if ((bits >> b) & 1u) {
        sb_mask_set(w->key, w->feat[b]);
        neg ^= w->side[b];
      }
    if (sb_spectrum_add(w->acc, w->key, neg ? -scale : scale))
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory for the spectrum", w->where);
  }
  return SB_OK;
}

static json_t *child_by_id(json_t *node, json_int_t id) {
  json_t *ch = json_object_get(node, "children"), *c;
  size_t i;
  json_array_foreach(ch, i, c) {
    json_t *nid = json_object_get(c, "nodeid");
    if (json_is_integer(nid) && json_integer_value(nid) == id) return c;
  }
  return NULL;
}

static int walk_node(walk *w, json_t *node, sb_error *err) {
  if (!json_is_object(node))
    return sb_error_set(err, SB_EFORMAT, "%s: node is not an object", w->where);
  json_t *nid = json_object_get(node, "nodeid");
  long long id = json_is_integer(nid) ? (long long)json_integer_value(nid) : -1;
  json_t *leaf = json_object_get(node, "leaf");
  if (leaf) {
    if (!json_is_number(leaf))
      return sb_error_set(err, SB_EFORMAT, "%s: node %lld: leaf is not a number", w->where, id);
    return leaf_expand(w, json_number_value(leaf), err);
  }
  json_t *split = json_object_get(node, "split"), *cond = json_object_get(node, "split_condition");
  json_t *yes = json_object_get(node, "yes"), *no = json_object_get(node, "no");
  if (!json_is_string(split) || !json_is_number(cond) || !json_is_integer(yes) ||
      !json_is_integer(no))
    return sb_error_set(err, SB_EFORMAT,
                        "%s: node %lld: expected a leaf or split/split_condition/yes/no",
                        w->where, id);
  const char *s = json_string_value(split);
  char *end = NULL;
  errno = 0;
  unsigned long j = (s[0] == 'f') ? strtoul(s + 1, &end, 10) : 0;
  if (s[0] != 'f' || !end || end == s + 1 || *end || errno || j >= w->acc->n)
    return sb_error_set(err, SB_EFORMAT, "%s: node %lld: split '%s' is not a feature f0..f%zu",
                        w->where, id, s, w->acc->n - 1);
  double c = json_number_value(cond);
  json_t *cy = child_by_id(node, json_integer_value(yes));
  json_t *cn = child_by_id(node, json_integer_value(no));
  if (!cy || !cn)
    return sb_error_set(err, SB_EFORMAT, "%s: node %lld: child node id %lld or %lld not found",
                        w->where, id, (long long)json_integer_value(yes),
                        (long long)json_integer_value(no));
  json_t *zero = (0.0 < c) ? cy : cn; /* where x_j = 0 goes */
  json_t *one = (1.0 < c) ? cy : cn;  /* where x_j = 1 goes */
  for (size_t d = 0; d < w->depth; d++)
    if (w->feat[d] == j) return walk_node(w, w->side[d] ? one : zero, err);
  if (zero == one) return walk_node(w, zero, err);
  if (w->depth == SB_TREE_FOURIER_MAX_DEPTH)
    return sb_error_set(err, SB_EINVAL, "%s: path deeper than %d features", w->where,
                        SB_TREE_FOURIER_MAX_DEPTH);
  w->feat[w->depth] = (size_t)j;
  w->side[w->depth] = 0;
  w->depth++;
  int rc = walk_node(w, zero, err);
  if (!rc) {
    w->side[w->depth - 1] = 1;
    rc = walk_node(w, one, err);
  }
  w->depth--;
  return rc;
}

int sb_tree_fourier_add(sb_spectrum *acc, const char *tree_json, const char *where,
                        sb_error *err) {
  if (acc->basis != SB_BASIS_FOURIER)
    return sb_error_set(err, SB_EINVAL, "%s: accumulator must be a Fourier spectrum", where);
  json_error_t je;
  json_t *root = json_loads(tree_json, 0, &je);
  if (!root)
    return sb_error_set(err, SB_EFORMAT, "%s: line %d column %d: %s", where, je.line,
                        je.column, je.text);
  walk w = {.acc = acc, .where = where, .depth = 0};
  w.key = calloc(acc->words, sizeof *w.key);
  int rc = w.key ? walk_node(&w, root, err)
                 : sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  free(w.key);
  json_decref(root);
  return rc;
}

int sb_tree_fourier_add_leaf(sb_spectrum *acc, const size_t *feat, const int *side,
                             size_t depth, double v, sb_error *err) {
  if (depth > SB_TREE_FOURIER_MAX_DEPTH)
    return sb_error_set(err, SB_EINVAL, "tree leaf: path deeper than %d features",
                        SB_TREE_FOURIER_MAX_DEPTH);
  walk w = {.acc = acc, .where = "tree leaf", .depth = depth};
  for (size_t i = 0; i < depth; i++) {
    if (feat[i] >= acc->n)
      return sb_error_set(err, SB_EINVAL, "tree leaf: feature %zu >= n = %zu", feat[i], acc->n);
    w.feat[i] = feat[i];
    w.side[i] = side[i] ? 1 : 0;
  }
  w.key = calloc(acc->words, sizeof *w.key);
  if (!w.key) return sb_error_set(err, SB_ENOMEM, "tree leaf: out of memory");
  int rc = leaf_expand(&w, v, err);
  free(w.key);
  return rc;
}

int sb_tree_fourier_ensemble(const char *const *trees, size_t count, double base_score,
                             size_t n, sb_spectrum **out, sb_error *err) {
  *out = NULL;
  sb_spectrum *s = sb_spectrum_alloc(SB_BASIS_FOURIER, n);
  uint64_t *empty = calloc(sb_mask_words(n), sizeof *empty);
  if (!s || !empty || sb_spectrum_add(s, empty, base_score)) {
    sb_spectrum_free(s);
    free(empty);
    return sb_error_set(err, SB_ENOMEM, "tree ensemble: out of memory");
  }
  free(empty);
  for (size_t t = 0; t < count; t++) {
    char where[48];
    snprintf(where, sizeof where, "xgboost dump: tree %zu", t);
    int rc = sb_tree_fourier_add(s, trees[t], where, err);
    if (rc) {
      sb_spectrum_free(s);
      return rc;
    }
  }
  *out = s;
  return SB_OK;
}

/* Explain a C function with spexbench: the model is a callback, SPEX (or any
 * algorithm named on the command line) queries it under a budget, and the
 * program prints the held-out R² and the strongest pairwise interactions.
 *   cc explain.c $(pkg-config --cflags --libs spexbench) -o explain
 *   ./explain [ALGO [BUDGET]]        e.g. ./explain faith-banzhaf:order=2 600 */
#include <spexbench.h>
#include <stdio.h>
#include <stdlib.h>

#define N 24 /* features */

/* A toy credit model: a few main effects and interactions among 24 yes/no inputs. */
static int model(void *user, size_t n, const uint64_t *masks, size_t count, double *values,
                 spexbench_error *err) {
  (void)user, (void)err;
  for (size_t j = 0; j < count; j++) {
    const uint64_t *x = masks + j * spexbench_mask_words(n);
#define X(i) spexbench_mask_get(x, i)
    values[j] = 1.5 * X(0) - 0.8 * X(5) + 2.0 * X(1) * X(2) - 1.2 * X(3) * X(7) +
                0.6 * X(10) * X(11) * X(12) + 0.3 * X(20);
  }
  return SPEXBENCH_OK;
}

int main(int argc, char **argv) {
  const char *algo = argc > 1 ? argv[1] : "spex";
  size_t budget = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
  spexbench_error err;
  spexbench_dataset *d = NULL;
  spexbench_result *r = NULL;
  spexbench_spectrum *fsii = NULL;
  printf("spexbench %s (compiled against %s)\n", spexbench_version(), SPEXBENCH_VERSION_STRING);
  if (spexbench_dataset_from_callback(N, model, NULL, "toy-credit", &d, &err) ||
      spexbench_fit(d, algo, budget, 1, NULL, &r, &err) ||
      spexbench_index(spexbench_result_spectrum(r), "FSII", 2, &fsii, &err)) {
    fprintf(stderr, "explain: %s: %s\n", spexbench_status_name(err.code), err.message);
    spexbench_result_free(r);
    spexbench_dataset_free(d);
    return 1;
  }
  printf("%s on %s: %zu queries, held-out R2 %.4f\n", algo, spexbench_dataset_name(d),
         spexbench_result_queries_used(r), spexbench_result_r2_heldout(r));
  size_t top[8], members[N];
  size_t k = spexbench_spectrum_top(fsii, 8, 0, top);
  for (size_t t = 0; t < k; t++) {
    double v;
    size_t deg = spexbench_spectrum_term(fsii, top[t], members, N, &v);
    printf("  FSII (");
    for (size_t i = 0; i < deg; i++) printf(i ? ", %zu" : "%zu", members[i]);
    printf(")  %+.4f\n", v);
  }
  spexbench_spectrum_free(fsii);
  spexbench_result_free(r);
  spexbench_dataset_free(d);
  return 0;
}

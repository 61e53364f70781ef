/* Dataset spec parsing, the family registry and common dataset plumbing. */
#include "data/dataset.h"

#include <stdlib.h>
#include <string.h>

extern const sb_dataset_family sb_family_fourier;
extern const sb_dataset_family sb_family_soum;
extern const sb_dataset_family sb_family_hierarchical;
extern const sb_dataset_family sb_family_npz;
extern const sb_dataset_family sb_family_trace;
extern const sb_dataset_family sb_family_command;

/* The registry of dataset families (NULL-terminated). */
const sb_dataset_family *const sb_dataset_families[] = {
    &sb_family_fourier,
    &sb_family_soum,
    &sb_family_hierarchical,
    &sb_family_npz,
    &sb_family_trace,
    &sb_family_command,
    NULL,
};

const sb_dataset_family *sb_dataset_family_find(const char *name) {
  for (size_t i = 0; sb_dataset_families[i]; i++)
    if (!strcmp(sb_dataset_families[i]->name, name)) return sb_dataset_families[i];
  return NULL;
}

sb_dataset *sb_dataset_new(const char *family, const char *name, const char *spec, size_t n) {
  sb_dataset *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->family = family;
  d->n = n;
  d->name = strdup(name);
  d->spec = strdup(spec);
  if (!d->name || !d->spec) {
    sb_dataset_free(d);
    return NULL;
  }
  return d;
}

void sb_dataset_free(sb_dataset *d) {
  if (!d) return;
  if (d->ctx_free) d->ctx_free(d->ctx);
  if (d->feature_names) {
    for (size_t i = 0; i < d->n; i++) free(d->feature_names[i]);
    free(d->feature_names);
  }
  free(d->value_meaning);
  sb_spectrum_free(d->truth);
  free(d->name);
  free(d->spec);
  free(d);
}

int sb_dataset_eval(const sb_dataset *d, const sb_masks *masks, double *out, sb_error *err) {
  if (masks->n != d->n)
    return sb_error_set(err, SB_EINVAL, "dataset %s: masks have n = %zu, expected %zu", d->name,
                        masks->n, d->n);
  return d->eval(d->ctx, masks->bits, masks->count, out, err);
}

int sb_dataset_open(const char *spec, sb_dataset **out, sb_error *err) {
  *out = NULL;
  char fam[64];
  const char *colon = strchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len == 0 || len >= sizeof fam)
    return sb_error_set(err, SB_EINVAL, "dataset spec '%s': expected FAMILY:key=value,...",
                        spec);
  memcpy(fam, spec, len);
  fam[len] = '\0';
  const sb_dataset_family *f = sb_dataset_family_find(fam);
  if (!f) {
    char names[512] = "";
    size_t used = 0;
    for (size_t i = 0; sb_dataset_families[i]; i++) {
      int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                       sb_dataset_families[i]->name);
      if (w < 0 || (size_t)w >= sizeof names - used) break;
      used += (size_t)w;
    }
    return sb_error_set(err, SB_EINVAL, "dataset spec '%s': unknown family '%s' (available: %s)",
                        spec, fam, names);
  }
  const char *rest = colon ? colon + 1 : "";
  if (f->path_arg) {
    if (!*rest)
      return sb_error_set(err, SB_EINVAL, "dataset spec '%s': expected %s:PATH", spec, fam);
    return f->open(NULL, rest, out, err);
  }
  char what[96];
  snprintf(what, sizeof what, "dataset %s", fam);
  sb_params *p = NULL;
  int rc = sb_params_parse(rest, f->params, what, &p, err);
  if (rc) return rc;
  rc = f->open(p, NULL, out, err);
  sb_params_free(p);
  return rc;
}

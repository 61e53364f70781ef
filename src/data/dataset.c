/* Dataset spec parsing, the family registry, dataset identities and common
 * dataset plumbing.  (The forked file probe is in probe.c.) */
#include "data/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/digest.h"

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

void sb_dataset_family_list(char *buf, size_t len) {
  buf[0] = '\0';
  for (size_t i = 0, used = 0; sb_dataset_families[i]; i++)
    used = sb_names_append(buf, len, used, sb_dataset_families[i]->name);
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

/* Split "family:rest" and find the family (errors list the families). */
static int split_spec(const char *spec, const sb_dataset_family **f, const char **rest,
                      sb_error *err) {
  char fam[64];
  const char *colon = strchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
  if (len == 0 || len >= sizeof fam)
    return sb_error_set(err, SB_EINVAL, "dataset spec '%s': expected FAMILY:key=value,...",
                        spec);
  memcpy(fam, spec, len);
  fam[len] = '\0';
  *f = sb_dataset_family_find(fam);
  if (!*f) {
    char names[512];
    sb_dataset_family_list(names, sizeof names);
    return sb_error_set(err, SB_EINVAL, "dataset spec '%s': unknown family '%s' (available: %s)",
                        spec, fam, names);
  }
  *rest = colon ? colon + 1 : "";
  if (((*f)->flags & SB_FAMILY_FILE) && !**rest)
    return sb_error_set(err, SB_EINVAL, "dataset spec '%s': expected %s:PATH", spec, fam);
  return SB_OK;
}

static int parse_family_params(const sb_dataset_family *f, const char *rest, sb_params **p,
                               sb_error *err) {
  char what[96];
  snprintf(what, sizeof what, "dataset %s", f->name);
  return sb_params_parse(rest, f->params, what, p, err);
}

int sb_dataset_open(const char *spec, sb_dataset **out, sb_error *err) {
  *out = NULL;
  const sb_dataset_family *f = NULL;
  const char *rest = NULL;
  int rc = split_spec(spec, &f, &rest, err);
  if (rc) return rc;
  if (f->flags & SB_FAMILY_FILE) {
    if ((rc = sb_dataset_file_check(rest, err))) return rc;
    return f->open(NULL, rest, out, err);
  }
  sb_params *p = NULL;
  if ((rc = parse_family_params(f, rest, &p, err))) return rc;
  rc = f->open(p, NULL, out, err); /* open runs the family's own checks */
  sb_params_free(p);
  return rc;
}

int sb_dataset_check(const char *spec, sb_error *err) {
  const sb_dataset_family *f = NULL;
  const char *rest = NULL;
  int rc = split_spec(spec, &f, &rest, err);
  if (rc) return rc;
  if (f->flags & SB_FAMILY_FILE) return sb_dataset_file_check(rest, err);
  sb_params *p = NULL;
  if ((rc = parse_family_params(f, rest, &p, err))) return rc;
  if (f->check) rc = f->check(p, err);
  sb_params_free(p);
  return rc;
}

const sb_dataset_family *sb_dataset_spec_family(const char *spec) {
  const sb_dataset_family *f = NULL;
  const char *rest = NULL;
  return split_spec(spec, &f, &rest, NULL) == SB_OK ? f : NULL;
}

const char *sb_dataset_spec_path(const char *spec) {
  const sb_dataset_family *f = NULL;
  const char *rest = NULL;
  if (split_spec(spec, &f, &rest, NULL) != SB_OK || !(f->flags & SB_FAMILY_FILE)) return NULL;
  return rest;
}

int sb_dataset_file_check(const char *path, sb_error *err) {
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    return sb_error_set(err, SB_EINVAL, "%s: cannot open: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode))
    return sb_error_set(err, SB_EINVAL, "%s: is %s, not a regular file (a dataset is read from a "
                        "stored file)", path, sb_file_kind((unsigned)st.st_mode));
  return SB_OK;
}

/* Remove the items "NAME=VALUE" of the comma-separated list `items` whose NAME is
 * in `names` (NULL-terminated; may be NULL), in place. */
static void drop_params(char *items, const char *const *names) {
  if (!names) return;
  char *out = items;
  for (const char *p = items; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    size_t klen = eq ? (size_t)(eq - p) : len;
    int drop = 0;
    for (const char *const *n = names; *n && !drop; n++)
      drop = strlen(*n) == klen && !strncmp(*n, p, klen);
    if (!drop) {
      if (out != items) *out++ = ',';
      memmove(out, p, len);
      out += len;
    }
    p += len + (end ? 1 : 0);
  }
  *out = '\0';
}

int sb_dataset_identity(const char *spec, char **key, sb_error *err) {
  *key = NULL;
  const sb_dataset_family *f = NULL;
  const char *rest = NULL;
  int rc = split_spec(spec, &f, &rest, err);
  if (rc) return rc;
  if (!(f->flags & SB_FAMILY_FILE)) {
    *key = strdup(spec);
    if (!*key) return sb_error_set(err, SB_ENOMEM, "out of memory");
    char *colon = strchr(*key, ':');
    if (colon) drop_params(colon + 1, f->identity_skip);
    return SB_OK;
  }
  char hex[SB_SHA256_HEX];
  if ((rc = sb_dataset_file_check(rest, err)) || (rc = sb_file_sha256(rest, hex, err))) return rc;
  size_t len = strlen(f->name) + sizeof ":sha256=" + SB_SHA256_HEX;
  *key = malloc(len);
  if (!*key) return sb_error_set(err, SB_ENOMEM, "out of memory");
  snprintf(*key, len, "%s:sha256=%s", f->name, hex);
  return SB_OK;
}

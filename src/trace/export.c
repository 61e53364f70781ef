/* Exporters: a trace's records as CSV ("mask,value", the mask as n 0/1
 * characters), as a shapiq JSON game (Game.load / load_values read it: metadata
 * with n_players, game_name, normalization_value, player_names; data keyed
 * "Empty" or comma-separated player indices) or as a shapiq .npz game (full
 * tables only).  Every output is written atomically; a format table maps names
 * to writers (`spexbench trace export --format`). */
#include "trace/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "trace/npz.h"

int sb_trace_export_csv(const sb_trace *t, const char *out, sb_error *err) {
  sb_atomic_file af;
  int rc = sb_atomic_open(&af, out, err);
  if (rc) return rc;
  char *m = malloc(t->h.n + 1);
  if (!m) {
    sb_atomic_abort(&af);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  fprintf(af.fp, "mask,value\n");
  for (size_t i = 0; i < t->count; i++) {
    sb_mask_to_string(t->masks + i * t->words, t->h.n, m);
    fprintf(af.fp, "%s,%.17g\n", m, t->values[i]);
  }
  free(m);
  if (ferror(af.fp)) {
    sb_atomic_abort(&af);
    return sb_error_set(err, SB_EIO, "%s: write failed", out);
  }
  return sb_atomic_commit(&af, err);
}

int sb_trace_export_shapiq_json(const sb_trace *t, const char *out, sb_error *err) {
  json_t *root = json_object(), *meta = json_object(), *data = json_object();
  if (!root || !meta || !data) {
    json_decref(root), json_decref(meta), json_decref(data);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  json_object_set_new(meta, "n_players", json_integer((json_int_t)t->h.n));
  json_object_set_new(meta, "game_name", json_string(t->h.model ? t->h.model : "spexbench_trace"));
  json_t *nv = t->h.extra ? json_object_get(t->h.extra, "normalization_value") : NULL;
  json_object_set_new(meta, "normalization_value", nv ? json_copy(nv) : json_real(0.0));
  json_object_set_new(meta, "precompute_flag", json_false());
  json_object_set_new(meta, "precomputed", json_boolean(sb_trace_is_full(t)));
  if (t->h.feature_names) {
    json_t *a = json_array();
    for (size_t i = 0; i < t->h.n; i++) json_array_append_new(a, json_string(t->h.feature_names[i]));
    json_object_set_new(meta, "player_names", a);
  } else {
    json_object_set_new(meta, "player_names", json_null());
  }
  size_t *idx = malloc(t->h.n * sizeof *idx);
  char *key = malloc(t->h.n * 7 + 8);
  if (!idx || !key) {
    free(idx), free(key);
    json_decref(root), json_decref(meta), json_decref(data);
    return sb_error_set(err, SB_ENOMEM, "out of memory");
  }
  for (size_t r = 0; r < t->count; r++) {
    size_t k = sb_mask_indices(t->masks + r * t->words, t->words, idx);
    if (k == 0) strcpy(key, "Empty");
    else {
      size_t used = 0;
      for (size_t j = 0; j < k; j++) used += (size_t)sprintf(key + used, "%s%zu", j ? "," : "", idx[j]);
    }
    json_object_set_new(data, key, json_real(t->values[r]));
  }
  free(idx);
  free(key);
  json_object_set_new(root, "data_type", json_string("game"));
  json_object_set_new(root, "metadata", meta);
  json_object_set_new(root, "data", data);
  int rc = sb_json_write_atomic(root, out, err);
  json_decref(root);
  return rc;
}

int sb_trace_export_npz(const sb_trace *t, const char *out, sb_error *err) {
  double *tab = NULL;
  int rc = sb_trace_to_table(t, &tab, err);
  if (rc) return sb_error_prefix(err, "%s: cannot export as .npz", out);
  json_t *nv = t->h.extra ? json_object_get(t->h.extra, "normalization_value") : NULL;
  rc = sb_npz_game_write(out, (unsigned)t->h.n, tab, 1,
                         nv && json_is_number(nv) ? json_number_value(nv) : tab[0], err);
  free(tab);
  return rc;
}

static const sb_trace_export_format FORMATS[] = {
    {"csv", "'mask,value' lines, the mask as n 0/1 characters (feature 0 first)",
     sb_trace_export_csv},
    {"npz", "a shapiq precomputed game (full 2^n tables only)", sb_trace_export_npz},
    {"json", "a shapiq JSON game file (Game.load / load_values read it)",
     sb_trace_export_shapiq_json},
    {NULL, NULL, NULL},
};

const sb_trace_export_format *sb_trace_export_formats(void) { return FORMATS; }

const sb_trace_export_format *sb_trace_export_format_find(const char *name) {
  for (const sb_trace_export_format *f = FORMATS; f->name; f++)
    if (!strcmp(f->name, name)) return f;
  return NULL;
}

int sb_trace_export(const sb_trace *t, const char *format, const char *out, sb_error *err) {
  const sb_trace_export_format *f = sb_trace_export_format_find(format);
  if (!f) return sb_error_set(err, SB_EINVAL, "%s: unknown export format '%s' (csv, npz, json)",
                              out, format);
  return f->write(t, out, err);
}

/* Importers: shapiq .npz precomputed games and shapiq JSON game files become
 * traces (docs/TRACE_FORMAT.md).  The npz path reuses the validated dense table
 * of npz.c; the JSON path checks every key ("Empty" or comma-separated player
 * indices, each in [0, n), no repeats), every value (a finite number) and
 * n_players, and reports "file: data key \"0,19\": player 19 out of range
 * (n_players = 14)".  Header fields: source = "shapiq npz FILE" / "shapiq json
 * FILE", model = game_name, feature_names = player_names when present, and the
 * normalization value in the header's extra keys. */
#include "trace/import.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/npz.h"

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

static int set_source(sb_trace *t, const char *kind, const char *path) {
  size_t len = strlen(kind) + strlen(path) + 2;
  char *s = malloc(len);
  if (!s) return SB_ENOMEM;
  snprintf(s, len, "%s %s", kind, path);
  free(t->h.source);
  t->h.source = s;
  char now[32];
  sb_trace_now(now, sizeof now);
  return sb_trace_set_str(&t->h.created, now);
}

int sb_trace_import_npz(const char *path, sb_trace **out, sb_error *err) {
  *out = NULL;
  sb_npz_game *g = NULL;
  int rc = sb_npz_game_read(path, &g, err);
  if (rc) return rc;
  sb_trace *t = sb_trace_alloc(g->n);
  if (!t) {
    sb_npz_game_free(g);
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  }
  size_t N = (size_t)1 << g->n;
  /* Records in mask order: a full table needs no hashing on read-back order. */
  for (uint64_t x = 0; x < N && !rc; x++) rc = sb_trace_put(t, &x, g->table[x], NULL, err);
  if (!rc && set_source(t, "shapiq npz", path)) rc = SB_ENOMEM;
  if (!rc) {
    t->h.extra = json_object();
    if (t->h.extra && g->has_normalization)
      json_object_set_new(t->h.extra, "normalization_value", json_real(g->normalization));
    rc = sb_trace_set_str(&t->h.value_meaning, "model output (shapiq precomputed game)");
  }
  sb_npz_game_free(g);
  if (rc) {
    sb_trace_free(t);
    return err && err->code ? err->code : SB_ENOMEM;
  }
  *out = t;
  return SB_OK;
}

int sb_trace_import_shapiq_json(const char *path, sb_trace **out, sb_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return sb_error_set(err, SB_EFORMAT, "%s:%d: not valid JSON: %s", path, je.line, je.text);
  int rc = SB_OK;
  sb_trace *t = NULL;
  uint64_t *mask = NULL;
  json_t *meta = json_object_get(root, "metadata");
  json_t *data = json_object_get(root, "data");
  if (!json_is_object(root) || !json_is_object(meta) || !json_is_object(data)) {
    rc = sb_error_set(err, SB_EFORMAT,
                      "%s: expected a shapiq game: an object with \"metadata\" and \"data\" objects",
                      path);
    goto done;
  }
  json_t *jn = json_object_get(meta, "n_players");
  if (!json_is_integer(jn) || json_integer_value(jn) < 1 || json_integer_value(jn) > SB_MAX_N) {
    rc = sb_error_set(err, SB_EFORMAT, "%s: metadata.n_players: expected an integer 1..%d", path,
                      SB_MAX_N);
    goto done;
  }
  size_t n = (size_t)json_integer_value(jn);
  t = sb_trace_alloc(n);
  mask = calloc(sb_mask_words(n), sizeof *mask);
  if (!t || !mask) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  json_t *names = json_object_get(meta, "player_names");
  if (names && !json_is_null(names)) {
    if (!json_is_array(names) || json_array_size(names) != n) {
      rc = sb_error_set(err, SB_EFORMAT,
                        "%s: metadata.player_names: expected null or %zu strings", path, n);
      goto done;
    }
    t->h.feature_names = calloc(n, sizeof *t->h.feature_names);
    if (!t->h.feature_names) {
      rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
      goto done;
    }
    for (size_t i = 0; i < n; i++) {
      json_t *s = json_array_get(names, i);
      char buf[64];
      const char *v = json_is_string(s) ? json_string_value(s) : NULL;
      if (!v && (json_is_integer(s))) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(s));
        v = buf;
      }
      if (!v) {
        rc = sb_error_set(err, SB_EFORMAT, "%s: metadata.player_names[%zu]: expected a string",
                          path, i);
        goto done;
      }
      if (!(t->h.feature_names[i] = strdup(v))) {
        rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
        goto done;
      }
    }
  }
  json_t *gn = json_object_get(meta, "game_name");
  if (json_is_string(gn) && sb_trace_set_str(&t->h.model, json_string_value(gn))) {
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  t->h.extra = json_object();
  json_t *nv = json_object_get(meta, "normalization_value");
  if (nv && !json_is_null(nv)) {
    if (!json_is_number(nv)) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: metadata.normalization_value: expected a number",
                        path);
      goto done;
    }
    if (t->h.extra) json_object_set(t->h.extra, "normalization_value", nv);
  }
  const char *key;
  json_t *val;
  json_object_foreach(data, key, val) {
    memset(mask, 0, sb_mask_words(n) * sizeof *mask);
    if (strcmp(key, "Empty") != 0) {
      const char *p = key;
      for (;;) {
        char *end;
        if (*p < '0' || *p > '9') {
          rc = sb_error_set(err, SB_EFORMAT,
                            "%s: data key \"%.60s\": expected \"Empty\" or comma-separated player "
                            "indices",
                            path, key);
          goto done;
        }
        unsigned long long i = strtoull(p, &end, 10);
        if (i >= n) {
          rc = sb_error_set(err, SB_EFORMAT,
                            "%s: data key \"%.60s\": player %llu out of range (n_players = %zu)",
                            path, key, i, n);
          goto done;
        }
        if (sb_mask_get(mask, (size_t)i)) {
          rc = sb_error_set(err, SB_EFORMAT, "%s: data key \"%.60s\": player %llu repeated", path,
                            key, i);
          goto done;
        }
        sb_mask_set(mask, (size_t)i);
        p = end;
        if (*p == '\0') break;
        if (*p != ',') {
          rc = sb_error_set(err, SB_EFORMAT,
                            "%s: data key \"%.60s\": expected \"Empty\" or comma-separated player "
                            "indices",
                            path, key);
          goto done;
        }
        p++;
      }
    }
    if (!json_is_number(val) || !isfinite(json_number_value(val))) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: data key \"%.60s\": expected a finite number", path,
                        key);
      goto done;
    }
    sb_error e2;
    if (sb_trace_put(t, mask, json_number_value(val), NULL, &e2)) {
      rc = sb_error_set(err, e2.code, "%s: data key \"%.60s\": %s", path, key, e2.msg);
      goto done;
    }
  }
  if (set_source(t, "shapiq json", path)) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
done:
  json_decref(root);
  free(mask);
  if (rc) {
    sb_trace_free(t);
    return rc;
  }
  *out = t;
  return SB_OK;
}

int sb_trace_import_any(const char *path, sb_trace **out, sb_error *err) {
  if (ends_with(path, ".npz")) return sb_trace_import_npz(path, out, err);
  if (ends_with(path, ".json")) return sb_trace_import_shapiq_json(path, out, err);
  return sb_trace_read(path, SB_TRACE_READ_STRICT, out, NULL, err);
}

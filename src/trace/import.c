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

#include "trace/filetype.h"
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

/* metadata.player_names: null/absent, or n strings (integers are accepted as names). */
static int import_player_names(const json_t *meta, const char *path, sb_trace *t, sb_error *err) {
  const size_t n = t->h.n;
  json_t *names = json_object_get(meta, "player_names");
  if (!names || json_is_null(names)) return SB_OK;
  if (!json_is_array(names) || json_array_size(names) != n)
    return sb_error_set(err, SB_EFORMAT, "%s: metadata.player_names: expected null or %zu strings",
                        path, n);
  t->h.feature_names = calloc(n, sizeof *t->h.feature_names);
  if (!t->h.feature_names) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  for (size_t i = 0; i < n; i++) {
    json_t *s = json_array_get(names, i);
    char buf[64];
    const char *v = json_is_string(s) ? json_string_value(s) : NULL;
    if (!v && json_is_integer(s)) {
      snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(s));
      v = buf;
    }
    if (!v)
      return sb_error_set(err, SB_EFORMAT, "%s: metadata.player_names[%zu]: expected a string",
                          path, i);
    if (!(t->h.feature_names[i] = strdup(v)))
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  }
  return SB_OK;
}

/* game_name -> model; normalization_value (a number or null) -> header extra. */
static int import_metadata(const json_t *meta, const char *path, sb_trace *t, sb_error *err) {
  int rc = import_player_names(meta, path, t, err);
  if (rc) return rc;
  json_t *gn = json_object_get(meta, "game_name");
  if (json_is_string(gn) && sb_trace_set_str(&t->h.model, json_string_value(gn)))
    return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  t->h.extra = json_object();
  json_t *nv = json_object_get(meta, "normalization_value");
  if (!nv || json_is_null(nv)) return SB_OK;
  if (!json_is_number(nv))
    return sb_error_set(err, SB_EFORMAT, "%s: metadata.normalization_value: expected a number",
                        path);
  if (t->h.extra) json_object_set(t->h.extra, "normalization_value", nv);
  return SB_OK;
}

/* A data key ("Empty" or "0,3,7": distinct players in [0, n)) as a mask. */
static int parse_data_key(const char *key, size_t n, const char *path, uint64_t *mask,
                          sb_error *err) {
  memset(mask, 0, sb_mask_words(n) * sizeof *mask);
  if (strcmp(key, "Empty") == 0) return SB_OK;
  for (const char *p = key;; p++) {
    char *end;
    if (*p < '0' || *p > '9') break;
    unsigned long long i = strtoull(p, &end, 10);
    if (i >= n)
      return sb_error_set(err, SB_EFORMAT,
                          "%s: data key \"%.60s\": player %llu out of range (n_players = %zu)",
                          path, key, i, n);
    if (sb_mask_get(mask, (size_t)i))
      return sb_error_set(err, SB_EFORMAT, "%s: data key \"%.60s\": player %llu repeated", path,
                          key, i);
    sb_mask_set(mask, (size_t)i);
    p = end;
    if (*p == '\0') return SB_OK;
    if (*p != ',') break;
  }
  return sb_error_set(err, SB_EFORMAT,
                      "%s: data key \"%.60s\": expected \"Empty\" or comma-separated player "
                      "indices",
                      path, key);
}

/* Every data entry as a record. */
static int import_data(const json_t *data, const char *path, sb_trace *t, sb_error *err) {
  uint64_t *mask = calloc(t->words, sizeof *mask);
  if (!mask) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  const char *key;
  json_t *val;
  int rc = SB_OK;
  json_object_foreach((json_t *)data, key, val) {
    if ((rc = parse_data_key(key, t->h.n, path, mask, err))) break;
    if (!json_is_number(val) || !isfinite(json_number_value(val))) {
      rc = sb_error_set(err, SB_EFORMAT, "%s: data key \"%.60s\": expected a finite number", path,
                        key);
      break;
    }
    sb_error e2;
    if (sb_trace_put(t, mask, json_number_value(val), NULL, &e2)) {
      rc = sb_error_set(err, e2.code, "%s: data key \"%.60s\": %s", path, key, e2.msg);
      break;
    }
  }
  free(mask);
  return rc;
}

int sb_trace_import_shapiq_json(const char *path, sb_trace **out, sb_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return sb_error_set(err, SB_EFORMAT, "%s:%d: not valid JSON: %s", path, je.line, je.text);
  int rc = SB_OK;
  sb_trace *t = NULL;
  json_t *meta = json_object_get(root, "metadata"), *data = json_object_get(root, "data");
  json_t *jn = json_object_get(meta, "n_players");
  if (!json_is_object(root) || !json_is_object(meta) || !json_is_object(data))
    rc = sb_error_set(err, SB_EFORMAT,
                      "%s: expected a shapiq game: an object with \"metadata\" and \"data\" objects",
                      path);
  else if (!json_is_integer(jn) || json_integer_value(jn) < 1 || json_integer_value(jn) > SB_MAX_N)
    rc = sb_error_set(err, SB_EFORMAT, "%s: metadata.n_players: expected an integer 1..%d", path,
                      SB_MAX_N);
  else if (!(t = sb_trace_alloc((size_t)json_integer_value(jn))))
    rc = sb_error_set(err, SB_ENOMEM, "%s: out of memory", path);
  if (!rc) rc = import_metadata(meta, path, t, err);
  if (!rc) rc = import_data(data, path, t, err);
  if (!rc && set_source(t, "shapiq json", path)) rc = sb_error_set(err, SB_ENOMEM, "out of memory");
  json_decref(root);
  if (rc) {
    sb_trace_free(t);
    return rc;
  }
  *out = t;
  return SB_OK;
}

/* The first bytes of a file (fewer if it is shorter; 0 if it cannot be read: the
 * reader chosen then reports why). */
static size_t read_head(const char *path, unsigned char *buf, size_t len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  size_t got = fread(buf, 1, len, fp);
  fclose(fp);
  return got;
}

/* Which reader import_any uses for `path`. */
typedef enum { READ_AS_TRACE, READ_AS_NPZ, READ_AS_JSON } read_as;

static read_as reader_for(const char *path) {
  unsigned char head[512];
  sb_file_kind kind = sb_file_kind_of(head, read_head(path, head, sizeof head));
  if (kind == SB_FILE_ZIP) return READ_AS_NPZ;
  if (kind == SB_FILE_JSON) return READ_AS_JSON;
  if (kind == SB_FILE_TRACE) return READ_AS_TRACE;
  if (ends_with(path, ".npz")) return READ_AS_NPZ;
  if (ends_with(path, ".json")) return READ_AS_JSON;
  return READ_AS_TRACE;
}

int sb_trace_import_reads_as_trace(const char *path) { return reader_for(path) == READ_AS_TRACE; }

int sb_trace_import_any(const char *path, sb_trace **out, sb_error *err) {
  switch (reader_for(path)) {
    case READ_AS_NPZ: return sb_trace_import_npz(path, out, err);
    case READ_AS_JSON: return sb_trace_import_shapiq_json(path, out, err);
    default: return sb_trace_read(path, SB_TRACE_READ_STRICT, out, NULL, err);
  }
}

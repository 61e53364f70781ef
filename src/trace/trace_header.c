/* The trace header (line 2 of a trace: "header {JSON}"): n, feature names, the
 * descriptive string fields, and any other keys kept verbatim in `extra`.
 * Encoding is compact ASCII JSON in a fixed key order; decoding rejects
 * duplicate keys, a missing or out-of-range n, wrong types, and names the file
 * and line 2 in every message. */
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

/* ==== the header struct ================================================== */

void sb_trace_header_clear(sb_trace_header *h) {
  if (!h) return;
  if (h->feature_names) {
    for (size_t i = 0; i < h->n; i++) free(h->feature_names[i]);
    free(h->feature_names);
  }
  free(h->value_meaning);
  free(h->model);
  free(h->input);
  free(h->masking);
  free(h->source);
  free(h->created);
  if (h->extra) json_decref(h->extra);
  size_t n = h->n;
  memset(h, 0, sizeof *h);
  h->n = n;
}

int sb_trace_set_str(char **field, const char *value) {
  char *c = NULL;
  if (value && !(c = strdup(value))) return SB_ENOMEM;
  free(*field);
  *field = c;
  return SB_OK;
}

int sb_trace_header_copy(sb_trace_header *dst, const sb_trace_header *src) {
  sb_trace_header tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.n = src->n;
  int bad = 0;
  if (src->feature_names) {
    tmp.feature_names = calloc(src->n, sizeof *tmp.feature_names);
    if (!tmp.feature_names) bad = 1;
    for (size_t i = 0; !bad && i < src->n; i++)
      if (src->feature_names[i] && !(tmp.feature_names[i] = strdup(src->feature_names[i]))) bad = 1;
  }
  bad = bad || sb_trace_set_str(&tmp.value_meaning, src->value_meaning) ||
        sb_trace_set_str(&tmp.model, src->model) || sb_trace_set_str(&tmp.input, src->input) ||
        sb_trace_set_str(&tmp.masking, src->masking) || sb_trace_set_str(&tmp.source, src->source) ||
        sb_trace_set_str(&tmp.created, src->created);
  if (!bad && src->extra && !(tmp.extra = json_deep_copy(src->extra))) bad = 1;
  if (bad) {
    sb_trace_header_clear(&tmp);
    return SB_ENOMEM;
  }
  sb_trace_header_clear(dst);
  *dst = tmp;
  return SB_OK;
}

/* ==== JSON ================================================================ */

static const char *const STR_KEYS[] = {"value_meaning", "model", "input", "masking",
                                       "source", "created", NULL};

static char **header_str_field(sb_trace_header *h, size_t i) {
  char **f[] = {&h->value_meaning, &h->model, &h->input, &h->masking, &h->source, &h->created};
  return f[i];
}

char *sb_trace_header_encode(const sb_trace_header *h) {
  json_t *o = json_object();
  if (!o) return NULL;
  json_object_set_new(o, "n", json_integer((json_int_t)h->n));
  if (h->feature_names) {
    json_t *a = json_array();
    for (size_t i = 0; i < h->n; i++)
      json_array_append_new(a, json_string(h->feature_names[i] ? h->feature_names[i] : ""));
    json_object_set_new(o, "feature_names", a);
  }
  for (size_t i = 0; STR_KEYS[i]; i++) {
    const char *v = *header_str_field((sb_trace_header *)h, i);
    if (v) json_object_set_new(o, STR_KEYS[i], json_string(v));
  }
  if (h->extra && json_is_object(h->extra)) {
    const char *k;
    json_t *v;
    json_object_foreach(h->extra, k, v) {
      if (!json_object_get(o, k)) json_object_set(o, k, v);
    }
  }
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(o);
  return s;
}

/* "feature_names": null/absent, or an array of n strings. */
static int parse_feature_names(const json_t *o, const char *where, sb_trace_header *h,
                               sb_error *err) {
  json_t *fn = json_object_get(o, "feature_names");
  if (!fn || json_is_null(fn)) return SB_OK;
  if (!json_is_array(fn) || json_array_size(fn) != h->n)
    return sb_error_set(err, SB_EFORMAT,
                        "%s: line 2: header \"feature_names\" must be an array of n = %zu strings",
                        where, h->n);
  h->feature_names = calloc(h->n, sizeof *h->feature_names);
  if (!h->feature_names) return sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  for (size_t i = 0; i < h->n; i++) {
    json_t *s = json_array_get(fn, i);
    if (!json_is_string(s))
      return sb_error_set(err, SB_EFORMAT, "%s: line 2: feature_names[%zu] is not a string",
                          where, i);
    if (!(h->feature_names[i] = strdup(json_string_value(s))))
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  }
  return SB_OK;
}

/* The string fields (null/absent or a string each). */
static int parse_str_fields(const json_t *o, const char *where, sb_trace_header *h,
                            sb_error *err) {
  for (size_t i = 0; STR_KEYS[i]; i++) {
    json_t *s = json_object_get(o, STR_KEYS[i]);
    if (!s || json_is_null(s)) continue;
    if (!json_is_string(s))
      return sb_error_set(err, SB_EFORMAT, "%s: line 2: header \"%s\" must be a string", where,
                          STR_KEYS[i]);
    if (sb_trace_set_str(header_str_field(h, i), json_string_value(s)))
      return sb_error_set(err, SB_ENOMEM, "%s: out of memory", where);
  }
  return SB_OK;
}

/* Every other key, kept verbatim in h->extra. */
static void collect_extra(json_t *o, sb_trace_header *h) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    int known = !strcmp(k, "n") || !strcmp(k, "feature_names");
    for (size_t i = 0; STR_KEYS[i]; i++) known |= !strcmp(k, STR_KEYS[i]);
    if (known) continue;
    if (!h->extra) h->extra = json_object();
    if (h->extra) json_object_set(h->extra, k, v);
  }
}

int sb_trace_header_from_json(const char *text, const char *where, sb_trace_header *h,
                              sb_error *err) {
  json_error_t je;
  json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  if (!o)
    return sb_error_set(err, SB_EFORMAT, "%s: line 2: header is not valid JSON (%s at column %d)",
                        where, je.text, je.column);
  memset(h, 0, sizeof *h);
  json_t *jn = json_object_get(o, "n");
  int rc = SB_OK;
  if (!json_is_object(o))
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: header must be a JSON object", where);
  else if (!json_is_integer(jn) || json_integer_value(jn) < 1 || json_integer_value(jn) > SB_MAX_N)
    rc = sb_error_set(err, SB_EFORMAT, "%s: line 2: header needs \"n\": an integer 1..%d", where,
                      SB_MAX_N);
  if (!rc) {
    h->n = (size_t)json_integer_value(jn);
    rc = parse_feature_names(o, where, h, err);
  }
  if (!rc) rc = parse_str_fields(o, where, h, err);
  if (!rc) collect_extra(o, h);
  json_decref(o);
  if (rc) sb_trace_header_clear(h);
  return rc;
}

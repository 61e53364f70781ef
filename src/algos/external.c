/* `external`: an algorithm in any language, run as a child process that speaks
 * the versioned JSON-lines protocol of docs/EXTERNAL.md on its stdin/stdout.
 *
 * The harness sends a hello (protocol version, n, budget, seed, pass-through
 * params); the program then asks for batches of masks ("query"), optionally for
 * the masks a built-in design would draw ("design"), and ends with a spectrum
 * ("result") or a reason ("fail").  Queries go through the run's sb_oracle, so
 * distinct masks count against the budget, repeats are free, and a batch that
 * would cross the budget is refused whole with a reply the program can read (it
 * may then finish with what it has).  It is an adaptive (`run` slot) algorithm:
 * a program may choose each batch from the answers so far.
 *
 * Every fault is a failed run whose message names the program and the fault,
 * with the tail of its stderr: it exits early, prints a line that is not JSON or
 * not a known request, sends a malformed or wrong-n spectrum, stays silent longer
 * than `timeout`, or floods a line beyond the size limit.  The process group is
 * killed when the run ends (external_proc.c). */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/baseline_util.h"
#include "algos/common.h"
#include "algos/external_proc.h"
#include "core/cmdfiles.h"
#include "core/seed.h"
#include "core/timer.h"

#define EXTERNAL_PROTOCOL_VERSION 1

static const sb_param_def external_params[] = {
    {"cmd", SB_PARAM_STRING, NULL, NULL,
     "the program, run by /bin/sh -c (no commas); docs/EXTERNAL.md"},
    {"name", SB_PARAM_STRING, "", NULL, "label naming the program in messages (empty: the command)"},
    {"timeout", SB_PARAM_DOUBLE, "600", NULL,
     "seconds the program may stay silent (start-up included) before it is killed"},
    {"KEY", SB_PARAM_EXTRA, NULL, NULL,
     "any other key=value is passed to the program (hello \"params\", as text)"},
    {NULL, 0, NULL, NULL, NULL},
};

static int external_check(const sb_algo_ctx *ctx, sb_error *err) {
  const char *cmd = sb_params_str(ctx->params, "cmd");
  double t = sb_params_double(ctx->params, "timeout");
  if (!cmd || !*cmd) return sb_error_set(err, SB_EINVAL, "external: cmd is empty");
  if (!(t > 0)) return sb_error_set(err, SB_EINVAL, "external: timeout = %g: expected > 0 seconds", t);
  return SB_OK;
}

/* The program's files (script, binary, interpreter) by content: an edited
 * program's stored results are rerun, not reused (sb_algo_type.content_key). */
static int external_content_key(const sb_params *params, char **out, sb_error *err) {
  const char *cmd = sb_params_str(params, "cmd");
  int rc = sb_cmd_files_key(cmd ? cmd : "", out, err);
  if (rc) sb_error_prefix(err, "external program %s", cmd);
  return rc;
}

/* ==== the built-in designs a program may ask for ========================== */

typedef struct design_kind {
  const char *name;
  const char *used_by; /* for docs and the hello */
  /* `count` masks drawn from r; *weights (may stay NULL) one per mask */
  int (*make)(size_t n, size_t count, const gsl_rng *r, sb_masks **masks, double **weights,
              sb_error *err);
} design_kind;

static int make_uniform(size_t n, size_t count, const gsl_rng *r, sb_masks **masks,
                        double **weights, sb_error *err) {
  *weights = NULL;
  return sb_design_uniform_distinct(n, count, r, 0, masks, err);
}

static int make_kernel(size_t n, size_t count, const gsl_rng *r, sb_masks **masks,
                       double **weights, sb_error *err) {
  size_t levels;
  return sb_kernel_design(n, count, r, masks, weights, &levels, err);
}

static const design_kind design_kinds[] = {
    {"uniform", "faith-banzhaf, banzhaf, lasso, lime", make_uniform},
    {"kernel", "kernelshap, faith-shap", make_kernel},
    {NULL, NULL, NULL},
};

/* ==== a session with one program ========================================= */

typedef struct session {
  const sb_algo_ctx *ctx;
  sb_oracle *oracle;
  sb_xproc *proc;
  char label[128];
  double timeout;
  size_t messages, batches, refused; /* requests handled, query batches answered, refused */
  double protocol_s;                 /* harness time encoding and decoding messages */
  int done;                          /* a result was accepted */
  sb_spectrum *result;
  json_t *phases;                    /* the program's own timings (borrowed from msg) */
  char info[256];
} session;

/* A failed run: "external 'LABEL': FAULT (after U of B queries, M requests);
 * stderr: '...'".  Kills the program first so its last words are in the tail. */
static int failf(session *s, sb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int failf(session *s, sb_error *err, int code, const char *fmt, ...) {
  char what[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  sb_xproc_finish(s->proc, 0.0);
  char tail[300];
  size_t total = 0;
  sb_xproc_stderr_tail(s->proc, tail, sizeof tail, &total);
  return sb_error_set(err, code, "external '%s': %s (after %zu of %zu queries, %zu requests)%s%s%s",
                      s->label, what, sb_oracle_used(s->oracle), s->ctx->budget, s->messages,
                      total ? "; stderr ends: '" : "", total ? tail : "", total ? "'" : "");
}

/* Printable excerpt of a program line for messages. */
static void excerpt(const char *line, size_t len, char *buf, size_t cap) {
  size_t k = len < cap - 4 ? len : cap - 4;
  for (size_t i = 0; i < k; i++) {
    unsigned char c = (unsigned char)line[i];
    buf[i] = (c < 32 || c == 127) ? '?' : (char)c;
  }
  if (k < len) memcpy(buf + k, "...", 3), k += 3;
  buf[k] = '\0';
}

/* Queue one reply line. */
static int reply(session *s, json_t *obj, sb_error *err) {
  if (!obj) return failf(s, err, SB_ENOMEM, "out of memory building a reply");
  char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(17));
  json_decref(obj);
  if (!text) return failf(s, err, SB_ENOMEM, "out of memory building a reply");
  size_t len = strlen(text);
  text[len] = '\n'; /* json_dumps left room for the NUL: replace it, send len+1 */
  int rc = sb_xproc_queue(s->proc, text, len + 1, err);
  free(text);
  return rc;
}

static json_t *error_reply(const char *kind, const char *msg) {
  json_t *r = json_object();
  json_object_set_new(r, "ok", json_false());
  json_object_set_new(r, "error", json_string(kind));
  json_object_set_new(r, "message", json_string(msg));
  return r;
}

static void seed_hex(uint64_t seed, char *buf, size_t len) {
  snprintf(buf, len, "%016llx", (unsigned long long)seed);
}

static int send_hello(session *s, sb_error *err) {
  const sb_algo_ctx *c = s->ctx;
  char seed[24], dseed[24];
  seed_hex(c->seed, seed, sizeof seed);
  seed_hex(c->design_seed, dseed, sizeof dseed);
  json_t *h = json_object(), *params = json_object(), *designs = json_array();
  json_object_set_new(h, "protocol", json_string("spexbench-external"));
  json_object_set_new(h, "version", json_integer(EXTERNAL_PROTOCOL_VERSION));
  json_object_set_new(h, "n", json_integer((json_int_t)c->n));
  json_object_set_new(h, "budget", json_integer((json_int_t)c->budget));
  json_object_set_new(h, "seed", json_string(seed));
  json_object_set_new(h, "design_seed", json_string(dseed));
  json_object_set_new(h, "noise_sigma", json_real(c->noise_sigma));
  json_object_set_new(h, "threads", json_integer(c->threads));
  json_object_set_new(h, "name", json_string(s->label));
  for (size_t i = 0; c->params && i < c->params->count; i++)
    if (sb_params_is_extra(c->params, c->params->keys[i]))
      json_object_set_new(params, c->params->keys[i], json_string(c->params->values[i]));
  json_object_set_new(h, "params", params);
  for (size_t i = 0; design_kinds[i].name; i++)
    json_array_append_new(designs, json_string(design_kinds[i].name));
  json_object_set_new(h, "designs", designs);
  return reply(s, h, err);
}

/* ---- query ----------------------------------------------------------------- */

/* masks[j] of a request: "0101..." (n characters) or [i, j, ...] (kept features). */
static int parse_mask(session *s, const json_t *m, size_t j, uint64_t *out, sb_error *err) {
  size_t n = s->ctx->n;
  if (json_is_string(m)) {
    sb_error e2;
    if (json_string_length(m) != n ||
        sb_mask_from_string(out, n, json_string_value(m), json_string_length(m), &e2))
      return failf(s, err, SB_EORACLE,
                   "query: masks[%zu] is not %zu characters '0'/'1' (got %zu characters)", j, n,
                   json_string_length(m));
    return SB_OK;
  }
  if (!json_is_array(m))
    return failf(s, err, SB_EORACLE,
                 "query: masks[%zu] must be a '0'/'1' string or an array of feature indices", j);
  size_t k;
  const json_t *e;
  json_array_foreach(m, k, e) {
    json_int_t i = json_is_integer(e) ? json_integer_value(e) : -1;
    if (i < 0 || (size_t)i >= n)
      return failf(s, err, SB_EORACLE, "query: masks[%zu][%zu] is not a feature index 0..%zu", j,
                   k, n - 1);
    if (sb_mask_get(out, (size_t)i))
      return failf(s, err, SB_EORACLE, "query: masks[%zu] lists feature %lld twice", j,
                   (long long)i);
    sb_mask_set(out, (size_t)i);
  }
  return SB_OK;
}

static int op_query(session *s, json_t *msg, sb_error *err) {
  const json_t *jm = json_object_get(msg, "masks");
  if (!json_is_array(jm)) return failf(s, err, SB_EORACLE, "query: \"masks\" must be an array");
  size_t count = json_array_size(jm);
  sb_masks *masks = sb_masks_alloc(s->ctx->n, count);
  double *vals = malloc((count ? count : 1) * sizeof *vals);
  if (!masks || !vals) {
    sb_masks_free(masks);
    free(vals);
    return failf(s, err, SB_ENOMEM, "out of memory for a batch of %zu masks", count);
  }
  int rc = SB_OK;
  for (size_t j = 0; j < count && rc == SB_OK; j++)
    rc = parse_mask(s, json_array_get(jm, j), j, sb_masks_at(masks, j), err);
  if (rc == SB_OK) {
    double t0 = sb_wall_seconds();
    sb_error e2 = {0};
    int qrc = sb_oracle_query(s->oracle, masks, vals, &e2);
    s->protocol_s -= sb_wall_seconds() - t0; /* the oracle's time is not protocol time */
    json_t *r;
    if (qrc == SB_EBUDGET) {
      s->refused++;
      r = error_reply("budget", e2.msg);
    } else if (qrc != SB_OK) {
      rc = failf(s, err, qrc, "query %zu: %s", s->batches + 1, e2.msg);
      r = NULL;
    } else {
      s->batches++;
      r = json_object();
      json_t *arr = json_array();
      json_object_set_new(r, "ok", json_true());
      for (size_t j = 0; j < count && rc == SB_OK; j++) {
        if (!isfinite(vals[j]))
          rc = failf(s, err, SB_ENUMERIC, "the dataset answered a non-finite value");
        json_array_append_new(arr, json_real(vals[j]));
      }
      json_object_set_new(r, "values", arr);
    }
    if (r) {
      json_object_set_new(r, "used", json_integer((json_int_t)sb_oracle_used(s->oracle)));
      json_object_set_new(r, "budget", json_integer((json_int_t)s->ctx->budget));
    }
    if (rc == SB_OK) rc = reply(s, r, err);
    else json_decref(r);
  }
  sb_masks_free(masks);
  free(vals);
  return rc;
}

/* ---- design ---------------------------------------------------------------- */

/* "seed": 16 hex digits (as in results) or a non-negative integer. */
static int parse_seed(const json_t *j, uint64_t *out) {
  if (json_is_integer(j) && json_integer_value(j) >= 0) {
    *out = (uint64_t)json_integer_value(j);
    return 1;
  }
  if (!json_is_string(j)) return 0;
  const char *t = json_string_value(j);
  size_t l = strlen(t);
  if (l == 0 || l > 16 || strspn(t, "0123456789abcdefABCDEF") != l) return 0;
  *out = (uint64_t)strtoull(t, NULL, 16);
  return 1;
}

static int op_design(session *s, json_t *msg, sb_error *err) {
  const sb_algo_ctx *c = s->ctx;
  const json_t *jk = json_object_get(msg, "kind"), *jc = json_object_get(msg, "count");
  const json_t *js = json_object_get(msg, "seed");
  const char *kind = json_is_string(jk) ? json_string_value(jk) : "uniform";
  const design_kind *dk = NULL;
  char names[128] = "";
  for (size_t i = 0, used = 0; design_kinds[i].name; i++) {
    if (!strcmp(design_kinds[i].name, kind)) dk = &design_kinds[i];
    used = sb_names_append(names, sizeof names, used, design_kinds[i].name);
  }
  char m[300];
  if (!dk || (jk && !json_is_string(jk))) {
    snprintf(m, sizeof m, "unknown design kind (available: %s)", names);
    return reply(s, error_reply("design", m), err);
  }
  size_t count = c->budget;
  if (jc) {
    json_int_t v = json_is_integer(jc) ? json_integer_value(jc) : 0;
    if (v < 1 || (size_t)v > c->budget) {
      snprintf(m, sizeof m, "\"count\" must be an integer in 1..%zu (the budget)", c->budget);
      return reply(s, error_reply("design", m), err);
    }
    count = (size_t)v;
  }
  uint64_t seed = c->seed;
  if (js && !parse_seed(js, &seed))
    return reply(s, error_reply("design", "\"seed\" must be 16 hex digits or an integer >= 0"),
                 err);
  gsl_rng *r = sb_rng_alloc(seed); /* fresh: the draws a built-in makes first from this seed */
  sb_masks *masks = NULL;
  double *w = NULL;
  sb_error e2 = {0};
  int rc = r ? dk->make(c->n, count, r, &masks, &w, &e2) : SB_ENOMEM;
  gsl_rng_free(r);
  if (rc == SB_EINVAL) /* e.g. the kernel design needs n >= 2: the program is told */
    return reply(s, error_reply("design", e2.msg), err);
  if (rc) {
    free(w);
    return failf(s, err, rc, "design %s: %s", kind, r ? e2.msg : "out of memory");
  }
  json_t *out = json_object(), *arr = json_array(), *wa = w ? json_array() : NULL;
  char *buf = malloc(c->n + 1);
  for (size_t j = 0; buf && j < masks->count; j++) {
    sb_mask_to_string(sb_masks_at(masks, j), c->n, buf);
    json_array_append_new(arr, json_stringn(buf, c->n));
    if (wa) json_array_append_new(wa, json_real(w[j]));
  }
  json_object_set_new(out, "ok", json_true());
  json_object_set_new(out, "masks", arr);
  if (wa) json_object_set_new(out, "weights", wa);
  free(buf);
  free(w);
  sb_masks_free(masks);
  return reply(s, out, err);
}

/* ---- result / fail --------------------------------------------------------- */

static int op_result(session *s, json_t *msg, sb_error *err) {
  const json_t *js = json_object_get(msg, "spectrum");
  if (!json_is_object(js))
    return failf(s, err, SB_EORACLE,
                 "result: \"spectrum\" must be an object {\"basis\", \"n\", \"terms\"}");
  sb_error e2 = {0};
  sb_spectrum *g = sb_spectrum_from_json(js, "result spectrum", &e2);
  if (!g) return failf(s, err, SB_EORACLE, "%s", e2.msg);
  if (g->n != s->ctx->n) {
    size_t gn = g->n;
    sb_spectrum_free(g);
    return failf(s, err, SB_EORACLE, "result spectrum has n = %zu, this run has n = %zu", gn,
                 s->ctx->n);
  }
  const json_t *info = json_object_get(msg, "info"), *ph = json_object_get(msg, "phases");
  if ((info && !json_is_string(info)) || (ph && !json_is_object(ph))) {
    sb_spectrum_free(g);
    return failf(s, err, SB_EORACLE,
                 "result: \"info\" must be a string and \"phases\" an object of seconds");
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)ph, key, v) {
    if (!json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v))) {
      sb_spectrum_free(g);
      return failf(s, err, SB_EORACLE, "result: phase '%.40s' is not a number of seconds >= 0",
                   key);
    }
  }
  if (info) excerpt(json_string_value(info), json_string_length(info), s->info, sizeof s->info);
  s->phases = json_incref((json_t *)ph);
  s->result = g;
  s->done = 1;
  json_t *r = json_object();
  json_object_set_new(r, "ok", json_true());
  return reply(s, r, err);
}

static int op_fail(session *s, json_t *msg, sb_error *err) {
  const json_t *m = json_object_get(msg, "message");
  char buf[400];
  if (json_is_string(m)) excerpt(json_string_value(m), json_string_length(m), buf, sizeof buf);
  else snprintf(buf, sizeof buf, "(no message)");
  return failf(s, err, SB_EORACLE, "the program reported failure: %s", buf);
}

static const struct {
  const char *op;
  int (*handle)(session *s, json_t *msg, sb_error *err);
} ops[] = {
    {"query", op_query}, {"design", op_design}, {"result", op_result}, {"fail", op_fail},
    {NULL, NULL},
};

/* One request line: parse, dispatch. */
static int handle_line(session *s, const char *line, size_t len, sb_error *err) {
  char ex[100];
  json_error_t je;
  json_t *msg = json_loadb(line, len, 0, &je);
  if (!msg || !json_is_object(msg)) {
    excerpt(line, len, ex, sizeof ex);
    json_decref(msg);
    return failf(s, err, SB_EORACLE, "request %zu is not a JSON object (%s): '%s'",
                 s->messages + 1, msg ? "another JSON value" : je.text, ex);
  }
  s->messages++;
  const char *op = json_string_value(json_object_get(msg, "op"));
  int rc = SB_EORACLE;
  size_t i = 0;
  while (op && ops[i].op && strcmp(ops[i].op, op) != 0) i++;
  if (op && ops[i].op) {
    rc = ops[i].handle(s, msg, err);
  } else {
    excerpt(line, len, ex, sizeof ex);
    rc = failf(s, err, SB_EORACLE,
               "request %zu has no known \"op\" (query, design, result, fail): '%s'", s->messages,
               ex);
  }
  json_decref(msg);
  return rc;
}

/* Add the program's phases; names the harness records itself get a prefix. */
static void add_phases(sb_fit *out, const json_t *ph) {
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)ph, key, v) {
    char name[24];
    int reserved = !strcmp(key, "oracle") || !strcmp(key, "fit") || !strcmp(key, "protocol");
    snprintf(name, sizeof name, "%s%s", reserved ? "program_" : "", key);
    sb_fit_phase_add(out, name, json_number_value(v));
  }
}

static int external_run(const sb_algo_ctx *ctx, sb_oracle *oracle, sb_fit *out, sb_error *err) {
  int rc = external_check(ctx, err);
  if (rc) return rc;
  session s;
  memset(&s, 0, sizeof s);
  s.ctx = ctx;
  s.oracle = oracle;
  s.timeout = sb_params_double(ctx->params, "timeout");
  const char *cmd = sb_params_str(ctx->params, "cmd"), *name = sb_params_str(ctx->params, "name");
  snprintf(s.label, sizeof s.label, "%s", name && *name ? name : cmd);
  /* a line holds at most a batch of masks or a spectrum: generous, but bounded */
  double cap = 64.0 * 1024 * 1024 + 4.0 * ((double)ctx->n + 8) * (double)ctx->budget;
  size_t max_line = cap > 1024.0 * 1024 * 1024 ? (size_t)1024 * 1024 * 1024 : (size_t)cap;
  sb_error e2 = {0};
  s.proc = sb_xproc_start(cmd, max_line, &e2);
  if (!s.proc) return sb_error_set(err, e2.code, "external '%s': %s", s.label, e2.msg);
  double t0 = sb_wall_seconds();
  rc = send_hello(&s, err);
  s.protocol_s += sb_wall_seconds() - t0;
  while (rc == SB_OK && !s.done) {
    char *line;
    size_t len;
    rc = sb_xproc_next_line(s.proc, s.timeout, &line, &len, &e2);
    if (rc) {
      rc = failf(&s, err, rc, "%s%s", e2.msg,
                 s.messages == 0 && !strstr(e2.msg, "timeout") ? " before its first request" : "");
      break;
    }
    t0 = sb_wall_seconds();
    rc = handle_line(&s, line, len, err);
    s.protocol_s += sb_wall_seconds() - t0;
  }
  if (rc == SB_OK) {
    /* deliver the final "ok", then end of input; the program should exit now */
    sb_xproc_flush(s.proc, s.timeout < 5 ? s.timeout : 5, &e2); /* a late fault is moot */
    sb_xproc_finish(s.proc, 2.0);
    out->surrogate = s.result;
    s.result = NULL;
    sb_fit_phase_add(out, "protocol", s.protocol_s);
    if (s.phases) add_phases(out, s.phases);
    sb_fit_info(out, "program=%.60s requests=%zu batches=%zu refused=%zu", s.label, s.messages,
                s.batches, s.refused);
    if (s.info[0]) sb_fit_info(out, "%s", s.info);
  }
  json_decref(s.phases);
  sb_spectrum_free(s.result);
  sb_xproc_free(s.proc);
  return rc;
}

const sb_algo_type sb_algo_external = {
    .name = "external",
    .summary = "a program in any language over the JSON-lines protocol (docs/EXTERNAL.md)",
    .params = external_params,
    .check = external_check,
    .run = external_run,
    .content_key = external_content_key,
};

/* `spexbench trace`: inspect, convert and check ablation traces.
 *
 *   trace info FILE [--json]         header, record count, coverage, value range and,
 *                                    for a full table, the exact spectrum's energy by degree
 *   trace import SRC -o FILE         from a shapiq .npz or JSON game (or another trace),
 *                                    with header fields from options
 *   trace export FILE -o OUT         to CSV (mask,value), a shapiq .npz (full tables) or a
 *                                    shapiq JSON game
 *   trace verify FILE                strict read: every batch's count and CRC, no damage
 *
 * FILE may be a trace (docs/TRACE_FORMAT.md), a .npz or a shapiq .json game wherever
 * a trace is read.  Outputs are written atomically; an existing output is replaced
 * only with --force, so a recorded trace is never overwritten by accident. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/spectrum.h"
#include "core/transform.h"
#include "trace/export.h"
#include "trace/import.h"
#include "trace/npz.h"
#include "trace/trace.h"

static void trace_usage(FILE *fp) {
  fprintf(fp,
          "usage: spexbench trace info FILE [--json]\n"
          "       spexbench trace import SRC -o FILE [--force] [--model S] [--value-meaning S]\n"
          "                              [--input S] [--masking S] [--feature-names a,b,...]\n"
          "                              [--batch N]\n"
          "       spexbench trace export FILE -o OUT [--format csv|npz|json] [--force]\n"
          "       spexbench trace verify FILE [--full] [--records N]\n\n"
          "Ablation traces: (mask, value) records of a model with a self-describing header,\n"
          "gzip-compressed, one gzip member per batch (docs/TRACE_FORMAT.md).  FILE and SRC may\n"
          "also be shapiq precomputed games (.npz) or shapiq JSON game files (.json).\n"
          "Run `spexbench trace SUBCOMMAND --help` for each subcommand.\n");
}

/* 1 if FILE is read as a trace (not an .npz or .json to import): by content. */
static int is_trace_file(const char *f) { return sb_trace_import_reads_as_trace(f); }

static int wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
  return 0;
}

static int usage_error(const char *sub, const char *msg, const char *arg) {
  fprintf(stderr, "spexbench trace %s: %s%s%s\n(see spexbench trace %s --help)\n", sub, msg,
          arg ? " " : "", arg ? arg : "", sub);
  return 2;
}

/* ==== info =============================================================== */

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

static void print_field(const char *k, const char *v) {
  if (!v) return;
  printf("%-15s ", k);
  for (const char *p = v; *p; p++) {
    if (*p == '\n') printf("\\n");
    else putchar(*p);
  }
  putchar('\n');
}

static int cmd_info(int argc, char **argv) {
  if (wants_help(argc, argv)) {
    printf("usage: spexbench trace info FILE [--json]\n\n"
           "Print a trace's header, its record count and coverage of the 2^n masks, the range\n"
           "of its values and, for a full table, the energy of the exact Fourier spectrum by\n"
           "degree (ground truth by FWHT).  FILE: a trace, a shapiq .npz or .json game.\n");
    return 0;
  }
  const char *file = NULL;
  int json_out = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json_out = 1;
    else if (argv[i][0] == '-') return usage_error("info", "unknown option", argv[i]);
    else if (!file) file = argv[i];
    else return usage_error("info", "unexpected argument", argv[i]);
  }
  if (!file) return usage_error("info", "missing FILE", NULL);
  sb_error err = {0};
  sb_trace *t = NULL;
  sb_trace_read_info ri = {0};
  int rc;
  int is_trace = is_trace_file(file);
  if (is_trace) rc = sb_trace_read(file, SB_TRACE_READ_STRICT, &t, &ri, &err);
  else rc = sb_trace_import_any(file, &t, &err);
  if (rc) return sb_cli_fail(&err);
  double lo = INFINITY, hi = -INFINITY, mean = 0;
  for (size_t i = 0; i < t->count; i++) {
    double v = t->values[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    mean += (v - mean) / (double)(i + 1);
  }
  int full = sb_trace_is_full(t);
  double deg[5] = {0, 0, 0, 0, 0}, total = 0;
  size_t k90 = 0;
  if (full) {
    double *tab = NULL;
    if (sb_trace_to_table(t, &tab, &err) == SB_OK && sb_fwht(tab, (unsigned)t->h.n, 1, 0) == SB_OK) {
      size_t N = (size_t)1 << t->h.n;
      for (size_t x = 1; x < N; x++) {
        int d = __builtin_popcountll(x);
        double e = tab[x] * tab[x];
        deg[d < 4 ? d : 4] += e;
        total += e;
      }
      /* coefficients holding 90% of the non-constant energy */
      double *sq = malloc((N - 1) * sizeof *sq);
      if (sq && total > 0) {
        for (size_t x = 1; x < N; x++) sq[x - 1] = tab[x] * tab[x];
        qsort(sq, N - 1, sizeof *sq, cmp_desc);
        double acc = 0;
        for (k90 = 0; k90 < N - 1 && acc < 0.9 * total; k90++) acc += sq[k90];
      }
      free(sq);
    }
    free(tab);
  }
  char total_s[32];
  if (t->h.n < 64) snprintf(total_s, sizeof total_s, "%llu", 1ULL << t->h.n);
  else snprintf(total_s, sizeof total_s, "2^%zu", t->h.n);
  if (json_out) {
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "n", json_integer((json_int_t)t->h.n));
    json_object_set_new(o, "records", json_integer((json_int_t)t->count));
    json_object_set_new(o, "full", json_boolean(full));
    if (is_trace) json_object_set_new(o, "batches", json_integer((json_int_t)ri.batches));
    if (t->count) {
      json_object_set_new(o, "min", json_real(lo));
      json_object_set_new(o, "max", json_real(hi));
      json_object_set_new(o, "mean", json_real(mean));
    }
    const char *keys[] = {"value_meaning", "model", "input", "masking", "source", "created"};
    const char *vals[] = {t->h.value_meaning, t->h.model, t->h.input, t->h.masking, t->h.source,
                          t->h.created};
    for (int i = 0; i < 6; i++)
      if (vals[i]) json_object_set_new(o, keys[i], json_string(vals[i]));
    if (t->h.feature_names) {
      json_t *a = json_array();
      for (size_t i = 0; i < t->h.n; i++) json_array_append_new(a, json_string(t->h.feature_names[i]));
      json_object_set_new(o, "feature_names", a);
    }
    if (full && total > 0) {
      json_t *a = json_array();
      for (int d = 1; d <= 4; d++) json_array_append_new(a, json_real(deg[d] / total));
      json_object_set_new(o, "energy_by_degree", a);
      json_object_set_new(o, "coefficients_for_90pct_energy", json_integer((json_int_t)k90));
    }
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s ? s : "{}");
    free(s);
    json_decref(o);
  } else {
    printf("%-15s %s\n", "file", file);
    if (is_trace)
      printf("%-15s SBTRACE %d, %s, %zu batches\n", "format", SB_TRACE_VERSION,
             ri.compressed ? "gzip" : "plain text", ri.batches);
    printf("%-15s %zu\n", "n", t->h.n);
    printf("%-15s %zu of %s masks%s\n", "records", t->count, total_s, full ? " (full table)" : "");
    if (t->count) printf("%-15s min %.6g, max %.6g, mean %.6g\n", "values", lo, hi, mean);
    print_field("value_meaning", t->h.value_meaning);
    print_field("model", t->h.model);
    print_field("input", t->h.input);
    print_field("masking", t->h.masking);
    print_field("source", t->h.source);
    print_field("created", t->h.created);
    if (t->h.extra && json_object_size(t->h.extra)) {
      char *s = json_dumps(t->h.extra, JSON_COMPACT | JSON_PRESERVE_ORDER);
      print_field("extra", s);
      free(s);
    }
    if (t->h.feature_names) {
      printf("%-15s ", "feature_names");
      for (size_t i = 0; i < t->h.n; i++) printf("%s%s", i ? " | " : "", t->h.feature_names[i]);
      putchar('\n');
    }
    if (full && total > 0)
      printf("%-15s degree 1: %.3f, 2: %.3f, 3: %.3f, >=4: %.3f of non-constant energy; "
             "%zu coefficients hold 90%%\n",
             "exact spectrum", deg[1] / total, deg[2] / total, deg[3] / total, deg[4] / total, k90);
  }
  sb_trace_free(t);
  return 0;
}

/* ==== import ============================================================= */

static int split_names(const char *s, size_t n, char ***out, sb_error *err) {
  char **names = calloc(n, sizeof *names);
  if (!names) return sb_error_set(err, SB_ENOMEM, "out of memory");
  size_t k = 0;
  const char *p = s;
  for (;;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (k < n) names[k] = strndup(p, len);
    k++;
    if (!c) break;
    p = c + 1;
  }
  if (k != n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return sb_error_set(err, SB_EINVAL, "--feature-names: %zu names given, the trace has n = %zu",
                        k, n);
  }
  *out = names;
  return SB_OK;
}

static int cmd_import(int argc, char **argv) {
  if (wants_help(argc, argv)) {
    printf("usage: spexbench trace import SRC -o FILE [--force] [--model S] [--value-meaning S]\n"
           "                              [--input S] [--masking S] [--feature-names a,b,...]\n"
           "                              [--batch N]\n\n"
           "Convert SRC to a trace.  SRC: a shapiq precomputed game (.npz: values, coalitions,\n"
           "n_players), a shapiq JSON game file (.json: metadata + data {\"Empty\": v, \"0,3\": v}),\n"
           "or a trace (re-written, e.g. to add header fields).  The options set header fields.\n"
           "  -o FILE        output trace (conventionally .sbt.gz); written atomically\n"
           "  --force        replace FILE if it exists (otherwise refused)\n"
           "  --batch N      records per gzip member (default 4096)\n");
    return 0;
  }
  const char *src = NULL, *outp = NULL, *names = NULL;
  const char *model = NULL, *meaning = NULL, *input = NULL, *masking = NULL;
  long batch = 4096;
  int force = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int more = i + 1 < argc;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) outp = argv[++i];
    else if (!strcmp(a, "--force")) force = 1;
    else if (!strcmp(a, "--model") && more) model = argv[++i];
    else if (!strcmp(a, "--value-meaning") && more) meaning = argv[++i];
    else if (!strcmp(a, "--input") && more) input = argv[++i];
    else if (!strcmp(a, "--masking") && more) masking = argv[++i];
    else if (!strcmp(a, "--feature-names") && more) names = argv[++i];
    else if (!strcmp(a, "--batch") && more) {
      char *end;
      batch = strtol(argv[++i], &end, 10);
      if (*end || batch < 1) return usage_error("import", "--batch: expected a positive integer, got", argv[i]);
    } else if (a[0] == '-') return usage_error("import", "unknown or incomplete option", a);
    else if (!src) src = a;
    else return usage_error("import", "unexpected argument", a);
  }
  if (!src) return usage_error("import", "missing SRC", NULL);
  if (!outp) return usage_error("import", "missing -o FILE", NULL);
  sb_error err = {0};
  if (!force && sb_file_exists(outp)) {
    sb_error_set(&err, SB_EIO, "%s exists (use --force to replace it)", outp);
    return sb_cli_fail(&err);
  }
  sb_trace *t = NULL;
  if (sb_trace_import_any(src, &t, &err)) return sb_cli_fail(&err);
  int rc = SB_OK;
  if ((model && sb_trace_set_str(&t->h.model, model)) ||
      (meaning && sb_trace_set_str(&t->h.value_meaning, meaning)) ||
      (input && sb_trace_set_str(&t->h.input, input)) ||
      (masking && sb_trace_set_str(&t->h.masking, masking)))
    rc = sb_error_set(&err, SB_ENOMEM, "out of memory");
  if (!rc && names) {
    char **fn = NULL;
    rc = split_names(names, t->h.n, &fn, &err);
    if (!rc) {
      if (t->h.feature_names) {
        for (size_t i = 0; i < t->h.n; i++) free(t->h.feature_names[i]);
        free(t->h.feature_names);
      }
      t->h.feature_names = fn;
    }
  }
  if (!rc) rc = sb_trace_write(outp, t, (size_t)batch, &err);
  if (!rc)
    fprintf(stderr, "spexbench: wrote %s: n = %zu, %zu records%s\n", outp, t->h.n, t->count,
            sb_trace_is_full(t) ? " (full table)" : "");
  sb_trace_free(t);
  return rc ? sb_cli_fail(&err) : 0;
}

/* ==== export ============================================================= */

static int cmd_export(int argc, char **argv) {
  if (wants_help(argc, argv)) {
    printf("usage: spexbench trace export FILE -o OUT [--format csv|npz|json] [--force]\n\n"
           "Write a trace's records elsewhere (atomically):\n"
           "  csv   'mask,value' lines, the mask as n 0/1 characters (feature 0 first)\n"
           "  npz   a shapiq precomputed game (full 2^n tables only, n <= %d)\n"
           "  json  a shapiq JSON game file (Game.load / load_values read it)\n"
           "The format defaults to OUT's extension.\n",
           SB_NPZ_MAX_N);
    return 0;
  }
  const char *file = NULL, *outp = NULL, *fmt = NULL;
  int force = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int more = i + 1 < argc;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) outp = argv[++i];
    else if (!strcmp(a, "--format") && more) fmt = argv[++i];
    else if (!strcmp(a, "--force")) force = 1;
    else if (a[0] == '-') return usage_error("export", "unknown or incomplete option", a);
    else if (!file) file = a;
    else return usage_error("export", "unexpected argument", a);
  }
  if (!file) return usage_error("export", "missing FILE", NULL);
  if (!outp) return usage_error("export", "missing -o OUT", NULL);
  if (!fmt) {
    const char *dot = strrchr(outp, '.');
    fmt = dot ? dot + 1 : "";
  }
  if (!sb_trace_export_format_find(fmt))
    return usage_error("export", "--format: expected csv, npz or json, got", fmt);
  sb_error err = {0};
  if (!force && sb_file_exists(outp)) {
    sb_error_set(&err, SB_EIO, "%s exists (use --force to replace it)", outp);
    return sb_cli_fail(&err);
  }
  sb_trace *t = NULL;
  if (sb_trace_import_any(file, &t, &err)) return sb_cli_fail(&err);
  int rc = sb_trace_export(t, fmt, outp, &err);
  if (!rc) fprintf(stderr, "spexbench: wrote %s (%zu records)\n", outp, t->count);
  sb_trace_free(t);
  return rc ? sb_cli_fail(&err) : 0;
}

/* ==== verify ============================================================= */

static int cmd_verify(int argc, char **argv) {
  if (wants_help(argc, argv)) {
    printf("usage: spexbench trace verify FILE [--full] [--records N]\n\n"
           "Read FILE strictly: magic and version, header, every record (mask length and\n"
           "characters, finite values, no conflicting duplicates), every batch trailer (count,\n"
           "running total, CRC-32) and the gzip stream itself.  Exit 0 and print a summary if\n"
           "all is well, else exit 1 with 'FILE: record N: problem'.\n"
           "  --full         also require all 2^n masks\n"
           "  --records N    also require exactly N records (detects a file cut between batches)\n");
    return 0;
  }
  const char *file = NULL;
  int full = 0;
  long long want = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--full")) full = 1;
    else if (!strcmp(a, "--records") && i + 1 < argc) {
      char *end;
      want = strtoll(argv[++i], &end, 10);
      if (*end || want < 0) return usage_error("verify", "--records: expected a count, got", argv[i]);
    } else if (a[0] == '-') return usage_error("verify", "unknown or incomplete option", a);
    else if (!file) file = a;
    else return usage_error("verify", "unexpected argument", a);
  }
  if (!file) return usage_error("verify", "missing FILE", NULL);
  sb_error err = {0};
  sb_trace *t = NULL;
  sb_trace_read_info ri = {0};
  int is_trace = is_trace_file(file);
  int rc = is_trace ? sb_trace_read(file, SB_TRACE_READ_STRICT, &t, &ri, &err)
                    : sb_trace_import_any(file, &t, &err);
  if (rc) return sb_cli_fail(&err);
  if (full && !sb_trace_is_full(t)) {
    sb_error_set(&err, SB_EFORMAT, "%s: %zu records, --full needs all 2^%zu masks", file, t->count,
                 t->h.n);
    sb_trace_free(t);
    return sb_cli_fail(&err);
  }
  if (want >= 0 && (size_t)want != t->count) {
    sb_error_set(&err, SB_EFORMAT, "%s: %zu records, expected %lld (truncated between batches?)",
                 file, t->count, want);
    sb_trace_free(t);
    return sb_cli_fail(&err);
  }
  printf("%s: ok: n = %zu, %zu records", file, t->h.n, t->count);
  if (is_trace) printf(" in %zu batches", ri.batches);
  printf("%s\n", sb_trace_is_full(t) ? " (full table)" : "");
  sb_trace_free(t);
  return 0;
}

/* ==== dispatch =========================================================== */

typedef struct subcommand {
  const char *name;
  int (*fn)(int argc, char **argv);
} subcommand;

static const subcommand SUBS[] = {
    {"info", cmd_info},
    {"import", cmd_import},
    {"export", cmd_export},
    {"verify", cmd_verify},
    {NULL, NULL},
};

int cmd_trace(int argc, char **argv) {
  if (argc < 2) {
    trace_usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    trace_usage(stdout);
    return 0;
  }
  for (const subcommand *s = SUBS; s->name; s++)
    if (!strcmp(argv[1], s->name)) return s->fn(argc - 1, argv + 1);
  fprintf(stderr, "spexbench trace: unknown subcommand '%s'\n\n", argv[1]);
  trace_usage(stderr);
  return 2;
}

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

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/spectrum.h"
#include "core/transform.h"
#include "trace/export.h"
#include "trace/import.h"
#include "trace/npz.h"
#include "trace/trace.h"

#define SB_STR_(x) #x
#define SB_STR(x) SB_STR_(x)

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

/* An existing output that is a directory is refused before anything is read
 * (--force replaces files, never directories). */
static int check_output(const sb_command_spec *spec, const char *out) {
  struct stat st;
  if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
    return sb_args_error(spec, "-o %s: is a directory; -o names the output file", out);
  return SB_ARGS_OK;
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

typedef struct info_args {
  const char *file;
  int json;
} info_args;

static const sb_arg INFO_ARGS[] = {
    {"FILE", NULL, SB_ARG_POSITIONAL, offsetof(info_args, file), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "a trace, a shapiq .npz or .json game"},
    {"--json", NULL, SB_ARG_FLAG, offsetof(info_args, json), NULL, 0, 0, NULL, 0,
     "print one JSON object"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec INFO_SPEC = {
    "trace info",
    "Print a trace's header, its record count and coverage of the 2^n masks, the range\n"
    "of its values and, for a full table, the energy of the exact Fourier spectrum by\n"
    "degree (ground truth by FWHT).\n",
    INFO_ARGS, NULL,
};

static int cmd_info(int argc, char **argv) {
  info_args ia = {NULL, 0};
  int r = sb_args_parse(&INFO_SPEC, argc, argv, &ia, NULL);
  if (r) return SB_ARGS_EXIT(r);
  const char *file = ia.file;
  int json_out = ia.json;
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
  if (!isfinite(mean)) { /* v - mean overflowed (values of both signs near DBL_MAX) */
    mean = 0;
    for (size_t i = 0; i < t->count; i++) mean += t->values[i] / (double)t->count;
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
    if (!isfinite(total)) {
      sb_error_set(&err, SB_ENUMERIC,
                   "%s: values up to %.6g overflow double precision in the Fourier energies "
                   "(their squares exceed 1.8e308): the spectrum's energy by degree cannot be "
                   "reported (rescale the values)",
                   file, fabs(lo) > fabs(hi) ? lo : hi);
      sb_trace_free(t);
      return sb_cli_fail(&err);
    }
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

typedef struct import_args {
  const char *src, *out, *names, *model, *meaning, *input, *masking;
  size_t batch;
  int force;
} import_args;

static const sb_arg IMPORT_ARGS[] = {
    {"SRC", NULL, SB_ARG_POSITIONAL, offsetof(import_args, src), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "a shapiq .npz or .json game, or a trace"},
    {"-o", "--output", SB_ARG_STRING, offsetof(import_args, out), "FILE", 0, 0, NULL,
     SB_ARG_REQUIRED, "output trace (conventionally .sbt.gz); written atomically"},
    {"--force", NULL, SB_ARG_FLAG, offsetof(import_args, force), NULL, 0, 0, NULL, 0,
     "replace FILE if it exists (otherwise refused)"},
    {"--model", NULL, SB_ARG_STRING, offsetof(import_args, model), "S", 0, 0, NULL, 0,
     "header field: the model"},
    {"--value-meaning", NULL, SB_ARG_STRING, offsetof(import_args, meaning), "S", 0, 0, NULL, 0,
     "header field: what a value is (\"logit\", ...)"},
    {"--input", NULL, SB_ARG_STRING, offsetof(import_args, input), "S", 0, 0, NULL, 0,
     "header field: the explained input"},
    {"--masking", NULL, SB_ARG_STRING, offsetof(import_args, masking), "S", 0, 0, NULL, 0,
     "header field: how features are removed"},
    {"--feature-names", NULL, SB_ARG_STRING, offsetof(import_args, names), "a,b,...", 0, 0, NULL,
     0, "header field: the n feature names"},
    {"--batch", NULL, SB_ARG_SIZE, offsetof(import_args, batch), "N", 1, (size_t)1 << 30, NULL, 0,
     "records per gzip member (default 4096)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec IMPORT_SPEC = {
    "trace import",
    "Convert SRC to a trace.  SRC: a shapiq precomputed game (.npz: values, coalitions,\n"
    "n_players), a shapiq JSON game file (.json: metadata + data {\"Empty\": v, \"0,3\": v}),\n"
    "or a trace (re-written, e.g. to add header fields).  The options set header fields.\n",
    IMPORT_ARGS, NULL,
};

static int cmd_import(int argc, char **argv) {
  import_args a = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, 4096, 0};
  int r = sb_args_parse(&IMPORT_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  if ((r = check_output(&IMPORT_SPEC, a.out))) return r;
  const char *src = a.src, *outp = a.out, *names = a.names;
  const char *model = a.model, *meaning = a.meaning, *input = a.input, *masking = a.masking;
  size_t batch = a.batch;
  int force = a.force;
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
  if (!rc) rc = sb_trace_write(outp, t, batch, &err);
  if (!rc)
    fprintf(stderr, "spexbench: wrote %s: n = %zu, %zu records%s\n", outp, t->h.n, t->count,
            sb_trace_is_full(t) ? " (full table)" : "");
  sb_trace_free(t);
  return rc ? sb_cli_fail(&err) : 0;
}

/* ==== export ============================================================= */

typedef struct export_args {
  const char *file, *out;
  int format, force;
} export_args;

static const sb_arg EXPORT_ARGS[] = {
    {"FILE", NULL, SB_ARG_POSITIONAL, offsetof(export_args, file), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "a trace, a shapiq .npz or .json game"},
    {"-o", "--output", SB_ARG_STRING, offsetof(export_args, out), "OUT", 0, 0, NULL,
     SB_ARG_REQUIRED, "the output file (not a directory); written atomically"},
    {"--format", NULL, SB_ARG_CHOICE, offsetof(export_args, format), "csv|npz|json", 0, 0,
     "csv|npz|json", 0, "default: OUT's extension"},
    {"--force", NULL, SB_ARG_FLAG, offsetof(export_args, force), NULL, 0, 0, NULL, 0,
     "replace OUT if it exists (otherwise refused)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec EXPORT_SPEC = {
    "trace export",
    "Write a trace's records elsewhere (atomically):\n"
    "  csv   'mask,value' lines, the mask as n 0/1 characters (feature 0 first)\n"
    "  npz   a shapiq precomputed game (full 2^n tables only, n <= " SB_STR(SB_NPZ_MAX_N) ")\n"
    "  json  a shapiq JSON game file (Game.load / load_values read it)\n",
    EXPORT_ARGS, NULL,
};

static int cmd_export(int argc, char **argv) {
  static const char *const formats[] = {"csv", "npz", "json"};
  export_args a = {NULL, NULL, -1, 0};
  int r = sb_args_parse(&EXPORT_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  if ((r = check_output(&EXPORT_SPEC, a.out))) return r;
  const char *file = a.file, *outp = a.out, *fmt = a.format >= 0 ? formats[a.format] : NULL;
  int force = a.force;
  if (!fmt) {
    const char *dot = strrchr(outp, '.');
    fmt = dot ? dot + 1 : "";
  }
  if (!sb_trace_export_format_find(fmt))
    return sb_args_error(&EXPORT_SPEC, "cannot tell the format from '%s': use --format "
                         "csv|npz|json", outp);
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

typedef struct verify_args {
  const char *file;
  int full;
  uint64_t records;
} verify_args;

static const sb_arg VERIFY_ARGS[] = {
    {"FILE", NULL, SB_ARG_POSITIONAL, offsetof(verify_args, file), NULL, 0, 0, NULL,
     SB_ARG_REQUIRED, "a trace, a shapiq .npz or .json game"},
    {"--full", NULL, SB_ARG_FLAG, offsetof(verify_args, full), NULL, 0, 0, NULL, 0,
     "also require all 2^n masks"},
    {"--records", NULL, SB_ARG_UINT64, offsetof(verify_args, records), "N", 0, UINT64_MAX - 1,
     NULL, 0, "also require exactly N records (detects a file cut between batches)"},
    {NULL, NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL},
};

static const sb_command_spec VERIFY_SPEC = {
    "trace verify",
    "Read FILE strictly: magic and version, header, every record (mask length and\n"
    "characters, finite values, no conflicting duplicates), every batch trailer (count,\n"
    "running total, CRC-32) and the gzip stream itself.  Exit 0 and print a summary if\n"
    "all is well, else exit 1 with 'FILE: record N: problem'.\n",
    VERIFY_ARGS, NULL,
};

static int cmd_verify(int argc, char **argv) {
  verify_args a = {NULL, 0, UINT64_MAX};
  int r = sb_args_parse(&VERIFY_SPEC, argc, argv, &a, NULL);
  if (r) return SB_ARGS_EXIT(r);
  const char *file = a.file;
  int full = a.full;
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
  if (a.records != UINT64_MAX && a.records != (uint64_t)t->count) {
    sb_error_set(&err, SB_EFORMAT, "%s: %zu records, expected %llu (truncated between batches?)",
                 file, t->count, (unsigned long long)a.records);
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

/* Live models on a pool of persistent servers (docs/LIVE_MODELS.md, issue 14 §2):
 * the harness's overhead per query, how busy each model process is, and how many
 * start-ups a sweep costs.
 *
 * The model is this program re-run as `bench_live --model MS --own FILE`: it
 * answers each batch after sleeping MS ms per mask (one nanosleep per batch), so
 * the model's cost is wall time, not CPU (the machine is shared), and it appends
 * "OWN LIFE MASKS" to FILE when it exits: OWN is its own time, from the end of a
 * batch's request to its flushed answer; LIFE is the time from its start to the
 * end of its input (the harness closing it when the sweep's runs are done).
 * Everything else is the harness's:
 *
 *   overhead per query = sum over processes of (LIFE - OWN) / masks answered
 *                        (the time a process waits for the harness, per query)
 *   busy fraction of a process = OWN / LIFE
 *   start-ups = lines in FILE (one per process that ran)
 *
 * Two paths, each with K = 1 and 2 processes and models of 1 ms and 10 ms a mask:
 *   fit    the command dataset of one run (its own pool, recording to a trace):
 *          N distinct masks asked in oracle-sized calls of 500;
 *   sweep  `spexbench run` in-process: lime, banzhaf, faith-banzhaf x budgets x 2
 *          repetitions (heldout 0), --jobs 2, through the runner's pool server
 *          (algorithms whose fit is cheap, so the figures are about the harness;
 *          a fit longer than the other runs' model time leaves the processes idle
 *          unless more runs go in parallel).
 *
 * usage: bench_live [--quick]          (--quick: fewer masks, 1 ms only) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/timer.h"
#include "data/dataset.h"
#include "runner/config.h"
#include "runner/runner.h"

/* ---- the model ----------------------------------------------------------- */

static int model_main(double ms, const char *own_path) {
  double born = sb_wall_seconds();
  static char line[70000];
  double *vals = NULL;
  size_t count = 0, cap = 0, total = 0;
  double own = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strcspn(line, "\r\n");
    if (len > 0) {
      if (count == cap) {
        cap = cap ? 2 * cap : 256;
        vals = realloc(vals, cap * sizeof *vals);
        if (!vals) return 1;
      }
      size_t ones = 0;
      for (size_t i = 0; i < len; i++) ones += line[i] == '1';
      vals[count++] = (double)ones / (double)len;
      continue;
    }
    double t0 = sb_wall_seconds();
    double s = ms * 1e-3 * (double)count;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
    for (size_t j = 0; j < count; j++) printf("%.17g\n", vals[j]);
    printf("\n");
    fflush(stdout);
    own += sb_wall_seconds() - t0;
    total += count;
    count = 0;
  }
  double life = sb_wall_seconds() - born;
  FILE *f = fopen(own_path, "a");
  if (f) {
    fprintf(f, "%.6f %.6f %zu\n", own, life, total);
    fclose(f);
  }
  free(vals);
  return 0;
}

/* ---- measurements -------------------------------------------------------- */

typedef struct figures {
  double wall, own_sum, life_sum, busy[8];
  size_t masks, startups;
} figures;

/* Read the models' "OWN LIFE MASKS" lines. */
static void read_own(const char *path, figures *f) {
  FILE *fp = fopen(path, "r");
  double own, life;
  size_t m;
  while (fp && fscanf(fp, "%lf %lf %zu", &own, &life, &m) == 3) {
    if (f->startups < 8) f->busy[f->startups] = own / life;
    f->startups++;
    f->own_sum += own;
    f->life_sum += life;
    f->masks += m;
  }
  if (fp) fclose(fp);
}

static void print_row(const char *path, double ms, size_t k, const figures *f) {
  (void)k;
  double over = (f->life_sum - f->own_sum) / (double)(f->masks ? f->masks : 1);
  char busy[128] = "";
  size_t used = 0;
  for (size_t i = 0; i < f->startups && i < 8; i++)
    used += (size_t)snprintf(busy + used, sizeof busy - used, "%s%.1f%%", i ? " " : "",
                             100.0 * f->busy[i]);
  printf("%-6s %5.0f ms %2zu %7zu %8.2f %10.1f us %6.2f%% %-18s %5zu\n", path, ms, k, f->masks,
         f->wall, 1e6 * over, 100.0 * over / (ms * 1e-3), busy, f->startups);
  fflush(stdout);
}

static char self[4096], tmpdir[256];

/* One run's command dataset: N distinct masks in oracle-sized calls. */
static int bench_fit(double ms, size_t k, size_t n_masks, figures *f) {
  char own[512], spec[8192];
  snprintf(own, sizeof own, "%s/own-fit-%g-%zu.txt", tmpdir, ms, k);
  unlink(own);
  snprintf(spec, sizeof spec,
           "command:cmd=%s --model %g --own %s,n=20,workers=%zu,batch=64,trace=%s/fit-%g-%zu.sbt.gz",
           self, ms, own, k, tmpdir, ms, k);
  sb_dataset *d = NULL;
  sb_error e = {0};
  if (sb_dataset_open(spec, &d, &e)) {
    fprintf(stderr, "bench_live: %s\n", e.msg);
    return 1;
  }
  const size_t call = 500;
  sb_masks *m = sb_masks_alloc(20, call);
  double *out = malloc(call * sizeof *out);
  double t0 = sb_wall_seconds();
  for (size_t done = 0; done < n_masks; done += call) {
    for (size_t j = 0; j < call; j++) { /* distinct: a counter through a bijection of 2^20 */
      uint64_t idx = (uint64_t)(done + j);
      sb_masks_at(m, j)[0] = (idx * 0x5bd1fULL + 12345) & 0xFFFFF;
    }
    m->count = call < n_masks - done ? call : n_masks - done;
    if (sb_dataset_eval(d, m, out, &e)) {
      fprintf(stderr, "bench_live: %s\n", e.msg);
      return 1;
    }
  }
  f->wall = sb_wall_seconds() - t0;
  sb_dataset_free(d); /* the processes exit and report their own time */
  free(out);
  sb_masks_free(m);
  read_own(own, f);
  return 0;
}

/* A sweep through the runner (pool server, forked workers, fits). */
static int bench_sweep(double ms, size_t k, const char *budgets, figures *f) {
  char own[512], ini[512], out[512];
  snprintf(own, sizeof own, "%s/own-sweep-%g-%zu.txt", tmpdir, ms, k);
  snprintf(ini, sizeof ini, "%s/sweep-%g-%zu.ini", tmpdir, ms, k);
  snprintf(out, sizeof out, "%s/sweep-%g-%zu", tmpdir, ms, k);
  unlink(own);
  FILE *fp = fopen(ini, "w");
  if (!fp) return 1;
  fprintf(fp,
          "[experiment]\nname = bench-live\nbudgets = %s\nrepetitions = 2\nheldout = 0\n\n"
          "[dataset m]\nfamily = command\ncmd = %s --model %g --own %s\nn = 20\n"
          "trace = %s/sweep-%g-%zu.sbt.gz\nworkers = %zu\nbatch = 32\n\n"
          "[algorithm lime]\n[algorithm banzhaf]\n[algorithm faith-banzhaf]\n",
          budgets, self, ms, own, tmpdir, ms, k, k);
  fclose(fp);
  sb_config *c = NULL;
  sb_error e = {0};
  if (sb_config_load(ini, &c, &e)) {
    fprintf(stderr, "bench_live: %s\n", e.msg);
    return 1;
  }
  sb_runner_opts o = {out, 2, 1, 1, 1};
  double t0 = sb_wall_seconds();
  int rc = sb_runner_run(c, &o, &e);
  f->wall = sb_wall_seconds() - t0; /* the pool server stops (and its models exit) inside */
  sb_config_free(c);
  if (rc) {
    fprintf(stderr, "bench_live: %s\n", e.msg);
    return 1;
  }
  read_own(own, f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && !strcmp(argv[1], "--model")) return model_main(atof(argv[2]), argv[4]);
  int quick = argc > 1 && !strcmp(argv[1], "--quick");
  ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
  if (l <= 0) return 1;
  self[l] = '\0';
  snprintf(tmpdir, sizeof tmpdir, "/tmp/bench_live.XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  double load[3] = {0};
  if (getloadavg(load, 3) < 0) load[0] = NAN;
  printf("bench_live: model = sleep(ms x masks) per batch; load average %.2f %.2f %.2f; %ld "
         "cores\n", load[0], load[1], load[2], sysconf(_SC_NPROCESSORS_ONLN));
  printf("overhead = sum of (process life - its own time) / masks; busy = own time / life;\n"
         "wall = the evaluation (fit) or the whole sweep, report and plot included (sweep)\n\n");
  printf("%-6s %8s %2s %7s %8s %13s %7s %-18s %5s\n", "path", "model", "K", "masks", "wall s",
         "overhead/q", "of ms", "busy per process", "start");
  const double models[] = {1, 10};
  for (size_t mi = 0; mi < (quick ? 1u : 2u); mi++) {
    double ms = models[mi];
    for (size_t k = 1; k <= 2; k++) {
      figures f;
      memset(&f, 0, sizeof f);
      size_t n = ms < 5 ? (quick ? 2000 : 6000) : 1000;
      if (bench_fit(ms, k, n, &f)) return 1;
      print_row("fit", ms, k, &f);
      memset(&f, 0, sizeof f);
      if (bench_sweep(ms, k, ms < 5 ? (quick ? "100, 200" : "250, 500") : "50, 100", &f)) return 1;
      print_row("sweep", ms, k, &f);
    }
  }
  if (getloadavg(load, 3) >= 0) printf("\nload average after: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  return system(cmd) == 0 ? 0 : 1;
}

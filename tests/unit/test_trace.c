/* Tests of the trace format (src/trace/trace.c) and the `trace` dataset family:
 * round trips of partial and full traces, header fields, batch appends and the
 * writer lock, replay (a missing mask is SB_EUNSUPPORTED naming the file), exact
 * truth for full tables, and the reliability matrix for traces: empty file, wrong
 * magic or version, truncated gzip, corrupted bytes, wrong mask length, non-0/1
 * characters, NaN/Inf, conflicting duplicates, a record count that disagrees, a
 * missing batch trailer — each an error naming the file and the record. */
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/dataset.h"
#include "trace/export.h"
#include "trace/filetype.h"
#include "trace/import.h"
#include "trace/npz.h"
#include "trace/trace.h"

static char dir[256];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "%s", sb_test_tmpdir());
  return 0;
}

static void path_of(char *buf, size_t len, const char *name) { snprintf(buf, len, "%s/%s", dir, name); }

static void write_gz(const char *path, const char *text, size_t len) {
  gzFile g = gzopen(path, "wb");
  assert_non_null(g);
  if (len) assert_int_equal(gzwrite(g, text, (unsigned)len), (int)len);
  assert_int_equal(gzclose(g), Z_OK);
}

static void write_raw(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (len) assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long l = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)l + 1);
  assert_int_equal(fread(b, 1, (size_t)l, f), (size_t)l);
  fclose(f);
  *len = (size_t)l;
  return b;
}

static uint64_t m1(uint64_t x) { return x; }

/* A trace over n = 5 with `count` records f(x) = x / 7 - 1. */
static sb_trace *make_trace(size_t count) {
  sb_trace *t = sb_trace_alloc(5);
  assert_non_null(t);
  char *names[5] = {"The", "movie", "was", "not", "good"};
  t->h.feature_names = calloc(5, sizeof(char *));
  for (int i = 0; i < 5; i++) t->h.feature_names[i] = strdup(names[i]);
  sb_trace_set_str(&t->h.value_meaning, "logit of \"positive\"");
  sb_trace_set_str(&t->h.model, "distilbert-imdb");
  sb_trace_set_str(&t->h.input, "The movie was not good\nsecond line");
  sb_trace_set_str(&t->h.masking, "[MASK] token");
  sb_trace_set_str(&t->h.created, "2026-11-24T03:50:00Z");
  t->h.extra = json_pack("{s:i}", "seed", 7);
  for (uint64_t x = 0; x < count; x++) {
    uint64_t m = m1((x * 13) % 32);
    sb_error e;
    assert_int_equal(sb_trace_put(t, &m, (double)m / 7.0 - 1.0, NULL, &e), SB_OK);
  }
  return t;
}

static void expect_read_error(const char *path, int code, const char *needle) {
  sb_trace *t = NULL;
  sb_error e = {0};
  int rc = sb_trace_read(path, SB_TRACE_READ_STRICT, &t, NULL, &e);
  if (rc != code || !strstr(e.msg, needle) || !strstr(e.msg, path))
    print_error("rc = %d (want %d): '%s' (want '%s')\n", rc, code, e.msg, needle);
  assert_int_equal(rc, code);
  assert_null(t);
  assert_non_null(strstr(e.msg, needle));
  assert_non_null(strstr(e.msg, path));
}

static void test_roundtrip(void **state) {
  (void)state;
  char p[512];
  path_of(p, sizeof p, "rt.sbt.gz");
  sb_trace *t = make_trace(20);
  sb_error e = {0};
  assert_int_equal(sb_trace_write(p, t, 6, &e), SB_OK);
  sb_trace *r = NULL;
  sb_trace_read_info info;
  int rc = sb_trace_read(p, 0, &r, &info, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_int_equal(info.batches, 4);
  assert_true(info.compressed);
  assert_int_equal(r->h.n, 5);
  assert_int_equal(r->count, 20);
  assert_string_equal(r->h.feature_names[3], "not");
  assert_string_equal(r->h.value_meaning, "logit of \"positive\"");
  assert_string_equal(r->h.input, "The movie was not good\nsecond line");
  assert_string_equal(r->h.masking, "[MASK] token");
  assert_int_equal(json_integer_value(json_object_get(r->h.extra, "seed")), 7);
  for (size_t i = 0; i < t->count; i++) {
    double v;
    assert_true(sb_trace_lookup(r, t->masks + i, &v));
    assert_true(v == t->values[i]); /* %.17g round-trips exactly */
  }
  uint64_t absent = 31;
  double v;
  if (sb_trace_find(t, &absent) < 0) assert_false(sb_trace_lookup(r, &absent, &v));
  sb_trace_free(r);
  sb_trace_free(t);
}

/* n = 20000 with long feature names: a header line far longer than a record line. */
static void test_large_n_header(void **state) {
  (void)state;
  char p[512];
  path_of(p, sizeof p, "wide.sbt.gz");
  size_t n = 20000;
  sb_trace *t = sb_trace_alloc(n);
  t->h.feature_names = calloc(n, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    char b[64];
    snprintf(b, sizeof b, "token_number_%zu_of_the_long_document", i);
    t->h.feature_names[i] = strdup(b);
  }
  uint64_t *m = calloc(sb_mask_words(n), sizeof *m);
  sb_error e = {0};
  for (size_t k = 0; k < 10; k++) {
    sb_mask_set(m, k * 1999);
    assert_int_equal(sb_trace_put(t, m, (double)k, NULL, &e), SB_OK);
  }
  assert_int_equal(sb_trace_write(p, t, 3, &e), SB_OK);
  sb_trace *r = NULL;
  int rc = sb_trace_read(p, 0, &r, NULL, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_int_equal(r->h.n, n);
  assert_int_equal(r->count, 10);
  assert_string_equal(r->h.feature_names[n - 1], t->h.feature_names[n - 1]);
  double v;
  assert_true(sb_trace_lookup(r, m, &v) && v == 9.0);
  free(m);
  sb_trace_free(r);
  sb_trace_free(t);
}

static void test_put_duplicates(void **state) {
  (void)state;
  sb_trace *t = sb_trace_alloc(3);
  uint64_t m = 5;
  int added;
  sb_error e = {0};
  assert_int_equal(sb_trace_put(t, &m, 1.5, &added, &e), SB_OK);
  assert_int_equal(added, 1);
  assert_int_equal(sb_trace_put(t, &m, 1.5, &added, &e), SB_OK);
  assert_int_equal(added, 0);
  assert_int_equal(sb_trace_put(t, &m, 2.5, &added, &e), SB_EFORMAT);
  assert_non_null(strstr(e.msg, "conflicting"));
  assert_int_equal(sb_trace_put(t, &m, NAN, &added, &e), SB_EFORMAT);
  assert_int_equal(t->count, 1);
  sb_trace_free(t);
  /* Many records with a wide mask (n = 130, 3 words). */
  sb_trace *w = sb_trace_alloc(130);
  uint64_t k[3];
  for (uint64_t i = 0; i < 5000; i++) {
    k[0] = i;
    k[1] = i * 3;
    k[2] = i & 3;
    assert_int_equal(sb_trace_put(w, k, (double)i, NULL, &e), SB_OK);
  }
  for (uint64_t i = 0; i < 5000; i += 7) {
    k[0] = i;
    k[1] = i * 3;
    k[2] = i & 3;
    assert_int_equal(sb_trace_find(w, k), (long)i);
  }
  sb_trace_free(w);
}

static void test_append_and_lock(void **state) {
  (void)state;
  char p[512];
  path_of(p, sizeof p, "app.sbt.gz");
  remove(p);
  sb_trace_header h = {0};
  h.n = 4;
  sb_error e = {0};
  sb_trace_writer *w = sb_trace_writer_open_append(p, &h, 0, &e);
  assert_non_null(w);
  /* A second writer on the same file is refused. */
  sb_error e2 = {0};
  sb_trace_writer *w2 = sb_trace_writer_open_append(p, &h, 0, &e2);
  assert_null(w2);
  assert_non_null(strstr(e2.msg, "another process"));
  for (uint64_t x = 0; x < 10; x++) {
    assert_int_equal(sb_trace_writer_add(w, &x, (double)x, &e), SB_OK);
    if (x % 3 == 2) assert_int_equal(sb_trace_writer_flush(w, &e), SB_OK);
  }
  assert_int_equal(sb_trace_writer_pending(w), 1);
  assert_int_equal(sb_trace_writer_close(w, &e), SB_OK);
  sb_trace *t = NULL;
  assert_int_equal(sb_trace_read(p, 0, &t, NULL, &e), SB_OK);
  assert_int_equal(t->count, 10);
  size_t have = t->count;
  sb_trace_free(t);
  w = sb_trace_writer_open_append(p, &h, have, &e);
  assert_non_null(w);
  for (uint64_t x = 10; x < 16; x++) assert_int_equal(sb_trace_writer_add(w, &x, -(double)x, &e), SB_OK);
  assert_int_equal(sb_trace_writer_close(w, &e), SB_OK);
  assert_int_equal(sb_trace_read(p, 0, &t, NULL, &e), SB_OK);
  assert_int_equal(t->count, 16);
  assert_true(sb_trace_is_full(t));
  double *table;
  assert_int_equal(sb_trace_to_table(t, &table, &e), SB_OK);
  assert_true(table[12] == -12.0 && table[3] == 3.0);
  free(table);
  sb_trace_free(t);
}

static long file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* A live recording picks up what another writer appended: sb_trace_read_more from
 * the byte offset where the last full read stopped. */
static void test_read_more(void **state) {
  (void)state;
  char p[512];
  path_of(p, sizeof p, "more.sbt.gz");
  remove(p);
  sb_trace_header h = {0};
  h.n = 5;
  sb_error e = {0};
  sb_trace_writer *w = sb_trace_writer_open_append(p, &h, 0, &e);
  for (uint64_t x = 0; x < 6; x++) assert_int_equal(sb_trace_writer_add(w, &x, (double)x, &e), SB_OK);
  assert_int_equal(sb_trace_writer_close(w, &e), SB_OK);
  sb_trace *t = NULL;
  sb_trace_read_info info;
  assert_int_equal(sb_trace_read(p, 0, &t, &info, &e), SB_OK);
  assert_int_equal(info.records, 6);
  long off = file_size(p);
  /* another writer appends two batches */
  w = sb_trace_writer_open_append(p, &h, 6, &e);
  for (uint64_t x = 6; x < 14; x++) {
    assert_int_equal(sb_trace_writer_add(w, &x, -(double)x, &e), SB_OK);
    if (x == 9) assert_int_equal(sb_trace_writer_flush(w, &e), SB_OK);
  }
  assert_int_equal(sb_trace_writer_close(w, &e), SB_OK);
  assert_int_equal(sb_trace_read_more(p, (uint64_t)off, 6, 0, t, &info, &e), SB_OK);
  assert_int_equal(info.batches, 2);
  assert_int_equal(info.records, 8);
  assert_int_equal(t->count, 14);
  double v;
  uint64_t m = 12;
  assert_true(sb_trace_lookup(t, &m, &v) && v == -12.0);
  /* nothing new: nothing read */
  long off2 = file_size(p);
  assert_int_equal(sb_trace_read_more(p, (uint64_t)off2, 14, 0, t, &info, &e), SB_OK);
  assert_int_equal(info.records, 0);
  assert_int_equal(t->count, 14);
  /* a wrong running count (`prior`) fails the trailer check, named with the offset */
  assert_int_equal(sb_trace_read_more(p, (uint64_t)off, 5, 0, t, &info, &e), SB_EFORMAT);
  char want[64];
  snprintf(want, sizeof want, "appended after byte %ld", off);
  assert_non_null(strstr(e.msg, want));
  assert_int_equal(t->count, 14); /* the unconfirmed batch's records are not kept */
  /* a writer killed mid-batch: recover mode keeps nothing of the damaged tail */
  FILE *fp = fopen(p, "ab");
  fputs("garbage", fp);
  fclose(fp);
  assert_int_equal(sb_trace_read_more(p, (uint64_t)off2, 14, SB_TRACE_READ_RECOVER, t, &info, &e),
                   SB_OK);
  assert_true(info.truncated);
  assert_int_equal(info.records, 0);
  assert_int_equal(t->count, 14);
  assert_int_not_equal(sb_trace_read_more(p, (uint64_t)off2, 14, 0, t, &info, &e), SB_OK);
  sb_trace_free(t);
}

static void test_replay_partial(void **state) {
  (void)state;
  char p[512], spec[600];
  path_of(p, sizeof p, "part.sbt.gz");
  sb_trace *t = make_trace(20);
  sb_error e = {0};
  assert_int_equal(sb_trace_write(p, t, 0, &e), SB_OK);
  snprintf(spec, sizeof spec, "trace:%s", p);
  sb_dataset *d = NULL;
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  assert_int_equal(d->n, 5);
  assert_null(d->truth);
  assert_string_equal(d->feature_names[0], "The");
  assert_string_equal(d->value_meaning, "logit of \"positive\"");
  sb_masks *m = sb_masks_alloc(5, 0);
  sb_masks_push(m, t->masks + 3);
  sb_masks_push(m, t->masks + 7);
  double out[2];
  assert_int_equal(sb_dataset_eval(d, m, out, &e), SB_OK);
  assert_true(out[0] == t->values[3] && out[1] == t->values[7]);
  /* a mask the trace lacks */
  uint64_t miss = 0;
  for (miss = 0; miss < 32 && sb_trace_find(t, &miss) >= 0; miss++) {}
  sb_masks_push(m, &miss);
  double out3[3];
  assert_int_equal(sb_dataset_eval(d, m, out3, &e), SB_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "not in trace"));
  assert_non_null(strstr(e.msg, p));
  sb_masks_free(m);
  sb_dataset_free(d);
  sb_trace_free(t);
}

static void test_full_table_truth(void **state) {
  (void)state;
  char p[512], spec[600];
  path_of(p, sizeof p, "full.sbt.gz");
  sb_trace *t = sb_trace_alloc(6);
  sb_error e = {0};
  for (uint64_t x = 0; x < 64; x++) {
    uint64_t y = 63 - x;
    assert_int_equal(sb_trace_put(t, &y, cos((double)y) + (double)__builtin_popcountll(y), NULL, &e), SB_OK);
  }
  assert_int_equal(sb_trace_write(p, t, 10, &e), SB_OK);
  snprintf(spec, sizeof spec, "trace:%s", p);
  sb_dataset *d = NULL;
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  assert_non_null(d->truth);
  for (uint64_t x = 0; x < 64; x++)
    assert_close(sb_spectrum_eval(d->truth, &x), cos((double)x) + (double)__builtin_popcountll(x), 1e-12);
  sb_dataset_free(d);
  sb_trace_free(t);
}

/* Byte-level damage: every truncation point and corrupted byte of a real file. */
static void test_truncation_and_corruption(void **state) {
  (void)state;
  char p[512], q[512];
  path_of(p, sizeof p, "dmg.sbt.gz");
  path_of(q, sizeof q, "dmg2.sbt.gz");
  sb_trace *t = make_trace(30);
  sb_error e = {0};
  /* The header member alone: the same header written with no records. */
  sb_trace *head_only = make_trace(0);
  assert_int_equal(sb_trace_write(p, head_only, 8, &e), SB_OK);
  size_t hlen;
  unsigned char *hb = slurp(p, &hlen);
  sb_trace_free(head_only);
  assert_int_equal(sb_trace_write(p, t, 8, &e), SB_OK);
  size_t len;
  unsigned char *b = slurp(p, &len);
  assert_true(hlen < len);
  assert_memory_equal(b, hb, hlen); /* the 30-record file starts with that member */
  free(hb);
  int ok_prefixes = 0, header_whole = 0;
  size_t last_kept = 0;
  for (size_t cut = 0; cut < len; cut++) {
    write_raw(q, b, cut);
    sb_trace *r = NULL;
    sb_error e2 = {0};
    int rc = sb_trace_read(q, 0, &r, NULL, &e2);
    size_t strict_count = (size_t)-1;
    if (rc == SB_OK) {
      /* Only cuts at a gzip member boundary give a valid (shorter) trace. */
      assert_true(r->count % 8 == 0 && r->count < 30);
      strict_count = r->count;
      ok_prefixes++;
      sb_trace_free(r);
    } else {
      assert_non_null(strstr(e2.msg, q));
    }
    /* Recover mode fails while the header lines are incomplete (certainly within
     * the 10-byte gzip header) and, once they are whole (possibly a few bytes
     * before the header member ends: then an empty trace with a damaged tail),
     * never again; after the header member it keeps the whole batches before the
     * cut (never fewer than at an earlier cut), says when it dropped a tail, and
     * agrees with the strict reader on an undamaged file. */
    sb_trace_read_info info;
    sb_error e3 = {0};
    rc = sb_trace_read(q, SB_TRACE_READ_RECOVER, &r, &info, &e3);
    if (cut < hlen && rc != SB_OK) {
      assert_false(header_whole);
      assert_non_null(strstr(e3.msg, q));
      continue;
    }
    assert_true(cut > 10);
    if (cut < hlen) {
      header_whole = 1;
      assert_int_equal(r->count, 0);
      assert_true(info.truncated);
      sb_trace_free(r);
      continue;
    }
    if (rc != SB_OK) print_error("cut %zu of %zu (header %zu): %s\n", cut, len, hlen, e3.msg);
    assert_int_equal(rc, SB_OK);
    assert_true(r->count % 8 == 0 || r->count == 30);
    assert_true(r->count >= last_kept);
    last_kept = r->count;
    for (size_t i = 0; i < r->count; i++) assert_true(r->values[i] == t->values[i]);
    if (strict_count != (size_t)-1) {
      assert_int_equal(r->count, strict_count);
      assert_false(info.truncated);
    } else {
      assert_true(info.truncated);
      assert_true(info.tail_msg[0] != '\0');
    }
    sb_trace_free(r);
  }
  assert_true(last_kept >= 24);
  print_message("valid prefixes: %d\n", ok_prefixes);
  assert_true(ok_prefixes >= 4);
  for (size_t i = 0; i < len; i++) {
    unsigned char *c = malloc(len);
    memcpy(c, b, len);
    c[i] ^= 0x21;
    write_raw(q, c, len);
    free(c);
    sb_trace *r = NULL;
    sb_error e2 = {0};
    int rc = sb_trace_read(q, 0, &r, NULL, &e2);
    if (rc == SB_OK) {
      /* gzip header bytes (mtime, OS, flags) may change harmlessly: content must be intact. */
      assert_int_equal(r->count, 30);
      for (size_t k = 0; k < r->count; k++) assert_true(r->values[k] == t->values[k]);
      sb_trace_free(r);
    } else {
      assert_non_null(strstr(e2.msg, q));
    }
  }
  free(b);
  sb_trace_free(t);
}

static void test_bad_inputs(void **state) {
  (void)state;
  char p[512];
  path_of(p, sizeof p, "bad.sbt.gz");
  const char *H = "SBTRACE 1\nheader {\"n\":3}\n";
  char buf[1024];
  write_gz(p, "", 0);
  expect_read_error(p, SB_EFORMAT, "empty file");
  write_gz(p, "PK\x03\x04 junk\n", 9);
  expect_read_error(p, SB_EFORMAT, "line 1: expected 'SBTRACE 1'");
  write_gz(p, "SBTRACE 2\nheader {\"n\":3}\n", 25);
  expect_read_error(p, SB_EUNSUPPORTED, "version 2 not supported");
  write_gz(p, "SBTRACE 1\nheader {\"n\":0}\n", 25);
  expect_read_error(p, SB_EFORMAT, "line 2");
  write_gz(p, "SBTRACE 1\nheader {\"n\":3,\n", 24);
  expect_read_error(p, SB_EFORMAT, "line 2");
#define CASE(body, code, needle)                                     \
  do {                                                               \
    snprintf(buf, sizeof buf, "%s%s", H, body);                      \
    write_gz(p, buf, strlen(buf));                                   \
    expect_read_error(p, code, needle);                              \
  } while (0)
  CASE("r 0101 1.0\nbatch 1 1 0\n", SB_EFORMAT, "record 1 (line 3): expected 3 mask bits, got 4");
  CASE("r 010 1.0\nr 01 2\n", SB_EFORMAT, "record 2 (line 4): expected 3 mask bits, got 2");
  CASE("r 0x0 1.0\n", SB_EFORMAT, "record 1 (line 3): mask character 2 is 'x'");
  CASE("r 010 nan\n", SB_EFORMAT, "record 1 (line 3): value 'nan' is not finite");
  CASE("r 010 -inf\n", SB_EFORMAT, "not finite");
  CASE("r 010 1e999\n", SB_EFORMAT, "not finite");
  CASE("r 010 12abc\n", SB_EFORMAT, "not a number");
  CASE("r 010\n", SB_EFORMAT, "missing value");
  CASE("r 010 1\nr 010 2\n", SB_EFORMAT, "record 2 (line 4): duplicate mask 010 with conflicting");
  CASE("r 010 1\nr 011 2\n", SB_EFORMAT, "record 2: file ends inside a batch");
  CASE("hello\n", SB_EFORMAT, "expected a record");
  CASE("r 010 1\nbatch 2 2 0\n", SB_EFORMAT, "batch trailer says 2 records");
  CASE("r 010 1\nbatch 1 1 12345678\n", SB_EFORMAT, "CRC");
  CASE("r 010 1\nbatch one\n", SB_EFORMAT, "malformed batch trailer");
#undef CASE
  /* A correct hand-written batch (CRC of "r 010 1\n") and an identical duplicate. */
  const char *rec = "r 010 1\nr 010 1\n";
  unsigned long crc = crc32(0, (const unsigned char *)rec, (uInt)strlen(rec));
  snprintf(buf, sizeof buf, "%s%sbatch 2 2 %08lx\n", H, rec, crc);
  write_gz(p, buf, strlen(buf));
  sb_trace *t = NULL;
  sb_error e = {0};
  int rc = sb_trace_read(p, 0, &t, NULL, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_int_equal(t->count, 1);
  sb_trace_free(t);
  /* Plain (uncompressed) text is read too. */
  write_raw(p, buf, strlen(buf));
  sb_trace_read_info info;
  assert_int_equal(sb_trace_read(p, 0, &t, &info, &e), SB_OK);
  assert_false(info.compressed);
  sb_trace_free(t);
  /* Missing file and directory. */
  path_of(p, sizeof p, "nonexistent.sbt.gz");
  expect_read_error(p, SB_EIO, "cannot open");
  expect_read_error(dir, SB_EIO, "directory");
  /* A dataset spec on a bad file reports it. */
  sb_dataset *d = NULL;
  char spec[600];
  snprintf(spec, sizeof spec, "trace:%s", p);
  assert_int_not_equal(sb_dataset_open(spec, &d, &e), SB_OK);
  assert_non_null(strstr(e.msg, p));
}

/* Full table from a shapiq npz, through a trace, gives the same truth. */
static void test_npz_trace_agree(void **state) {
  (void)state;
  const char *sd = sb_test_shared_dir();
  if (!sd) {
    print_message("SKIP: shared data directory not found (set SB_SHARED_DIR)\n");
    return;
  }
  char npz[4096], p[512], spec[4200];
  snprintf(npz, sizeof npz,
           "%s/datasets/shapiq-v1.4.1/SentimentAnalysis_Game/14/mask_strategy=mask_2.npz", sd);
  sb_npz_game *g = NULL;
  sb_error e = {0};
  assert_int_equal(sb_npz_game_read(npz, &g, &e), SB_OK);
  sb_trace *t = sb_trace_alloc(g->n);
  for (uint64_t x = 0; x < ((uint64_t)1 << g->n); x++)
    assert_int_equal(sb_trace_put(t, &x, g->table[x], NULL, &e), SB_OK);
  path_of(p, sizeof p, "sent.sbt.gz");
  assert_int_equal(sb_trace_write(p, t, 0, &e), SB_OK);
  sb_dataset *a = NULL, *b = NULL;
  snprintf(spec, sizeof spec, "trace:%s", p);
  assert_int_equal(sb_dataset_open(spec, &a, &e), SB_OK);
  snprintf(spec, sizeof spec, "npz:%s", npz);
  assert_int_equal(sb_dataset_open(spec, &b, &e), SB_OK);
  assert_int_equal(sb_spectrum_size(a->truth), sb_spectrum_size(b->truth));
  for (size_t i = 0; i < sb_spectrum_size(b->truth); i++)
    assert_true(sb_spectrum_get(a->truth, sb_spectrum_key(b->truth, i)) == b->truth->values[i]);
  sb_dataset_free(a);
  sb_dataset_free(b);
  sb_trace_free(t);
  sb_npz_game_free(g);
}

/* I/O failures: a full disk (/dev/full) and a missing directory give SB_EIO naming
 * the file, and an atomic write that fails leaves nothing behind. */
static void test_io_failures(void **state) {
  (void)state;
  sb_trace_header h = {0};
  h.n = 3;
  sb_error e = {0};
  if (access("/dev/full", W_OK) == 0) {
    sb_trace_writer *w = sb_trace_writer_open_append("/dev/full", &h, 0, &e);
    assert_null(w);
    assert_int_equal(e.code, SB_EIO);
    assert_non_null(strstr(e.msg, "/dev/full"));
    assert_non_null(strstr(e.msg, "write failed"));
  } else {
    print_message("SKIP: /dev/full not writable; disk-full case not run\n");
  }
  sb_trace *t = make_trace(5);
  assert_int_equal(sb_trace_write("/nonexistent-dir/x.sbt.gz", t, 0, &e), SB_EIO);
  assert_non_null(strstr(e.msg, "/nonexistent-dir/x.sbt.gz"));
  /* abort removes the temporary file */
  char p[512];
  path_of(p, sizeof p, "aborted.sbt.gz");
  sb_trace_writer *w = sb_trace_writer_create_atomic(p, &t->h, &e);
  assert_non_null(w);
  uint64_t m = 1;
  assert_int_equal(sb_trace_writer_add(w, &m, 1.0, &e), SB_OK);
  assert_int_equal(sb_trace_writer_add(w, &m, NAN, &e), SB_EFORMAT);
  sb_trace_writer_abort(w);
  assert_int_not_equal(access(p, F_OK), 0);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls %s/aborted.sbt.gz.tmp.* >/dev/null 2>&1", dir);
  assert_int_not_equal(system(cmd), 0);
  sb_trace_free(t);
}

/* A batch write that fails (here: the file-size limit, EFBIG) is reported with
 * its own error number, and so is every later call on the failed writer (zlib
 * no longer writes then, so errno is stale: ESRCH below; a disk-full recording
 * used to print "No such process"). */
static void test_write_error_number(void **state) {
  (void)state;
  char p[512];
  path_of(p, sizeof p, "limited.sbt.gz");
  sb_trace *t = make_trace(5);
  sb_error e = {0};
  sb_trace_writer *w = sb_trace_writer_create_atomic(p, &t->h, &e);
  assert_non_null(w);
  struct rlimit old, lim;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 4096;
  void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
  uint64_t m = 0;
  for (uint64_t x = 0; x < 20000; x++) {
    m = x % 32; /* values differ: the writer does not dedupe, it only writes */
    assert_int_equal(sb_trace_writer_add(w, &m, sin((double)x), &e), SB_OK);
  }
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
  int rc = sb_trace_writer_flush(w, &e);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, prev);
  assert_int_equal(rc, SB_EIO);
  if (!strstr(e.msg, strerror(EFBIG))) print_error("flush: %s\n", e.msg);
  assert_non_null(strstr(e.msg, strerror(EFBIG)));
  assert_int_equal(sb_trace_writer_add(w, &m, 1.0, &e), SB_OK);
  errno = ESRCH;
  sb_error e2 = {0};
  assert_int_equal(sb_trace_writer_close(w, &e2), SB_EIO);
  if (!strstr(e2.msg, strerror(EFBIG))) print_error("close: %s\n", e2.msg);
  assert_non_null(strstr(e2.msg, strerror(EFBIG)));
  assert_null(strstr(e2.msg, strerror(ESRCH)));
  assert_int_not_equal(access(p, F_OK), 0); /* nothing committed */
  sb_trace_free(t);
}

/* A file of another kind given as a trace says what it is and what was expected
 * (by its magic bytes), not "NUL byte (corrupt file)"; the importer picks the
 * reader by content, whatever the extension. */
static void test_wrong_kind(void **state) {
  (void)state;
  char npz[512], json[512], npy[512], tr[512], spec[600];
  path_of(npz, sizeof npz, "game.npz");
  path_of(json, sizeof json, "game.json");
  path_of(npy, sizeof npy, "lone.npy");
  path_of(tr, sizeof tr, "recorded.npz"); /* a trace with a misleading name */
  double table[8];
  for (int x = 0; x < 8; x++) table[x] = x * 0.5;
  sb_error e = {0};
  assert_int_equal(sb_npz_game_write(npz, 3, table, 1, 0.0, &e), SB_OK);
  const char *jt = "\n  {\"metadata\": {\"n_players\": 2}, \"data\": {\"Empty\": 0, \"0\": 1}}\n";
  write_raw(json, jt, strlen(jt));
  unsigned char *nb;
  size_t nl, shape[1] = {8};
  assert_int_equal(sb_npy_build("<f8", shape, 1, table, sizeof table, &nb, &nl, &e), SB_OK);
  write_raw(npy, nb, nl);
  free(nb);
  sb_trace *t = make_trace(8);
  assert_int_equal(sb_trace_write(tr, t, 0, &e), SB_OK);
  sb_trace_free(t);
  expect_read_error(npz, SB_EFORMAT, "this is a zip archive (a shapiq .npz game?), expected a spexbench trace");
  expect_read_error(json, SB_EFORMAT, "this is a JSON file (a shapiq JSON game?), expected a spexbench trace");
  expect_read_error(npy, SB_EFORMAT, "this is a single NumPy .npy array, expected a spexbench trace");
  /* through the dataset families: the other way round too */
  sb_dataset *d = NULL;
  snprintf(spec, sizeof spec, "trace:%s", npz);
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_EFORMAT);
  assert_non_null(strstr(e.msg, npz));
  assert_non_null(strstr(e.msg, "expected a spexbench trace (docs/TRACE_FORMAT.md); read a game "
                                "with the npz family (npz:PATH)"));
  snprintf(spec, sizeof spec, "npz:%s", tr);
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_EFORMAT);
  assert_non_null(strstr(e.msg, tr));
  assert_non_null(strstr(e.msg, "this is a spexbench trace, expected an .npz game"));
  snprintf(spec, sizeof spec, "npz:%s", json);
  assert_int_equal(sb_dataset_open(spec, &d, &e), SB_EFORMAT);
  assert_non_null(strstr(e.msg, "this is a JSON file (a shapiq JSON game?), expected an .npz game"));
  assert_null(d);
  /* the importer reads each by content */
  const char *files[] = {npz, json, tr};
  const size_t want_n[] = {3, 2, 5}, want_count[] = {8, 2, 8};
  for (int i = 0; i < 3; i++) {
    sb_trace *r = NULL;
    int rc = sb_trace_import_any(files[i], &r, &e);
    if (rc) print_error("%s: %s\n", files[i], e.msg);
    assert_int_equal(rc, SB_OK);
    assert_int_equal(r->h.n, want_n[i]);
    assert_int_equal(r->count, want_count[i]);
    sb_trace_free(r);
  }
  /* the classifier itself, byte by byte */
  assert_int_equal(sb_file_kind_of((const unsigned char *)"", 0), SB_FILE_EMPTY);
  assert_int_equal(sb_file_kind_of((const unsigned char *)"SBTRACE 1\n", 10), SB_FILE_TRACE);
  assert_int_equal(sb_file_kind_of((const unsigned char *)"\xef\xbb\xbf [1]", 7), SB_FILE_JSON);
  assert_int_equal(sb_file_kind_of((const unsigned char *)"PK\x05\x06", 4), SB_FILE_ZIP);
  assert_int_equal(sb_file_kind_of((const unsigned char *)"r 010 1\n", 8), SB_FILE_UNKNOWN);
}

/* The exporters (library functions since they left cmd_trace.c): CSV text, a
 * shapiq JSON game and an .npz game read back by their importers, the .npz of a
 * partial trace refused, an unknown format named. */
static void test_exporters(void **state) {
  (void)state;
  char csv[512], json[512], npz[512];
  path_of(csv, sizeof csv, "x.csv");
  path_of(json, sizeof json, "x.json");
  path_of(npz, sizeof npz, "x.npz");
  sb_trace *t = make_trace(32); /* all 2^5 masks */
  sb_error e = {0};
  assert_true(sb_trace_is_full(t));
  assert_int_equal(sb_trace_export(t, "csv", csv, &e), SB_OK);
  size_t len;
  char *text = (char *)slurp(csv, &len);
  text = realloc(text, len + 1);
  text[len] = '\0';
  assert_true(!strncmp(text, "mask,value\n", 11));
  char line[64];
  uint64_t m0 = t->masks[1];
  char bits[6];
  sb_mask_to_string(&m0, 5, bits);
  snprintf(line, sizeof line, "\n%s,%.17g\n", bits, t->values[1]);
  assert_non_null(strstr(text, line));
  free(text);
  for (int f = 0; f < 2; f++) {
    const char *path = f ? npz : json;
    assert_int_equal(sb_trace_export(t, f ? "npz" : "json", path, &e), SB_OK);
    sb_trace *r = NULL;
    assert_int_equal(sb_trace_import_any(path, &r, &e), SB_OK);
    assert_int_equal(r->count, 32);
    for (size_t i = 0; i < t->count; i++) {
      double v;
      assert_true(sb_trace_lookup(r, t->masks + i, &v));
      assert_true(v == t->values[i]);
    }
    if (!f) assert_string_equal(r->h.feature_names[3], "not");
    sb_trace_free(r);
  }
  sb_trace *part = make_trace(7);
  assert_int_equal(sb_trace_export(part, "npz", npz, &e), SB_EUNSUPPORTED);
  assert_non_null(strstr(e.msg, "cannot export as .npz"));
  assert_int_equal(sb_trace_export(part, "xlsx", npz, &e), SB_EINVAL);
  assert_non_null(strstr(e.msg, "xlsx"));
  assert_null(sb_trace_export_format_find("xlsx"));
  size_t k = 0;
  for (const sb_trace_export_format *f = sb_trace_export_formats(); f->name; f++, k++)
    assert_ptr_equal(sb_trace_export_format_find(f->name), f);
  assert_int_equal(k, 3);
  sb_trace_free(part);
  sb_trace_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),        cmocka_unit_test(test_put_duplicates),
      cmocka_unit_test(test_append_and_lock),  cmocka_unit_test(test_read_more),
      cmocka_unit_test(test_replay_partial),
      cmocka_unit_test(test_full_table_truth), cmocka_unit_test(test_truncation_and_corruption),
      cmocka_unit_test(test_bad_inputs),       cmocka_unit_test(test_npz_trace_agree),
      cmocka_unit_test(test_io_failures),      cmocka_unit_test(test_large_n_header),
      cmocka_unit_test(test_write_error_number), cmocka_unit_test(test_wrong_kind),
      cmocka_unit_test(test_exporters),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}

/* Tests of the .npz reader (src/trace/npz.c) and the `npz` dataset family: the
 * shapiq files in ../shared/datasets (skipped with a clear message when absent),
 * round trips through the writer, rows in any order, and every malformed input
 * the reliability issue lists (not a zip, missing member, wrong dtype or shape,
 * n_players disagreeing with 2^n rows, zip bombs, truncation, corrupt bytes,
 * duplicate rows, NaN values, two members of one name, a file of another kind),
 * each giving SB_EFORMAT with file and member named. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/transform.h"
#include "data/dataset.h"
#include "trace/npz.h"

static const char *SENT = "datasets/shapiq-v1.4.1/SentimentAnalysis_Game/14/mask_strategy=mask_1.npz";
static const char *VIT = "datasets/shapiq-v1.4.1/ImageClassifier_Game/16/model_name=vit_16_patches_1.npz";

static int shared_path(const char *rel, char *buf, size_t len) {
  const char *sd = sb_test_shared_dir();
  if (!sd) {
    print_message("SKIP: shared data directory not found (set SB_SHARED_DIR); %s not tested\n", rel);
    return 0;
  }
  snprintf(buf, len, "%s/%s", sd, rel);
  return 1;
}

/* Build an npz game in memory from explicit rows (coalition index per row). */
typedef struct build_opts {
  const char *values_descr, *coal_descr;
  int drop_values, drop_players, deflate;
  long n_players; /* -1: write n */
  size_t coal_cols; /* 0: n */
} build_opts;

static unsigned char *build_game(unsigned n, const uint64_t *rows, const double *vals,
                                 size_t nrows, const build_opts *o, size_t *len) {
  size_t cols = o->coal_cols ? o->coal_cols : n;
  unsigned char *coal = calloc(nrows * cols + 1, 1);
  for (size_t r = 0; r < nrows; r++)
    for (size_t i = 0; i < cols && i < 64; i++) coal[r * cols + i] = (unsigned char)((rows[r] >> i) & 1);
  unsigned char *pv, *pc, *pn;
  size_t lv, lc, ln;
  size_t sv[1] = {nrows}, sc[2] = {nrows, cols};
  int32_t np = (int32_t)(o->n_players >= 0 ? o->n_players : (long)n);
  sb_error e;
  assert_int_equal(sb_npy_build(o->values_descr ? o->values_descr : "<f8", sv, 1, vals,
                                nrows * 8, &pv, &lv, &e), 0);
  assert_int_equal(sb_npy_build(o->coal_descr ? o->coal_descr : "|b1", sc, 2, coal, nrows * cols,
                                &pc, &lc, &e), 0);
  assert_int_equal(sb_npy_build("<i4", NULL, 0, &np, 4, &pn, &ln, &e), 0);
  sb_zip_member m[3];
  size_t k = 0;
  if (!o->drop_values) m[k++] = (sb_zip_member){"values.npy", pv, lv, o->deflate};
  m[k++] = (sb_zip_member){"coalitions.npy", pc, lc, o->deflate};
  if (!o->drop_players) m[k++] = (sb_zip_member){"n_players.npy", pn, ln, o->deflate};
  unsigned char *zip;
  assert_int_equal(sb_zip_build(m, k, &zip, len, &e), 0);
  free(pv);
  free(pc);
  free(pn);
  free(coal);
  return zip;
}

/* Full table for n with rows in reverse index order and value 3*x + 0.5. */
static unsigned char *build_full(unsigned n, const build_opts *o, size_t *len) {
  size_t N = (size_t)1 << n;
  uint64_t *rows = malloc(N * sizeof *rows);
  double *vals = malloc(N * sizeof *vals);
  for (size_t r = 0; r < N; r++) {
    rows[r] = N - 1 - r;
    vals[r] = 3.0 * (double)rows[r] + 0.5;
  }
  unsigned char *z = build_game(n, rows, vals, N, o, len);
  free(rows);
  free(vals);
  return z;
}

static void expect_error(const unsigned char *z, size_t len, int code, const char *needle) {
  sb_npz_game *g = NULL;
  sb_error e = {0};
  int rc = sb_npz_game_parse(z, len, "bad.npz", &g, &e);
  if (rc != code || !strstr(e.msg, needle) || !strstr(e.msg, "bad.npz"))
    print_error("rc = %d (want %d), message '%s' (want '%s')\n", rc, code, e.msg, needle);
  assert_int_equal(rc, code);
  assert_null(g);
  assert_non_null(strstr(e.msg, needle));
  assert_non_null(strstr(e.msg, "bad.npz"));
}

static void test_real_sentiment(void **state) {
  (void)state;
  char path[4096];
  if (!shared_path(SENT, path, sizeof path)) return;
  sb_npz_game *g = NULL;
  sb_error e = {0};
  int rc = sb_npz_game_read(path, &g, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_int_equal(g->n, 14);
  assert_true(g->has_normalization);
  /* shapiq's normalization value is the value of the empty coalition. */
  assert_close(g->table[0], g->normalization, 1e-12);
  for (size_t x = 0; x < ((size_t)1 << 14); x++) assert_true(isfinite(g->table[x]));
  sb_npz_game_free(g);
}

static void test_real_vit_dataset(void **state) {
  (void)state;
  char path[4096], spec[4200];
  if (!shared_path(VIT, path, sizeof path)) return;
  snprintf(spec, sizeof spec, "npz:%s", path);
  sb_dataset *d = NULL;
  sb_error e = {0};
  int rc = sb_dataset_open(spec, &d, &e);
  if (rc) print_error("%s\n", e.msg);
  assert_int_equal(rc, SB_OK);
  assert_int_equal(d->n, 16);
  assert_string_equal(d->family, "npz");
  assert_non_null(strstr(d->name, "vit_16_patches_1-n16"));
  assert_non_null(d->truth);
  assert_non_null(d->feature_names);
  assert_string_equal(d->feature_names[15], "f15");
  /* The truth spectrum reproduces the table exactly. */
  sb_masks *m = sb_masks_alloc(16, 0);
  for (uint64_t x = 0; x < 65536; x += 257) sb_masks_push(m, &x);
  double *v = malloc(m->count * sizeof *v);
  assert_int_equal(sb_dataset_eval(d, m, v, &e), SB_OK);
  for (size_t j = 0; j < m->count; j++)
    assert_close(sb_spectrum_eval(d->truth, sb_masks_at(m, j)), v[j], 1e-9);
  /* The independently read table agrees with the dataset. */
  sb_npz_game *g = NULL;
  assert_int_equal(sb_npz_game_read(path, &g, &e), SB_OK);
  for (size_t j = 0; j < m->count; j++) assert_true(g->table[sb_masks_at(m, j)[0]] == v[j]);
  sb_npz_game_free(g);
  free(v);
  sb_masks_free(m);
  sb_dataset_free(d);
}

/* Rows in reverse order are mapped by coalition, not by position. */
static void test_row_order_and_stored(void **state) {
  (void)state;
  for (int deflate = 0; deflate <= 1; deflate++) {
    build_opts o = {0};
    o.n_players = -1;
    o.deflate = deflate;
    size_t len;
    unsigned char *z = build_full(5, &o, &len);
    sb_npz_game *g = NULL;
    sb_error e = {0};
    int rc = sb_npz_game_parse(z, len, "mem.npz", &g, &e);
    if (rc) print_error("%s\n", e.msg);
    assert_int_equal(rc, SB_OK);
    assert_int_equal(g->n, 5);
    assert_false(g->has_normalization);
    for (size_t x = 0; x < 32; x++) assert_true(g->table[x] == 3.0 * (double)x + 0.5);
    sb_npz_game_free(g);
    free(z);
  }
}

static void test_write_roundtrip(void **state) {
  (void)state;
  const char *dir = sb_test_tmpdir();
  char path[512];
  snprintf(path, sizeof path, "%s/rt.npz", dir);
  double t[128];
  for (int x = 0; x < 128; x++) t[x] = sin(x) * 1e3 + 1e-300 * x;
  sb_error e = {0};
  assert_int_equal(sb_npz_game_write(path, 7, t, 1, t[0], &e), SB_OK);
  sb_npz_game *g = NULL;
  assert_int_equal(sb_npz_game_read(path, &g, &e), SB_OK);
  assert_int_equal(g->n, 7);
  assert_true(g->has_normalization);
  for (int x = 0; x < 128; x++) assert_true(g->table[x] == t[x]);
  sb_npz_game_free(g);
}

static void test_not_zip(void **state) {
  (void)state;
  const unsigned char junk[] = "this is not a zip archive at all, just text";
  expect_error(junk, sizeof junk, SB_EFORMAT, "not a zip");
  expect_error(junk, 0, SB_EFORMAT, "not a zip");
}

/* Files of other kinds say what they are (by magic bytes), not "not a zip". */
static void test_wrong_kind(void **state) {
  (void)state;
  const char *trace = "SBTRACE 1\nheader {\"n\":3}\n";
  expect_error((const unsigned char *)trace, strlen(trace), SB_EFORMAT,
               "bad.npz: this is a spexbench trace, expected an .npz game (a zip of .npy arrays); "
               "replay a trace with the trace family (trace:PATH)");
  const char *json = "{\"metadata\": {\"n_players\": 1}, \"data\": {\"Empty\": 0}}";
  expect_error((const unsigned char *)json, strlen(json), SB_EFORMAT,
               "this is a JSON file (a shapiq JSON game?), expected an .npz game");
  unsigned char *nb;
  size_t nl, shape[1] = {2};
  double v[2] = {1, 2};
  sb_error e;
  assert_int_equal(sb_npy_build("<f8", shape, 1, v, sizeof v, &nb, &nl, &e), SB_OK);
  expect_error(nb, nl, SB_EFORMAT, "this is a single NumPy .npy array, expected an .npz game");
  free(nb);
  /* a gzip stream: a compressed trace, and gzip of anything else */
  unsigned char gz[256];
  const char *texts[] = {trace, "hello, world\n"};
  const char *want[] = {"this is a spexbench trace", "this is gzip-compressed data that is not a spexbench trace"};
  for (int i = 0; i < 2; i++) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)texts[i];
    zs.avail_in = (uInt)strlen(texts[i]);
    zs.next_out = gz;
    zs.avail_out = sizeof gz;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t gl = sizeof gz - zs.avail_out;
    deflateEnd(&zs);
    expect_error(gz, gl, SB_EFORMAT, want[i]);
  }
}

/* Two members of the same name: refused, naming the member (readers disagree on
 * which copy counts), whether or not it is one the game reads. */
static void test_duplicate_member(void **state) {
  (void)state;
  double vals[2] = {1.0, 2.0}, other[2] = {7.0, 8.0};
  unsigned char coal[2] = {0, 1}, *pv, *po, *pc, *zip;
  size_t lv, lo, lc, len, sv[1] = {2}, sc[2] = {2, 1};
  sb_error e;
  assert_int_equal(sb_npy_build("<f8", sv, 1, vals, sizeof vals, &pv, &lv, &e), SB_OK);
  assert_int_equal(sb_npy_build("<f8", sv, 1, other, sizeof other, &po, &lo, &e), SB_OK);
  assert_int_equal(sb_npy_build("|b1", sc, 2, coal, 2, &pc, &lc, &e), SB_OK);
  const char *dup[] = {"values.npy", "extra.npy"};
  for (int i = 0; i < 2; i++) {
    sb_zip_member m[4] = {{"values.npy", pv, lv, 1},
                          {"coalitions.npy", pc, lc, 0},
                          {dup[i], po, lo, 0},
                          {"extra.npy", po, lo, 1}};
    assert_int_equal(sb_zip_build(m, i ? 4 : 3, &zip, &len, &e), SB_OK);
    char want[96];
    snprintf(want, sizeof want, "member %s appears twice", dup[i]);
    expect_error(zip, len, SB_EFORMAT, want);
    unsigned char *out = NULL;
    size_t ol;
    assert_int_equal(sb_zip_extract(zip, len, "bad.npz", "coalitions.npy", &out, &ol, &e),
                     SB_EFORMAT);
    assert_non_null(strstr(e.msg, want));
    assert_null(out);
    free(zip);
  }
  /* the same members once each: a valid game */
  sb_zip_member ok[2] = {{"values.npy", pv, lv, 1}, {"coalitions.npy", pc, lc, 0}};
  assert_int_equal(sb_zip_build(ok, 2, &zip, &len, &e), SB_OK);
  sb_npz_game *g = NULL;
  assert_int_equal(sb_npz_game_parse(zip, len, "ok.npz", &g, &e), SB_OK);
  assert_true(g->n == 1 && g->table[0] == 1.0 && g->table[1] == 2.0);
  sb_npz_game_free(g);
  free(zip);
  free(pv);
  free(po);
  free(pc);
}

static void test_missing_member(void **state) {
  (void)state;
  build_opts o = {0};
  o.n_players = -1;
  o.drop_values = 1;
  size_t len;
  unsigned char *z = build_full(3, &o, &len);
  expect_error(z, len, SB_EFORMAT, "missing member values.npy");
  free(z);
}

static void test_wrong_dtype(void **state) {
  (void)state;
  build_opts o = {0};
  o.n_players = -1;
  o.values_descr = "<i8";
  size_t len;
  unsigned char *z = build_full(3, &o, &len);
  expect_error(z, len, SB_EFORMAT, "values.npy: expected dtype float64");
  free(z);
  build_opts o2 = {0};
  o2.n_players = -1;
  o2.values_descr = "<c16"; /* complex: unsupported, and the size disagrees */
  z = build_full(3, &o2, &len);
  sb_npz_game *g = NULL;
  sb_error e = {0};
  assert_int_not_equal(sb_npz_game_parse(z, len, "bad.npz", &g, &e), SB_OK);
  assert_non_null(strstr(e.msg, "bad.npz: values.npy"));
  free(z);
}

static void test_n_players_mismatch(void **state) {
  (void)state;
  build_opts o = {0};
  o.n_players = 4;
  size_t len;
  unsigned char *z = build_full(3, &o, &len);
  expect_error(z, len, SB_EFORMAT, "coalitions.npy: expected shape (16, 4) for n_players = 4");
  free(z);
  /* 2^n rows disagreeing with n. */
  uint64_t rows[5] = {0, 1, 2, 3, 4};
  double vals[5] = {0, 1, 2, 3, 4};
  build_opts o2 = {0};
  o2.n_players = -1;
  z = build_game(3, rows, vals, 5, &o2, &len);
  expect_error(z, len, SB_EFORMAT, "coalitions.npy: expected shape (8, 3)");
  free(z);
}

static void test_duplicate_and_bad_rows(void **state) {
  (void)state;
  uint64_t rows[4] = {0, 1, 1, 3};
  double vals[4] = {0, 1, 2, 3};
  build_opts o = {0};
  o.n_players = -1;
  size_t len;
  unsigned char *z = build_game(2, rows, vals, 4, &o, &len);
  expect_error(z, len, SB_EFORMAT, "row 2 repeats");
  free(z);
  uint64_t rows2[4] = {0, 1, 2, 3};
  double vals2[4] = {0, NAN, 2, 3};
  z = build_game(2, rows2, vals2, 4, &o, &len);
  expect_error(z, len, SB_EFORMAT, "values.npy: row 1");
  free(z);
}

/* Find the central directory entry of `name` in z and return its offset. */
static size_t cdir_of(const unsigned char *z, size_t len, const char *name) {
  for (size_t i = 0; i + 46 < len; i++)
    if (!memcmp(z + i, "PK\x01\x02", 4) && !memcmp(z + i + 46, name, strlen(name))) return i;
  fail_msg("no central entry for %s", name);
  return 0;
}

static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void test_zip_bomb(void **state) {
  (void)state;
  build_opts o = {0};
  o.n_players = -1;
  o.deflate = 1;
  size_t len;
  unsigned char *z = build_full(10, &o, &len);
  /* Declared size smaller than the real one: inflating must stop at the limit. */
  size_t c = cdir_of(z, len, "coalitions.npy");
  put32(z + c + 24, 1000);
  expect_error(z, len, SB_EFORMAT, "coalitions.npy: inflates beyond its declared size");
  /* Declared size no DEFLATE stream of this length can reach. */
  put32(z + c + 24, 0xF0000000u);
  expect_error(z, len, SB_EFORMAT, "coalitions.npy: declared size");
  free(z);
  /* A real bomb: 64 MiB of zeros in a few KiB, declared as 64 bytes. */
  size_t big = (size_t)64 << 20;
  unsigned char *zeros = calloc(big, 1);
  sb_zip_member m = {"values.npy", zeros, big, 1};
  unsigned char *bz;
  size_t blen;
  sb_error e;
  assert_int_equal(sb_zip_build(&m, 1, &bz, &blen, &e), SB_OK);
  assert_true(blen < big / 500);
  put32(bz + cdir_of(bz, blen, "values.npy") + 24, 64);
  unsigned char *out = NULL;
  size_t olen;
  assert_int_equal(sb_zip_extract(bz, blen, "bomb.npz", "values.npy", &out, &olen, &e), SB_EFORMAT);
  assert_non_null(strstr(e.msg, "inflates beyond"));
  assert_null(out);
  free(bz);
  free(zeros);
}

static void test_truncated_and_corrupt(void **state) {
  (void)state;
  build_opts o = {0};
  o.n_players = -1;
  o.deflate = 1;
  size_t len;
  unsigned char *z = build_full(8, &o, &len);
  /* Every truncation fails cleanly. */
  for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 97)) {
    sb_npz_game *g = NULL;
    sb_error e = {0};
    int rc = sb_npz_game_parse(z, cut, "cut.npz", &g, &e);
    assert_int_not_equal(rc, SB_OK);
    assert_null(g);
    assert_non_null(strstr(e.msg, "cut.npz"));
  }
  /* Flipping any byte fails cleanly or (header padding) still reads the same table. */
  for (size_t i = 0; i < len; i += 3) {
    unsigned char *c = malloc(len);
    memcpy(c, z, len);
    c[i] ^= 0x5a;
    sb_npz_game *g = NULL;
    sb_error e = {0};
    int rc = sb_npz_game_parse(c, len, "flip.npz", &g, &e);
    if (rc == SB_OK) {
      for (size_t x = 0; x < 256; x++) assert_true(g->table[x] == 3.0 * (double)x + 0.5);
      sb_npz_game_free(g);
    } else {
      assert_non_null(strstr(e.msg, "flip.npz"));
    }
    free(c);
  }
  free(z);
}

/* A ZIP64 locator pointing past the end of a tiny file (found by review: the bound
 * check underflowed for files under 56 bytes). */
static void test_zip64_locator_out_of_range(void **state) {
  (void)state;
  unsigned char z[50];
  memset(z, 0, sizeof z);
  put32(z, 0x04034b50u);      /* local header signature */
  put32(z + 8, 0x07064b50u);  /* ZIP64 EOCD locator at 8 ... */
  put32(z + 16, 1000);        /* ... pointing at byte 1000 */
  put32(z + 28, 0x06054b50u); /* EOCD at 28 (= 8 + 20) */
  z[28 + 10] = 0xff;          /* entry count 0xFFFF: look for ZIP64 */
  z[28 + 11] = 0xff;
  unsigned char *h = malloc(sizeof z); /* on the heap, so ASan sees any overread */
  memcpy(h, z, sizeof z);
  expect_error(h, sizeof z, SB_EFORMAT, "ZIP64");
  free(h);
}

static void test_missing_file(void **state) {
  (void)state;
  sb_dataset *d = NULL;
  sb_error e = {0};
  assert_int_not_equal(sb_dataset_open("npz:/nonexistent/x.npz", &d, &e), SB_OK);
  assert_null(d);
  assert_non_null(strstr(e.msg, "/nonexistent/x.npz"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_sentiment),   cmocka_unit_test(test_real_vit_dataset),
      cmocka_unit_test(test_row_order_and_stored), cmocka_unit_test(test_write_roundtrip),
      cmocka_unit_test(test_not_zip),          cmocka_unit_test(test_missing_member),
      cmocka_unit_test(test_wrong_dtype),      cmocka_unit_test(test_n_players_mismatch),
      cmocka_unit_test(test_duplicate_and_bad_rows), cmocka_unit_test(test_zip_bomb),
      cmocka_unit_test(test_truncated_and_corrupt), cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_zip64_locator_out_of_range),
      cmocka_unit_test(test_wrong_kind),       cmocka_unit_test(test_duplicate_member),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

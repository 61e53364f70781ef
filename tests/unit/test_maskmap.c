/* The mask map (src/core/maskmap.c) against a brute-force list: find, find-or-add
 * with the key block moving (realloc) between calls, growth from a zeroed map,
 * keys that differ only in their last word, rows of a batch with repeats,
 * reserve (no growth afterwards), rebuild after truncation and compaction,
 * reset and deep copy. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/maskmap.h"
#include "core/seed.h"

/* Brute force: index of the first key equal to `key` among keys[0..count), or -1. */
static long brute_find(const uint64_t *keys, size_t count, size_t words, const uint64_t *key) {
  for (size_t i = 0; i < count; i++)
    if (!memcmp(keys + i * words, key, words * sizeof *key)) return (long)i;
  return -1;
}

/* A random key drawn from a small pool, so that repeats are common. */
static void pool_key(uint64_t *key, size_t words, uint64_t draw, uint64_t pool) {
  uint64_t id = sb_mix64(draw) % pool;
  for (size_t w = 0; w < words; w++) key[w] = w + 1 < words ? 0x5555 : sb_mix64(id);
}

static void test_against_brute_force(void **state) {
  (void)state;
  const size_t word_counts[] = {1, 2, 3, 17};
  for (size_t wi = 0; wi < 4; wi++) {
    size_t words = word_counts[wi], count = 0, cap = 1;
    uint64_t *keys = malloc(cap * words * sizeof *keys), key[17] = {0};
    sb_maskmap m;
    memset(&m, 0, sizeof m); /* a zeroed map grows on first use */
    m.words = words;
    assert_int_equal(sb_maskmap_find(&m, keys, key), -1);
    for (uint64_t d = 0; d < 6000; d++) {
      pool_key(key, words, d, 2500);
      long want = brute_find(keys, count, words, key);
      assert_int_equal(sb_maskmap_find(&m, keys, key), want);
      if (count == cap) { /* the block moves: the map must not remember its address */
        cap *= 2;
        keys = realloc(keys, cap * words * sizeof *keys);
      }
      long got = sb_maskmap_find_or_add(&m, keys, key, count);
      if (want >= 0) {
        assert_int_equal(got, want);
      } else {
        assert_int_equal(got, (long)count);
        memcpy(keys + count * words, key, words * sizeof *key);
        count++;
      }
      assert_int_equal(m.count, count);
      assert_true(m.nslots >= 2 * m.count);
    }
    assert_true(count > 2000 && count <= 2500);
    for (size_t i = 0; i < count; i++)
      assert_int_equal(sb_maskmap_find(&m, keys, keys + i * words), (long)i);
    sb_maskmap_release(&m);
    free(keys);
  }
}

/* Keys equal in every word but the last (and the all-zero key) are told apart. */
static void test_last_word_and_zero_key(void **state) {
  (void)state;
  enum { W = 5, N = 300 };
  uint64_t *keys = calloc(N * W, sizeof *keys);
  sb_maskmap m;
  assert_int_equal(sb_maskmap_init(&m, W, 4), SB_OK);
  for (size_t i = 0; i < N; i++) {
    keys[i * W + W - 1] = i; /* key 0 is all zeros */
    assert_int_equal(sb_maskmap_find_or_add(&m, keys, keys + i * W, i), (long)i);
  }
  uint64_t probe[W] = {0, 0, 0, 0, N};
  assert_int_equal(sb_maskmap_find(&m, keys, probe), -1);
  probe[W - 1] = 0;
  assert_int_equal(sb_maskmap_find(&m, keys, probe), 0);
  probe[0] = 1;
  assert_int_equal(sb_maskmap_find(&m, keys, probe), -1);
  sb_maskmap_release(&m);
  sb_maskmap_release(&m); /* twice: a released map is empty */
  sb_maskmap_release(NULL);
  free(keys);
}

/* Rows of a batch with repeats: each row maps to the first equal row. */
static void test_batch_rows(void **state) {
  (void)state;
  sb_masks *b = sb_masks_alloc(130, 0);
  sb_maskmap m;
  assert_int_equal(sb_maskmap_init(&m, b->words, 0), SB_OK);
  size_t distinct = 0;
  for (uint64_t d = 0; d < 500; d++) {
    uint64_t *x = sb_masks_push_zero(b); /* may move b->bits */
    sb_mask_set(x, (size_t)(sb_mix64(d) % 130));
    sb_mask_set(x, (size_t)(sb_mix64(d + 999) % 7));
    long first = brute_find(b->bits, b->count - 1, b->words, x);
    long got = sb_maskmap_add_row(&m, b, b->count - 1);
    assert_int_equal(got, first >= 0 ? first : (long)(b->count - 1));
    distinct += first < 0;
  }
  assert_int_equal(m.count, distinct);
  sb_maskmap_release(&m);
  sb_masks_free(b);
}

/* reserve: no table growth (no allocation) up to the reserved count. */
static void test_reserve(void **state) {
  (void)state;
  uint64_t keys[1000];
  sb_maskmap m;
  assert_int_equal(sb_maskmap_init(&m, 1, 1), SB_OK);
  assert_int_equal(sb_maskmap_reserve(&m, keys, 1000), SB_OK);
  size_t ns = m.nslots;
  const size_t *slots = m.slots;
  for (size_t i = 0; i < 1000; i++) {
    keys[i] = sb_mix64(i);
    assert_int_equal(sb_maskmap_find_or_add(&m, keys, keys + i, i), (long)i);
  }
  assert_int_equal(m.nslots, ns);
  assert_ptr_equal(m.slots, slots);
  sb_maskmap_release(&m);
}

/* rebuild after the owner truncates or compacts; reset; copy. */
static void test_rebuild_reset_copy(void **state) {
  (void)state;
  enum { N = 400 };
  uint64_t keys[2 * N];
  sb_maskmap m, c;
  assert_int_equal(sb_maskmap_init(&m, 2, 0), SB_OK);
  for (size_t i = 0; i < N; i++) {
    keys[2 * i] = i * 7919;
    keys[2 * i + 1] = ~(uint64_t)i;
    assert_int_equal(sb_maskmap_find_or_add(&m, keys, keys + 2 * i, i), (long)i);
  }
  assert_int_equal(sb_maskmap_copy(&c, &m), SB_OK);
  /* truncate to N/2 keys */
  assert_int_equal(sb_maskmap_rebuild(&m, keys, N / 2), SB_OK);
  assert_int_equal(m.count, N / 2);
  for (size_t i = 0; i < N; i++)
    assert_int_equal(sb_maskmap_find(&m, keys, keys + 2 * i), i < N / 2 ? (long)i : -1);
  /* the copy is independent and still holds all N */
  for (size_t i = 0; i < N; i++)
    assert_int_equal(sb_maskmap_find(&c, keys, keys + 2 * i), (long)i);
  /* compact: keep odd keys, moved to the front */
  uint64_t odd[N];
  for (size_t i = 0; i < N / 2; i++) memcpy(odd + 2 * i, keys + 2 * (2 * i + 1), 2 * sizeof *keys);
  assert_int_equal(sb_maskmap_rebuild(&c, odd, N / 2), SB_OK);
  for (size_t i = 0; i < N / 2; i++) {
    assert_int_equal(sb_maskmap_find(&c, odd, odd + 2 * i), (long)i);
    assert_int_equal(sb_maskmap_find(&c, odd, keys + 4 * i), -1); /* an even key */
  }
  /* rebuild into a zeroed map grows it */
  sb_maskmap z;
  memset(&z, 0, sizeof z);
  z.words = 2;
  assert_int_equal(sb_maskmap_rebuild(&z, keys, N), SB_OK);
  assert_int_equal(sb_maskmap_find(&z, keys, keys + 2 * (N - 1)), N - 1);
  sb_maskmap_reset(&m);
  assert_int_equal(m.count, 0);
  assert_int_equal(sb_maskmap_find(&m, keys, keys), -1);
  sb_maskmap_release(&m);
  sb_maskmap_release(&c);
  sb_maskmap_release(&z);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_brute_force), cmocka_unit_test(test_last_word_and_zero_key),
      cmocka_unit_test(test_batch_rows),          cmocka_unit_test(test_reserve),
      cmocka_unit_test(test_rebuild_reset_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

#!/usr/bin/env bash
# Damaged data files through `spexbench run`: each is a config error naming the
# config line, the data file and the position inside it (record/line, or .npz
# member), exits non-zero and writes no results.  Good files are the control.
# The files are made by make_bad_data.py (gzip, zipfile, zlib; no numpy).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bad_lib.sh"
python3 "$(dirname "$0")/make_bad_data.py" "$TMP" || { fail "make_bad_data.py"; finish; exit 1; }
cfg() { # family file
  printf '[experiment]\nname = data\nbudgets = 8\nheldout = 0\n[dataset d]\nfamily = %s\npath = %s\n[algorithm exhaustive]\n' "$1" "$2" > "$TMP/c.ini"
}
check() { # name family file pattern
  cfg "$2" "$3"
  expect_fail "$1" "c.ini:7: $TMP/$3: $4" "$SB" run "$TMP/c.ini" --out "$TMP/out-$1" --quiet
  [ -e "$TMP/out-$1" ] && fail "$1: created results" || true
}
for fam in trace npz; do
  [ $fam = trace ] && f=good.sbt.gz || f=good.npz
  cfg $fam $f
  out=$("$SB" run "$TMP/c.ini" --out "$TMP/good-$fam" --quiet 2>&1) && \
    results_valid "$TMP/good-$fam" "[r['status'] for r in rows] == ['ok']" "float(rows[0]['r2_exact']) > 0.999999" >/dev/null \
    && ok "control: good $fam file runs (exact R² = 1)" || fail "control $fam: $out"
done
# traces
check trace_empty trace empty.sbt.gz "empty file \(expected 'SBTRACE 1' on line 1\)"
check trace_magic trace magic.sbt.gz "line 1: expected 'SBTRACE 1'"
check trace_version trace version.sbt.gz "line 1: trace format version 2 not supported"
check trace_truncated_gzip trace truncated.sbt.gz "record 9 \(line 11\): unexpected end of file inside a gzip member"
check trace_corrupt_bytes trace corrupt.sbt.gz "record [0-9]+ \(line [0-9]+\): corrupt gzip data"
check trace_n_mismatch trace nmismatch.sbt.gz "record 1 \(line 3\): expected 3 mask bits, got 4"
check trace_mask_chars trace chars.sbt.gz "record 1 \(line 3\): mask character 2 is 'x', expected 0 or 1"
check trace_nan trace nan.sbt.gz "record 1 \(line 3\): value 'nan' is not finite"
check trace_inf trace inf.sbt.gz "record 1 \(line 3\): value 'inf' is not finite"
check trace_conflicting_duplicate trace conflict.sbt.gz "record 2 \(line 4\): duplicate mask 010 with conflicting values 1 and 2"
check trace_record_count trace count.sbt.gz "line 5: batch trailer says 3 records .* found 2"
check trace_crc trace crc.sbt.gz "line 4: batch trailer .*CRC 12345678.*records lost or altered"
check trace_no_trailer trace notrailer.sbt.gz "record 1: file ends inside a batch"
check trace_gzip_bomb trace gzbomb.sbt.gz "record 1 \(line 3\): line too long"
# .npz games
check npz_not_zip npz notzip.npz "not a zip archive"
check npz_missing_member npz novalues.npz "missing member values.npy"
check npz_wrong_dtype npz dtype.npz "values.npy: dtype '<c16' not supported"
check npz_wrong_shape npz shape.npz "coalitions.npy: expected shape \(8, 3\) \(all 2\^3 coalitions\), got \(5, 3\)"
check npz_rows_vs_n_players npz players.npz "coalitions.npy: expected shape \(16, 4\) for n_players = 4, got \(8, 3\)"
check npz_duplicate_rows npz duprows.npz "coalitions.npy: row 7 repeats an earlier coalition"
check npz_zip_bomb npz bomb.npz "values.npy: inflates beyond its declared size of 64 bytes"
# the same damage through `fit` (no config): non-zero exit, file and position
expect_fail fit_bad_trace "nmismatch.sbt.gz: record 1 \(line 3\): expected 3 mask bits" \
  "$SB" fit --dataset "trace:$TMP/nmismatch.sbt.gz" --algo exhaustive --budget 8 --heldout 0
expect_fail fit_bad_npz "bomb.npz: values.npy: inflates beyond" \
  "$SB" fit --dataset "npz:$TMP/bomb.npz" --algo exhaustive --budget 8 --heldout 0
finish

#!/usr/bin/env bash
# The installed library as a user sees it (CTest: install_example).
#   test_install.sh BUILD_DIR SOURCE_DIR
# 1. `cmake --install` into BUILD_DIR/install-test (never outside the build dir);
# 2. every public header compiles on its own, as C99 and as C++;
# 3. examples/c/explain.c builds through pkg-config (and runs: it must find the
#    planted interactions), statically through pkg-config --static, then through
#    find_package (shared and static targets);
# 4. libspexbench.so.0 has its SONAME and exports only spexbench_* symbols.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
prefix="$build/install-test"
work="$build/install-test-work"
rm -rf "$prefix" "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
libdir=$(dirname "$(find "$prefix" -name 'libspexbench.so.0' | head -1)")
[ -n "$libdir" ] || fail "no libspexbench.so.0 installed under $prefix"
for f in "$prefix/include/spexbench.h" "$libdir/libspexbench.a" "$libdir/pkgconfig/spexbench.pc" \
         "$libdir/cmake/spexbench/spexbenchConfig.cmake" "$prefix/bin/spexbench"; do
  [ -e "$f" ] || fail "not installed: ${f#$prefix/}"
done
[ ! -e "$prefix/include/core" ] || fail "internal headers were installed"

# 2. headers stand alone
for h in "$prefix"/include/spexbench.h "$prefix"/include/spexbench/*.h; do
  printf '#include "%s"\nint spexbench_header_check;\n' "$h" >"$work/h.c"
  cc -std=c99 -Wall -Wextra -Wpedantic -Werror -I"$prefix/include" -fsyntax-only "$work/h.c" ||
    fail "$(basename "$h") does not compile on its own as C99"
  c++ -Wall -Wextra -Werror -I"$prefix/include" -fsyntax-only -x c++ "$work/h.c" ||
    fail "$(basename "$h") does not compile as C++"
done

# 3a. pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion spexbench)" = "$(sed -n 's/^Version: //p' "$libdir/pkgconfig/spexbench.pc")" ]
cc -std=c11 -Wall -Wextra -Werror "$src/examples/c/explain.c" -o "$work/explain" \
   $(pkg-config --cflags --libs spexbench) -Wl,-rpath,"$(pkg-config --variable=libdir spexbench)"
linked=$(ldd "$work/explain" | awk '/libspexbench.so.0/ {print $3}')
[ -n "$linked" ] && [ "$(readlink -f "$linked")" = "$(readlink -f "$libdir/libspexbench.so.0")" ] ||
  fail "explain is not linked to the installed library (ldd: ${linked:-none})"
"$work/explain" >"$work/explain.out" || fail "explain failed: $(cat "$work/explain.out")"
cat "$work/explain.out"
grep -q "held-out R2 0.99\|held-out R2 1.0000" "$work/explain.out" || fail "explain: R2 below 0.99"
grep -q "FSII (1, 2)  +1.99\|FSII (1, 2)  +2.00" "$work/explain.out" || fail "explain: the (1, 2) interaction is not found"
grep -q "FSII (3, 7)  -1.19\|FSII (3, 7)  -1.20" "$work/explain.out" || fail "explain: the (3, 7) interaction is not found"
# a failing run is a clean error and exit status 1
if "$work/explain" no-such-algo 100 2>"$work/bad.err"; then fail "an unknown algorithm did not fail"; fi
grep -q "unknown\|valid" "$work/bad.err" || fail "unknown algorithm message: $(cat "$work/bad.err")"

# the archive through pkg-config --static (Requires.private / Libs.private)
cc -std=c11 "$src/examples/c/explain.c" $(pkg-config --cflags spexbench) "$libdir/libspexbench.a" \
   $(pkg-config --static --libs spexbench | sed 's/-lspexbench//') -o "$work/explain_pc_static" ||
  fail "static link through pkg-config --static"
if ldd "$work/explain_pc_static" | grep -q libspexbench; then fail "explain_pc_static links libspexbench.so"; fi
"$work/explain_pc_static" faith-banzhaf:order=2 600 | grep -q "FSII (1, 2)" || fail "explain_pc_static output"

# 3b. find_package: shared and static targets
cmake -S "$src/examples/c" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" || { cat "$work/cmake.log"; fail "find_package(spexbench)"; }
cmake --build "$work/cmake" >"$work/cmake-build.log" || { cat "$work/cmake-build.log"; fail "example build (CMake)"; }
[ -x "$work/cmake/explain_static" ] || fail "spexbench::spexbench_static was not defined"
for exe in explain explain_static; do
  "$work/cmake/$exe" faith-banzhaf:order=2 600 >"$work/$exe.out" || fail "$exe (CMake) failed"
  grep -q "FSII (1, 2)" "$work/$exe.out" || fail "$exe (CMake): unexpected output"
done
if ldd "$work/cmake/explain_static" | grep -q libspexbench; then fail "explain_static links libspexbench.so"; fi

# 4. SONAME and exports
so="$libdir/libspexbench.so.0"
objdump -p "$so" | grep -q "SONAME *libspexbench.so.0$" || fail "SONAME is not libspexbench.so.0"
nm -D --defined-only "$so" | awk '{print $3}' >"$work/exports.txt"
[ -s "$work/exports.txt" ] || fail "no exported symbols"
if grep -v '^spexbench_' "$work/exports.txt"; then fail "symbols above are exported but not public API"; fi
# every SPEXBENCH_API prototype is exported
grep -h 'SPEXBENCH_API' "$prefix"/include/spexbench/*.h | grep -o 'spexbench_[a-z0-9_]*(' |
  tr -d '(' | sort -u >"$work/declared.txt"
missing=$(comm -23 "$work/declared.txt" <(sort -u "$work/exports.txt"))
[ -z "$missing" ] || fail "declared SPEXBENCH_API but not exported: $missing"
echo "install: $(wc -l <"$work/exports.txt") exported symbols, all spexbench_*; examples OK"

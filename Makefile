# Thin wrapper over CMake/CTest.  `make demo` = the main job, `make test` = the tests.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60
# MPI=1: the CLI built with Open MPI, so `mpirun -np K build/spexbench run CONFIG`
# spreads a sweep over K ranks (docs/SCALING.md).  `make test` builds and tests it
# (the sanitizer pass tests the build without MPI); `make test MPI=0` skips it.
MPI ?= 0

.PHONY: all deps build demo test test-asan bench clean fuzz reproduce check-results

all: build

deps:
	@MPI=$(MPI) bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSPEXBENCH_MPI=$(if $(filter 1,$(MPI)),ON,OFF) \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The demo writes to out/quickstart/ (ignored by git): a fresh clone stays clean.
# results/quickstart/ is the committed copy, regenerated only from a clean tree.
demo: build
	@$(BUILD)/spexbench run configs/quickstart.ini --out out/quickstart --jobs $(JOBS)

# The experiment suite (experiments/*/; docs/RESULTS.md): every full variant into the
# committed results/<name>/ (needs a clean tree; prints the expected runtime first), or
# with QUICK=1 every quick variant into out/quick/<name>/ (ignored by git).
reproduce: build
	@bash scripts/reproduce.sh --build $(BUILD) $(if $(QUICK),--quick)

# `spexbench check` on every experiment: its quick variant against results/<name>/check/.
check-results: build
	@bash scripts/reproduce.sh --check --build $(BUILD)

test: MPI = 1
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan

# Unit tests and CLI tests again under AddressSanitizer + UndefinedBehaviorSanitizer,
# built without MPI (tests named test_slow_*, the quickstart runs and the MPI tests
# run only in the Release pass).
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DSB_SANITIZE=ON -DSPEXBENCH_MPI=OFF >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	@cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|cli' -LE slow -E cli_test_quickstart

# libFuzzer targets (tests/fuzz/fuzz_*.c) built with clang + ASan/UBSan, each run
# for FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/<name>/ for fuzz_<name>); see
# docs/RELIABILITY.md.  Fails if a target finds a crash, leak, timeout or OOM.
fuzz:
	@FUZZ=1 bash scripts/install-deps.sh
	@CC=clang cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_FUZZ=ON \
	  -DSB_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD)-fuzz -j $(JOBS) --target fuzzers
	@BUILD=$(BUILD)-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

bench: build
	@for b in $(BUILD)/bench_*; do echo "== $$b"; $$b; done

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz

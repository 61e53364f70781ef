#!/usr/bin/env bash
# Install the Debian 12 packages spexbench needs, only those missing.
# Uses sudo only when not root.  Safe to run repeatedly.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git
      libgsl-dev         # linear algebra (SVD/QR), RNG
      libopenblas-dev    # fast CBLAS under GSL (replaces the reference gslcblas)
      zlib1g-dev         # gzip traces, raw DEFLATE in .npz members
      libcmocka-dev      # unit tests
      libjansson-dev     # JSON: spectra, results, shapiq files
      libxgboost-dev     # ProxySPEX's gradient-boosted trees (C API)
      gnuplot-nox        # PNG/SVG plots
      python3            # test adapters for live-model protocol
      python3-numpy      # Python package (python/): masks as numpy arrays when present
      python3-pytest     # Python package tests (CTest python_package)
      python3-setuptools python3-wheel python3-pip python3-venv  # offline `pip install --no-build-isolation ./python`, tested in a venv
      binutils)          # nm -D / objdump: the install test checks libspexbench.so's exports and SONAME
# `make MPI=1` and `make test` (MPI=1): Open MPI for the MPI build (-DSPEXBENCH_MPI=ON),
# where `mpirun -np K spexbench run CONFIG` spreads a sweep over K ranks: the headers
# and mpicc wrapper (libopenmpi-dev) and mpirun itself (openmpi-bin, also for the tests).
if [ "${MPI:-0}" = 1 ]; then PKGS+=(libopenmpi-dev openmpi-bin); fi
# `make fuzz` (FUZZ=1): clang, its libFuzzer/sanitizer runtimes and its OpenMP.
if [ "${FUZZ:-0}" = 1 ]; then PKGS+=(clang libclang-rt-14-dev libomp-dev); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

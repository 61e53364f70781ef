# Helpers for the MPI tests: `source` after tests/cli/lib.sh.
# Open MPI refuses to run as root unless told (CI containers run as root).
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# No network interfaces to probe on one machine: shared memory and loopback only.
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
# The ranks' scratch folders ($TMPDIR/spexbench-rank-*) go under the test's $TMP.
export TMPDIR="$TMP"
# mpi NP SECONDS ARGS...: `mpirun --oversubscribe -np NP spexbench ARGS...`, killed
# after SECONDS (a hung job is a failure, never a hung test).
mpi() {
  local np=$1 secs=$2; shift 2
  timeout -k 10 "$secs" mpirun --oversubscribe -np "$np" "$SB" "$@"
}

#!/usr/bin/env bash
# What a batch system does when mpiexec is the launcher: it sends SIGTERM (or SIGINT, or SIGUSR1)
# to mpiexec. Started through jobs/launch/mpiexec_checkpoint.sh, a 2-rank particle run then
# checkpoints within one step and exits with status 75; --restart finishes it, and the output
# (positions, times, steps, diagnostics) equals that of an uninterrupted run bit for bit. Plain
# mpiexec is checked too, to record what the wrapper is for: Open MPI 4.1 kills the job on SIGTERM
# (exit status other than 75, no checkpoint).
# Prints the latency from the signal to the exit of the launcher.
# Usage: launcher_signal.sh path/to/attnflow-particles path/to/mpiexec path/to/mpiexec_checkpoint.sh
set -u
# Job control: without it bash starts background commands with SIGINT ignored, and a shell that
# starts with a signal ignored cannot trap it (the wrapper would never see the SIGINT under test).
set -m
app="$(realpath "$1")"
mpiexec="$(command -v "$2")"
wrapper="$(realpath "$3")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMPI_MCA_rmaps_base_oversubscribe=1 MPIEXEC="$mpiexec"
# About 2 s of stepping on an idle core pair: the signal, sent once stepping has begun, finds the
# run busy even on a loaded machine; a step takes a few milliseconds, which bounds the latency.
run=(--quiet --tokens 1000 --dimension 3 --beta 4 --steps 2000 --step-size 0.005
     --output-every 200 --snapshot-every 1000 --seed 7)
failures=0
checks=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# signalled NAME SIGNAL LAUNCHER...: start the run, wait until it steps, signal the launcher.
# Sets status and latency (seconds from the signal to the launcher's exit).
signalled() {
  local name="$1" signal="$2"; shift 2
  "$@" "$app" "${run[@]}" --output "$name.h5" 2>"$name.err" &
  local pid=$!
  for _ in $(seq 1 400); do [ -e "$name.h5.partial" ] && break; sleep 0.05; done
  sleep 0.5
  local start
  start=$(date +%s.%N)
  kill -s "$signal" "$pid"
  wait "$pid"
  status=$?
  latency=$(echo "$(date +%s.%N) - $start" | bc)
}

# The uninterrupted reference.
"$wrapper" -n 2 "$app" "${run[@]}" --output straight.h5 || fail "the uninterrupted run failed"

for signal in TERM INT USR1; do
  name="run_$signal"
  checks=$((checks + 2))
  signalled "$name" "$signal" "$wrapper" -n 2
  if [ "$status" -ne 75 ] || [ ! -e "$name.chk/latest" ]; then
    fail "SIG$signal to the wrapper: status $status (expected 75), checkpoint: $(ls "$name.chk" 2>/dev/null)"
    sed 's/^/     /' "$name.err"
    continue
  fi
  echo "ok   SIG$signal to the wrapper: checkpoint at $(cat "$name.chk/latest"), status 75, latency ${latency} s"
  if ! "$wrapper" -n 2 "$app" "${run[@]}" --output "$name.h5" --restart "$name.chk" 2>/dev/null; then
    fail "SIG$signal: the restart failed"
    continue
  fi
  if /usr/bin/python3 - straight.h5 "$name.h5" <<'PY'
import sys, h5py, numpy
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = ("positions", "time", "step", "diagnostics")
sys.exit(0 if all(numpy.array_equal(a[n][...], b[n][...], equal_nan=True) for n in names) else 1)
PY
  then echo "ok   SIG$signal: restarted run bitwise equal to the uninterrupted run"
  else fail "SIG$signal: the restarted run differs from the uninterrupted run"; fi
done

# Plain mpiexec on SIGTERM, for the record (and to notice if a later Open MPI forwards it).
checks=$((checks + 1))
signalled plain TERM "$mpiexec" -n 2
if [ "$status" -eq 75 ]; then
  echo "ok   plain mpiexec forwarded SIGTERM (status 75): the wrapper is no longer needed"
else
  echo "ok   plain mpiexec on SIGTERM: status $status, checkpoint: $(cat plain.chk/latest 2>/dev/null || echo none) (why the wrapper exists: a status other than 75, and a checkpoint only when the ranks finish one within Open MPI's 1 s before SIGKILL)"
fi

# The wrapper without arguments: one line, status 2.
checks=$((checks + 1))
message="$("$wrapper" 2>&1)"
status=$?
if [ "$status" -ne 2 ] || [ "$(printf '%s\n' "$message" | wc -l)" -ne 1 ]; then
  fail "wrapper without arguments: status $status, message: $message"
else
  echo "ok   wrapper without arguments: status 2, one line"
fi
echo "$((checks - failures)) of $checks passed"
[ "$failures" -eq 0 ]

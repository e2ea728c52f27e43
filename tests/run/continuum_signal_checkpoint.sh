#!/usr/bin/env bash
# A batch system's warning signal (SIGUSR1) makes attnflow-continuum write a checkpoint and stop
# with status 75; --restart in a new process then finishes the run, and its output (every density
# snapshot, time, step and diagnostics row) equals that of a run that was never interrupted, bit
# for bit: on the circle as a single process, on the sphere on 2 ranks under mpiexec (which
# forwards the signal).
# Usage: continuum_signal_checkpoint.sh path/to/attnflow-continuum path/to/mpiexec
set -u
app="$1"
mpiexec="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMPI_MCA_rmaps_base_oversubscribe=1
# Each run lasts a second or more after its output appears, so that the signal sent 0.1 s later
# finds it running even on a loaded machine (a sphere of refinement 1 finished in 0.3 s and the
# signal came too late now and then).
circle=(--quiet --dimension 2 --cells 512 --beta 8 --initial noise --amplitude 0.2
        --final-time 8 --output-interval 0.5 --max-time-step 0.01)
sphere=(--quiet --dimension 3 --refine 2 --beta 5 --cfl 0.8 --initial noise --amplitude 0.3
        --final-time 3 --output-interval 0.5 --max-time-step 0.002)
failures=0
checks=0

# check NAME LAUNCHER... -- OPTIONS...: signalled run, restart, straight run, comparison.
check() {
  local name="$1"; shift
  local launcher=()
  while [ "$1" != "--" ]; do launcher+=("$1"); shift; done
  shift
  checks=$((checks + 2))
  "${launcher[@]}" "$app" "$@" --output "$name.h5" 2>/dev/null &
  local pid=$!
  # Wait until the run has started stepping (the partial output exists), then signal it.
  for _ in $(seq 1 200); do [ -e "$name.h5.partial" ] && break; sleep 0.05; done
  sleep 0.1
  kill -s USR1 "$pid"
  wait "$pid"
  local status=$?
  if [ "$status" -ne 75 ] || [ ! -e "$name.chk/latest" ]; then
    echo "FAIL $name: status $status after SIGUSR1 (expected 75), checkpoint: $(ls "$name.chk" 2>/dev/null)"
    failures=$((failures + 2))
    return
  fi
  if ! "${launcher[@]}" "$app" "$@" --output "$name.h5" --restart "$name.chk" || [ ! -e "$name.h5" ]; then
    echo "FAIL $name: the restart failed"
    failures=$((failures + 2))
    return
  fi
  echo "ok   $name: stopped by SIGUSR1 at $(cat "$name.chk/latest") with status 75, restarted to the end"
  "${launcher[@]}" "$app" "$@" --output "${name}_straight.h5" || { failures=$((failures + 1)); return; }
  if /usr/bin/python3 - "${name}_straight.h5" "$name.h5" <<'PY'
import sys, h5py, numpy
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
sys.exit(0 if all(numpy.array_equal(a[n][...], b[n][...], equal_nan=True) for n in ("density", "time", "step", "diagnostics")) else 1)
PY
  then echo "ok   $name: every snapshot and diagnostics row bitwise equal to the uninterrupted run"
  else echo "FAIL $name: the output differs from the uninterrupted run"; failures=$((failures + 1)); fi
}

check circle -- "${circle[@]}"
check sphere "$mpiexec" -n 2 -- "${sphere[@]}"
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

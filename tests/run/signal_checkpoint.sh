#!/usr/bin/env bash
# A batch system's warning signal (SIGUSR1, SIGTERM) or an interrupt (SIGINT) makes
# attnflow-particles write a checkpoint and stop with status 75; --restart then finishes the run, and its final positions
# equal those of a run that was never interrupted.
# Usage: signal_checkpoint.sh path/to/attnflow-particles
set -u
# Job control: otherwise bash starts background commands with SIGINT ignored.
set -m
app="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
common=(--quiet --tokens 600 --dimension 3 --beta 4 --integrator rk4 --step-size 0.01 --steps 4000
        --output-every 1000 --snapshot-every 1000)
failures=0
for signal in USR1 TERM INT; do
  "$app" "${common[@]}" --output run.h5 &
  pid=$!
  # Wait until the run has started stepping (the partial output exists), then signal it.
  for _ in $(seq 1 200); do [ -e run.h5.partial ] && break; sleep 0.05; done
  sleep 0.5
  kill -s "$signal" "$pid"
  wait "$pid"
  status=$?
  if [ "$status" -ne 75 ] || [ ! -e run.chk/latest ]; then
    echo "FAIL SIG$signal: status $status (expected 75), checkpoint: $(ls run.chk 2>/dev/null)"
    failures=$((failures + 1))
  else
    "$app" "${common[@]}" --output run.h5 --restart run.chk
    status=$?
    if [ "$status" -ne 0 ] || [ ! -e run.h5 ]; then
      echo "FAIL SIG$signal: restart exited $status"
      failures=$((failures + 1))
    else
      echo "ok   SIG$signal: stopped at $(cat run.chk/latest), restarted to the end"
    fi
  fi
  mv run.h5 "signalled_$signal.h5" 2>/dev/null
  rm -rf run.chk run.xdmf run.csv run.input.ini run.h5.partial
done
"$app" "${common[@]}" --output straight.h5 || failures=$((failures + 1))
for signal in USR1 TERM INT; do
  if /usr/bin/python3 - "straight.h5" "signalled_$signal.h5" <<'PY'
import sys, h5py, numpy
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
same = numpy.array_equal(a["positions"][-1], b["positions"][-1]) and \
       numpy.array_equal(a["diagnostics"][-1], b["diagnostics"][-1], equal_nan=True)
sys.exit(0 if same else 1)
PY
  then echo "ok   SIG$signal: final state bitwise equal to the uninterrupted run"
  else echo "FAIL SIG$signal: final state differs"; failures=$((failures + 1)); fi
done
echo "$((6 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

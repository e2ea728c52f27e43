#!/usr/bin/env bash
# Faults no program can catch, and one it must report plainly:
# - kill -9 at moments spread over a run that writes a checkpoint after every step (so that many
#   kills land inside a checkpoint write): --restart from the checkpoint directory must always
#   start (from the newest complete checkpoint) and finish with the same bits as a run that was
#   never killed;
# - a full file system (a 1 MiB tmpfs, where this machine lets root mount one; skipped with a
#   message otherwise): the particle and the continuum app end with exit status 1 and one line
#   of their own naming the file being written and saying the file system is full; no crash.
# Usage: hard_faults.sh path/to/attnflow-particles path/to/attnflow-continuum
set -u
set -m
particles="$(realpath "$1")"
continuum="$(realpath "$2")"
work="$(mktemp -d)"
mounted=""
cleanup() {
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
failures=0
checks=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

run=(--quiet --tokens 2000 --dimension 3 --beta 4 --integrator euler --steps 300
     --step-size 0.01 --output-every 10 --snapshot-every 100 --checkpoint-every 1 --seed 3)
"$particles" "${run[@]}" --output straight.h5 || fail "the uninterrupted run failed"
for delay in 0.3 0.5 0.7 0.9 1.1 1.3; do
  checks=$((checks + 1))
  name="killed_$delay"
  "$particles" "${run[@]}" --output "$name.h5" 2>/dev/null &
  pid=$!
  for _ in $(seq 1 200); do [ -e "$name.h5.partial" ] && break; sleep 0.02; done
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ ! -e "$name.chk/latest" ]; then
    echo "ok   kill -9 after $delay s: before the first checkpoint (nothing to restart)"
    continue
  fi
  files="$(ls "$name.chk" | tr '\n' ' ')"
  if ! "$particles" "${run[@]}" --output "$name.h5" --restart "$name.chk" 2>"$name.err"; then
    fail "kill -9 after $delay s (checkpoint directory: $files): the restart failed: $(cat "$name.err")"
    continue
  fi
  if /usr/bin/python3 - straight.h5 "$name.h5" <<'PY'
import sys, h5py, numpy
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = ("positions", "time", "step", "diagnostics")
sys.exit(0 if all(numpy.array_equal(a[n][...], b[n][...], equal_nan=True) for n in names) else 1)
PY
  then echo "ok   kill -9 after $delay s (checkpoint directory: $files): restart bitwise equal to the uninterrupted run"
  else fail "kill -9 after $delay s: the restarted run differs from the uninterrupted run"; fi
done

# full_disk NAME APP OPTIONS...: the app writing into the full file system.
full_disk() {
  local name="$1" app="$2"; shift 2
  checks=$((checks + 1))
  rm -rf "${disk:?}"/*
  (cd "$disk" && "$app" --quiet "$@" --output "$name.h5" >/dev/null 2>"$work/$name.err")
  local status=$?
  # Open MPI's MPI-IO prints its own line (mca_fbtl_posix_pwritev: ...) that no option silences.
  local own
  own="$(grep -c "^$(basename "$app"):" "$work/$name.err")"
  if [ "$status" -ne 1 ] || [ "$own" -ne 1 ] || ! grep -q "$name.h5.*full" "$work/$name.err" ||
     grep -q "Segmentation\|Signal:" "$work/$name.err"; then
    fail "$name on a full disk: status $status, $own lines of its own:"
    sed 's/^/     /' "$work/$name.err"
  else
    echo "ok   $name on a full disk: status 1, $(grep "^$(basename "$app"):" "$work/$name.err")"
  fi
}

disk="$work/disk"
mkdir -p "$disk"
if mount -t tmpfs -o size=1m tmpfs "$disk" 2>/dev/null; then
  mounted="$disk"
  full_disk particles "$particles" --tokens 20000 --steps 30 --snapshot-every 1 --skip-pair-diagnostics
  full_disk continuum "$continuum" --dimension 3 --refine 5 --final-time 1 --output-interval 0.01
else
  echo "skip full disk: this machine does not let the test mount a tmpfs (mount -t tmpfs failed)"
fi
echo "$((checks - failures)) of $checks passed"
[ "$failures" -eq 0 ]

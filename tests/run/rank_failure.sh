#!/usr/bin/env bash
# A failure on one rank of 2-4 ends the whole job within seconds, naming the rank (no rank left
# waiting in a collective); a failure seen by every rank ends it with one line and status 2.
# Usage: rank_failure.sh path/to/rank_failure path/to/mpiexec
set -u
program="$1"
mpiexec="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
run=(--tokens 400 --steps 200 --output-every 1000 --snapshot-every 1000 --quiet --overwrite)
checks=0
failures=0
# The liveness bound: the agreement wait is 3 s, MPI_Abort then takes the job down; 30 s leaves
# room for a loaded machine and still catches a hang (the ranks would wait forever).
limit=30
check() {  # check RANKS KIND RANK EXPECTED-STATUS EXPECTED-TEXT
  local ranks="$1" kind="$2" rank="$3" expected="$4" text="$5"
  checks=$((checks + 1))
  local start status
  start=$(date +%s%N)
  timeout 120 "$mpiexec" -n "$ranks" --oversubscribe "$program" "$kind" "$rank" 5 "${run[@]}" \
    --output "run_$ranks.h5" >stdout.txt 2>stderr.txt
  status=$?
  local seconds=$(( ($(date +%s%N) - start) / 1000000000 ))
  if [ "$status" -eq 124 ] || [ "$status" -eq 0 ] || { [ "$expected" != any ] && [ "$status" -ne "$expected" ]; } ||
     ! grep -q "$text" stderr.txt || [ "$seconds" -gt "$limit" ]; then
    echo "FAIL $kind on rank $rank of $ranks: status $status after $seconds s"; cat stderr.txt
    failures=$((failures + 1))
  else
    echo "ok   $kind on rank $rank of $ranks: status $status after $seconds s: $(grep -m1 "$text" stderr.txt)"
  fi
}
for ranks in 2 3 4; do
  last=$((ranks - 1))
  check "$ranks" internal "$last" any "rank $last: internal error"
  check "$ranks" input 0 any "rank 0: error: injected"
done
# Every rank fails: one line from rank 0 (not one per rank; mpiexec adds its own banner about
# the non-zero exit), clean exit with the input-error status.
check 3 everywhere 0 2 "^rank_failure: error: injected"
if [ "$(grep -c '^rank_failure:' stderr.txt)" -ne 1 ]; then
  echo "FAIL everywhere: $(grep -c '^rank_failure:' stderr.txt) lines from the app, expected 1"
  failures=$((failures + 1))
fi
echo "$((checks - failures)) of $checks passed"
[ "$failures" -eq 0 ]

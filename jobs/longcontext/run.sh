#!/usr/bin/env bash
# Long-context attention study (docs/mathematics.md section 6, issue 3): sweeps n and c for beta = c n^a at the
# critical exponent a = 2/(d-1) and at a +- 0.25, for d = 2, 3, 4; then plots and prints the
# collapse measure. Usage: jobs/longcontext/run.sh [build-dir] [ranks]
#   ATTNFLOW_LONGCONTEXT_QUICK=1 runs a small version (about a minute) for checking the pipeline.
#   ATTNFLOW_LONGCONTEXT_LARGE=1 adds the n = 1e7 demonstration point (d = 3, a = 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
ranks=${2:-1}
app=$build/apps/attnflow-longcontext
results=$here/results
mkdir -p "$results"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() { mpiexec -n "$ranks" --oversubscribe "$app" "$@"; }

# The c range per d covers the whole transition from 1/n to 1 (quarter-decade steps).
declare -A scales=([2]="1e-5:1e3:33" [3]="1e-3:1e3:25" [4]="1e-2:1e3:21")
if [[ "${ATTNFLOW_LONGCONTEXT_QUICK:-0}" == 1 ]]; then
  # n:queries, enough for standard errors of a few percent
  plan="100:1000 1000:500 10000:100"
else
  plan="100:10000 1000:4000 10000:2000 100000:500 1000000:200"
fi

for d in 2 3 4; do
  for entry in $plan; do
    n=${entry%%:*}; queries=${entry##*:}
    echo "== d = $d, n = $n, $queries queries" >&2
    # One seed per (d, n): the samples at different n are independent.
    run --dimension "$d" --keys "$n" --queries "$queries" --scales "${scales[$d]}" \
        --seed $((1000 * d + ${#n})) --output "$results/longcontext_d${d}_n${n}.csv" | tail -n 9 >&2
  done
done

if [[ "${ATTNFLOW_LONGCONTEXT_LARGE:-0}" == 1 ]]; then
  echo "== d = 3, n = 1e7 (demonstration point, a = 1)" >&2
  # Scales on the sweep's grid (10^{k/4}), so plot.py can compare with the n = 1e6 curve.
  run --dimension 3 --keys 10000000 --queries 30 --exponents 1 --scales "0.1:10:9" \
      --seed 3999 --output "$results/large_d3_n10000000.csv" | tail -n 9 >&2
fi

/usr/bin/python3 "$here/plot.py" "$results"

#!/bin/bash
# Spectral vs direct engine (issue 4):
#  1. circle, N = 2e4, USA beta = 5, projected Euler dt = 1e-4 to t = 0.6 (6000 steps): the
#     spectral engine runs all 6000 steps; the direct engine runs a few steps and its time is
#     projected to 6000 (one direct step is ~N^2 = 4e8 pairs); both runs' positions after those
#     steps are compared. NumPy: time of one step of the same sums (numpy_step.py).
#  2. S^2, N = 1e6, SA beta = 10: spectral time per step and error against the direct engine on
#     1000 sampled targets.
# Usage: jobs/benchmark/spectral_benchmark.sh [build-dir] [output-file] [direct-steps]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
output=${2:-spectral-benchmark.txt}
direct_steps=${3:-5}
app=$build/apps/attnflow-benchmark
[[ -x $app ]] || { echo "spectral_benchmark.sh: error: $app not built" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
temporary=$(mktemp "${output}.XXXXXX")
trap 'rm -f "$temporary"' EXIT
say() { echo "$*" | tee -a "$temporary"; }
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

say "# attnflow spectral benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
say "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
circle=(--mode flow --dimension 2 --tokens 20000 --attention usa --beta 5 --time-step 1e-4
        --total-steps 6000 --engine-tolerance 1e-10)
say "$("$app" "${circle[@]}" --engine spectral --steps 6000)"
say "$("$app" "${circle[@]}" --engine direct --steps "$direct_steps" --compare-engine spectral)"
numpy=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
  /usr/bin/python3 "$here/numpy_step.py" --dimension 2 --tokens 20000 --beta 5 --repeats 1)
say "$numpy"
say "# numpy projected to 6000 steps: $(awk -v s="$(field seconds_per_evaluation "$numpy")" 'BEGIN { printf "%.4g s", 6000 * s }')"
say "$("$app" --mode accuracy --dimension 3 --tokens 1000000 --beta 10 --engine spectral \
        --engine-tolerance 1e-10 --samples 1000)"
say "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$temporary" "$output"
trap - EXIT

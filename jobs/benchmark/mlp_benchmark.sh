#!/bin/bash
# Time per layer of the MLP block (docs/mathematics.md section 9, issue 10): draw layer l's weights, evaluate
# G_l on N tokens, add sqrt(h) G_l and renormalise, for widths m at d = 3, 16, 64, relu and tanh,
# N = 1e6 tokens on 1 and 2 ranks. The cost is O(N m d / P) with no communication, so seconds per
# layer at other N and P follow by proportion.
# Usage: [RANKS="1 2"] [DIMENSIONS="3 16 64"] [TOKENS=1000000] \
#          jobs/benchmark/mlp_benchmark.sh [build-dir] [output-file]
# Not a test: timings depend on the machine and on whatever else runs on it (load is recorded).
# Times are process CPU seconds of the slowest rank (best of the repeats), which do not count
# time spent descheduled on a shared machine; the wall time is beside them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
output=${2:-mlp-benchmark.txt}
tool=$build/tests/mlp/mlp_study
[[ -x $tool ]] || { echo "mlp_benchmark.sh: error: $tool not built (target mlp_study)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tokens=${TOKENS:-1000000}
rank_counts=${RANKS:-1 2}
dimensions=${DIMENSIONS:-3 16 64}
temporary=$(mktemp "${output}.XXXXXX")
trap 'rm -f "$temporary"' EXIT
say() { echo "$*" | tee -a "$temporary"; }

say "# attnflow MLP-block benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
say "# revision $(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
say "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
say "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ranks in $rank_counts; do
  for dimension in $dimensions; do
    for activation in relu tanh; do
      widths="16 64 256 1024 2048"
      mpiexec -n "$ranks" --oversubscribe "$tool" --mode benchmark --activation "$activation" \
        --dimension "$dimension" --tokens "$tokens" --widths "$widths" --repeats 2 |
        tee -a "$temporary"
    done
  done
done
say "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mv "$temporary" "$output"
trap - EXIT

#!/bin/bash
# Local version of the scaling studies (strong.sbatch, weak.sbatch) on this machine: P = 1..4 ranks
# (oversubscribed: more ranks than cores time-share them), then peak memory per rank of the
# engines. Writes <output-dir>/scaling.csv (the format of the Slurm scripts: '#' comment lines
# with the machine, the command and the load average before and after every study, the header
# of --timing-csv with a leading 'study' column, one row per run). Total about 5-10 minutes on
# 2 loaded cores.
#   jobs/scaling/run_local.sh [build-dir] [output-dir]        (defaults: build, .)
# Environment: RANKS ("1 2 3 4"), STEPS (5), MEMORY_TOKENS ("50000 100000 150000": direct and
#   ring, 1 Euler step at 2 ranks), SPECTRAL_MEMORY_TOKENS (1000000, 2 steps at 2 ranks).
# Studies (d = 3, beta = 4, Euler):
#   strong-direct, strong-ring      N = 8192, P = RANKS
#   strong-spectral                 N = 100000
#   weak-tokens-direct/ring         N = 4096 P           (constant tokens per rank)
#   weak-work-direct/ring           N = 8192 sqrt(P)     (constant pairs per rank)
#   weak-tokens-spectral            N = 25000 P          (constant tokens = constant work)
#   memory-direct, memory-ring      N = MEMORY_TOKENS, 2 ranks, 1 step
#   memory-spectral                 N = SPECTRAL_MEMORY_TOKENS, 2 ranks, 2 steps
set -euo pipefail
script_name=run_local.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../slurm/common.sh
source "$here/../slurm/common.sh"
# shellcheck source=scaling_common.sh
source "$here/scaling_common.sh"

BUILD=${1:-build}
OUTPUT_DIR=${2:-.}
RANKS=${RANKS:-"1 2 3 4"}
STEPS=${STEPS:-5}
MEMORY_TOKENS=${MEMORY_TOKENS:-"50000 100000 150000"}
SPECTRAL_MEMORY_TOKENS=${SPECTRAL_MEMORY_TOKENS:-1000000}
attnflow_require_counts RANKS "$RANKS"
attnflow_require_count STEPS "$STEPS"
attnflow_require_counts MEMORY_TOKENS "$MEMORY_TOKENS"
attnflow_require_counts SPECTRAL_MEMORY_TOKENS "$SPECTRAL_MEMORY_TOKENS"
mkdir -p "$OUTPUT_DIR"
OUTPUT_DIR=$(cd "$OUTPUT_DIR" && pwd)
# Written as .partial and renamed at the end: an interrupted study leaves no scaling.csv.
rm -f "$OUTPUT_DIR/scaling.csv.partial"
scaling_setup "$BUILD" "$OUTPUT_DIR/scaling.csv.partial"
# More ranks than cores: time-shared, unbound (binding would pin two ranks to one core).
LAUNCHER=${LAUNCHER:-"mpirun --allow-run-as-root"}
scaling_launch_setup
# shellcheck disable=SC2034  # read by scaling_run
LAUNCH_OPTIONS=(--oversubscribe --bind-to none)
scaling_describe "$(nproc)"
scaling_comment "P > $(nproc) ranks time-share $(nproc) cores (oversubscribed), and other jobs share them: see load"

# series STUDY ENGINE tokens|work N1: a weak-scaling series over RANKS (N from N1 and P, see
# scaling_weak_tokens), bracketed by load-average lines.
series() {
  local study=$1 engine=$2 series_kind=$3 tokens=$4 p
  scaling_load_comment "$study" before
  for p in $RANKS; do
    scaling_run "$study" "$engine" "$p" "$(scaling_weak_tokens "$series_kind" "$tokens" "$p")" \
      "$STEPS" 3 4
  done
  scaling_load_comment "$study" after
}
# strong STUDY ENGINE N: a strong-scaling series, constant N over RANKS.
strong() {
  local study=$1 engine=$2 tokens=$3 p
  scaling_load_comment "$study" before
  for p in $RANKS; do scaling_run "$study" "$engine" "$p" "$tokens" "$STEPS" 3 4; done
  scaling_load_comment "$study" after
}
# memory STUDY ENGINE STEPS "N...": peak memory per rank at 2 ranks over N.
memory() {
  local study=$1 engine=$2 steps=$3 list=$4 n
  scaling_load_comment "$study" before
  for n in $list; do scaling_run "$study" "$engine" 2 "$n" "$steps" 3 4; done
  scaling_load_comment "$study" after
}

for engine in direct ring; do strong "strong-$engine" "$engine" 8192; done
strong strong-spectral spectral 100000
for engine in direct ring; do
  series "weak-tokens-$engine" "$engine" tokens 4096
  series "weak-work-$engine" "$engine" work 8192
done
series weak-tokens-spectral spectral tokens 25000
memory memory-spectral spectral 2 "$SPECTRAL_MEMORY_TOKENS"
for engine in direct ring; do memory "memory-$engine" "$engine" 1 "$MEMORY_TOKENS"; done

mv "$OUTPUT_DIR/scaling.csv.partial" "$OUTPUT_DIR/scaling.csv"
echo "$script_name: wrote $OUTPUT_DIR/scaling.csv"

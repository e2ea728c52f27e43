#!/bin/bash
# Local version of the scaling studies (strong.sbatch, weak.sbatch) on this machine: P = 1..4 ranks
# (oversubscribed: more ranks than cores time-share them), then peak memory per rank of the
# engines. Writes <output-dir>/scaling.csv: '#' comment lines (machine, load average before and
# after every study, the commands), then the header of --timing-csv with a leading 'study'
# column, one row per run. Total about 5-10 minutes on 2 loaded cores.
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

BUILD=$(cd "${1:-build}" && pwd)
OUTPUT_DIR=${2:-.}
RANKS=${RANKS:-"1 2 3 4"}
STEPS=${STEPS:-5}
MEMORY_TOKENS=${MEMORY_TOKENS:-"50000 100000 150000"}
SPECTRAL_MEMORY_TOKENS=${SPECTRAL_MEMORY_TOKENS:-1000000}
APP="$BUILD/apps/attnflow-particles"
[ -x "$APP" ] || { echo "run_local.sh: $APP not found" >&2; exit 2; }
HELP=$("$APP" --help)  # not piped: grep -q would end the pipe early (pipefail)
grep -q -- --timing-csv <<< "$HELP" ||
  { echo "run_local.sh: $APP has no --timing-csv (rebuild from a newer main)" >&2; exit 2; }
EXTRA=()
grep -q -- --skip-pair-diagnostics <<< "$HELP" && EXTRA+=(--skip-pair-diagnostics)
mkdir -p "$OUTPUT_DIR"
OUTPUT_DIR=$(cd "$OUTPUT_DIR" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/attnflow-scaling.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
COMMENTS="$WORK/comments"
ROWS="$WORK/rows"
: > "$ROWS"
load() { cut -d' ' -f1-3 /proc/loadavg; }
{
  echo "# attnflow local scaling study, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(hostname)"
  echo "# cores: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "# app: $APP $(printf '%s ' "${EXTRA[@]}")"
  echo "# every run: mpirun --oversubscribe --bind-to none -n P $APP --quiet --tokens N --dimension 3"
  echo "#   --beta 4 --engine E --integrator euler --steps K --output-every K --snapshot-every K"
  echo "#   --overwrite --output <tmp> --timing-csv <csv> $(printf '%s ' "${EXTRA[@]}")"
  echo "# P > $(nproc) ranks time-share $(nproc) cores (oversubscribed), and other jobs share them: see load"
} > "$COMMENTS"

# run STUDY ENGINE RANKS TOKENS STEPS
run() {
  local study=$1 engine=$2 ranks=$3 tokens=$4 steps=$5 raw="$WORK/raw.csv"
  rm -f "$raw"
  mpirun --allow-run-as-root --oversubscribe --bind-to none -n "$ranks" "$APP" --quiet \
    --tokens "$tokens" --dimension 3 --beta 4 --engine "$engine" --integrator euler \
    --steps "$steps" --output-every "$steps" --snapshot-every "$steps" --overwrite \
    --output "$WORK/run.h5" --timing-csv "$raw" "${EXTRA[@]}"
  tail -n +2 "$raw" | sed "s/^/$study,/" >> "$ROWS"
  echo "run_local.sh: $study P=$ranks N=$tokens: $(tail -n 1 "$raw" | cut -d, -f10-15)"
}
# study NAME: brackets a series with load-average comment lines
begin() { echo "# $1: load average before $(load)" >> "$COMMENTS"; }
end() { echo "# $1: load average after  $(load)" >> "$COMMENTS"; }

for engine in direct ring; do
  begin "strong-$engine"
  for p in $RANKS; do run "strong-$engine" "$engine" "$p" 8192 "$STEPS"; done
  end "strong-$engine"
done
begin strong-spectral
for p in $RANKS; do run strong-spectral spectral "$p" 100000 "$STEPS"; done
end strong-spectral
for engine in direct ring; do
  begin "weak-tokens-$engine"
  for p in $RANKS; do run "weak-tokens-$engine" "$engine" "$p" $((4096 * p)) "$STEPS"; done
  end "weak-tokens-$engine"
  begin "weak-work-$engine"
  for p in $RANKS; do
    run "weak-work-$engine" "$engine" "$p" "$(awk -v p="$p" 'BEGIN { printf "%d", 8192 * sqrt(p) + 0.5 }')" "$STEPS"
  done
  end "weak-work-$engine"
done
begin weak-tokens-spectral
for p in $RANKS; do run weak-tokens-spectral spectral "$p" $((25000 * p)) "$STEPS"; done
end weak-tokens-spectral
begin memory-spectral
for n in $SPECTRAL_MEMORY_TOKENS; do run memory-spectral spectral 2 "$n" 2; done
end memory-spectral
for engine in direct ring; do
  begin "memory-$engine"
  for n in $MEMORY_TOKENS; do run "memory-$engine" "$engine" 2 "$n" 1; done
  end "memory-$engine"
done

header="study,git_revision,input,tokens,dimension,beta,engine,ranks,nodes,steps,wall_seconds,compute_seconds,communication_seconds,output_seconds,pairs_per_second_per_core,peak_memory_mib_per_rank"
partial="$OUTPUT_DIR/scaling.csv.partial"
{ cat "$COMMENTS"; echo "$header"; cat "$ROWS"; } > "$partial"
mv "$partial" "$OUTPUT_DIR/scaling.csv"
echo "run_local.sh: wrote $OUTPUT_DIR/scaling.csv"

#!/bin/bash
# Particle-to-continuum convergence on the circle (MATH.md 7): the density (1 + 0.5 cos 2t) / (2 pi)
# as particles (quantile and iid placement, N = 1e3 .. 1e5) and as a fine continuum grid, SA at
# beta = 1 up to T = 1 (before any clustering: gamma_max t* >> 1 here), then W1 at t = 0 and t = T
# by attnflow-compare and the slopes of log W1 against log N (expected -1 quantile, -1/2 iid).
#
#   jobs/convergence/run_convergence.sh [build-directory] [output-directory]
# Environment: TOKENS ("1000 3000 10000 30000 100000"), SEEDS (iid seeds, "1 2 3"), CELLS (8192),
# RANKS (mpirun -n, 1), FINAL_TIME (1), STEP (0.02), BETA (1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
out=${2:-convergence_output}
mkdir -p "$out"
TOKENS=${TOKENS:-"1000 3000 10000 30000 100000"}
SEEDS=${SEEDS:-"1 2 3"}
CELLS=${CELLS:-8192}
RANKS=${RANKS:-1}
FINAL_TIME=${FINAL_TIME:-1}
STEP=${STEP:-0.02}
BETA=${BETA:-1}
run="mpirun --allow-run-as-root --oversubscribe -n $RANKS"
steps=$(/usr/bin/python3 -c "print(round($FINAL_TIME / $STEP))")
common="--dimension 2 --model sa --beta $BETA"

echo "continuum: $CELLS cells"
$run "$build/apps/attnflow-continuum" $common --initial uniform-mode --degree 2 --amplitude 0.5 \
  --cells "$CELLS" --engine spectral --final-time "$FINAL_TIME" --output-interval "$FINAL_TIME" \
  --output "$out/continuum.h5" --overwrite > "$out/continuum.log"

for n in $TOKENS; do
  # The spectral engine above 3000 tokens: the direct engine's N^2 pairs would dominate the study.
  engine=direct
  [ "$n" -gt 3000 ] && engine=spectral
  for placement in quantile iid; do
    seeds=$SEEDS
    [ "$placement" = quantile ] && seeds=1  # deterministic: one run
    for seed in $seeds; do
      name="$out/${placement}_N${n}_seed${seed}"
      $run "$build/apps/attnflow-particles" $common --tokens "$n" --initial circle-density \
        --density-amplitude 0.5 --density-mode 2 --placement "$placement" --seed "$seed" \
        --engine "$engine" --skip-pair-diagnostics --integrator rk4 --step-size "$STEP" \
        --steps "$steps" --snapshot-every "$steps" --output-every "$steps" --quiet \
        --output "$name.h5" --overwrite
      $run "$build/apps/attnflow-compare" --particles "$name.h5" --continuum "$out/continuum.h5" \
        --output "$name.csv" --overwrite > /dev/null
      echo "$placement N=$n seed=$seed: $(tail -n +1 "$name.csv" | grep -v '^#' | tail -1)"
    done
  done
done
/usr/bin/python3 "$here/fit_slopes.py" "$out"
/usr/bin/python3 "$here/plot_overlay.py" "$out/iid_N1000_seed1.h5" "$out/continuum.h5" \
  --output "$out/overlay_iid_N1000.png"

#!/bin/bash
# Particle-to-continuum convergence (docs/mathematics.md section 7): one smooth initial density as particles (N = 1e3 ..
# 1e6) and as a fine continuum grid (the same --initial keys for both apps), SA at beta = BETA up
# to T = FINAL_TIME (before clustering: gamma_max T << ln N / 2 here), then attnflow-compare at t = 0 and t = T and the fitted slopes of
# log distance against log N.
#   circle (DIMENSION=2): density (1 + 0.5 cos 2t) / (2 pi); quantile placement (one run, expected
#     W1 slope -1) and iid (SEEDS, expected -1/2); W1 exact from the CDFs.
#   sphere (DIMENSION=3): von Mises-Fisher density, kappa = 2 around the north pole, iid (SEEDS);
#     L1 distance between the particles' histogram over the continuum's triangles (refine REFINE;
#     each particle in the cell containing it) and the cell masses: the multinomial noise of the
#     cell counts, ~N^{-1/2} with no floor (fit_slopes.py prints its exact prediction).
#
#   jobs/convergence/run_convergence.sh [build-directory] [output-directory]
# Environment: DIMENSION (2), TOKENS ("1000 3000 10000 30000 100000 300000 1000000"), SEEDS (iid
# seeds, "1 2 3 4 5 6 7 8 9 10"), CELLS (circle, 8192), REFINE (sphere, 3), RANKS (mpirun -n, 1),
# FINAL_TIME (1), STEP (0.02), BETA (1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
out=${2:-convergence_output}
mkdir -p "$out"
DIMENSION=${DIMENSION:-2}
TOKENS=${TOKENS:-"1000 3000 10000 30000 100000 300000 1000000"}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
CELLS=${CELLS:-8192}
REFINE=${REFINE:-3}
RANKS=${RANKS:-1}
FINAL_TIME=${FINAL_TIME:-1}
STEP=${STEP:-0.02}
BETA=${BETA:-1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run="mpirun --oversubscribe -n $RANKS"
steps=$(/usr/bin/python3 -c "print(round($FINAL_TIME / $STEP))")
common="--dimension $DIMENSION --model sa --beta $BETA"

case "$DIMENSION" in
  2)
    mesh="--cells $CELLS"
    initial="--initial circle-density --density-amplitude 0.5 --density-mode 2"
    placements="quantile iid"
    ;;
  3)
    mesh="--refine $REFINE"
    initial="--initial vmf --vmf-concentrations 2 --vmf-means 0,0,1"
    placements="iid"
    ;;
  *)
    echo "run_convergence.sh: error: DIMENSION must be 2 (circle) or 3 (sphere), got '$DIMENSION'" >&2
    exit 2
    ;;
esac

echo "continuum: dimension $DIMENSION, $mesh"
$run "$build/apps/attnflow-continuum" $common $initial $mesh --engine spectral \
  --final-time "$FINAL_TIME" --output-interval "$FINAL_TIME" \
  --output "$out/continuum.h5" --overwrite > "$out/continuum.log"

smallest=$(printf '%s\n' $TOKENS | sort -n | head -1)
first_seed=$(printf '%s\n' $SEEDS | head -1)
for n in $TOKENS; do
  # The spectral engine above 3000 tokens: the direct engine's N^2 pairs would dominate the study.
  engine=direct
  [ "$n" -gt 3000 ] && engine=spectral
  for placement in $placements; do
    seeds=$SEEDS
    placement_option=""
    if [ "$DIMENSION" = 2 ]; then placement_option="--placement $placement"; fi
    [ "$placement" = quantile ] && seeds=1  # deterministic: one run
    for seed in $seeds; do
      name="$out/${placement}_N${n}_seed${seed}"
      # Sphere: the overlay plot below of the smallest N's first seed shows attnflow-compare's
      # cell histograms (its point location), written for that run.
      histograms=()
      if [ "$DIMENSION" = 3 ] && [ "$n" = "$smallest" ] && [ "$seed" = "$first_seed" ]; then
        histograms=(--histograms "$name.histograms.h5")
      fi
      $run "$build/apps/attnflow-particles" $common --tokens "$n" $initial \
        $placement_option --seed "$seed" \
        --engine "$engine" --skip-pair-diagnostics --integrator rk4 --step-size "$STEP" \
        --steps "$steps" --snapshot-every "$steps" --output-every "$steps" --quiet \
        --output "$name.h5" --overwrite
      $run "$build/apps/attnflow-compare" --particles "$name.h5" --continuum "$out/continuum.h5" \
        --output "$name.csv" ${histograms[@]+"${histograms[@]}"} --overwrite > /dev/null
      echo "$placement N=$n seed=$seed: $(grep -v '^#' "$name.csv" | tail -1)"
      # The positions are not needed after the comparison (1e6 tokens: 48 MB per run).
      # (The smallest N's first-seed file stays for the overlay plot.)
      if [ "$n" -gt 3000 ] && [ "$n" != "$smallest" ]; then rm -f "$name.h5" "$name.xdmf"; fi
    done
  done
done
/usr/bin/python3 "$here/fit_slopes.py" "$out"
overlay_run="$out/iid_N${smallest}_seed${first_seed}"
overlay_histograms=()
if [ "$DIMENSION" = 3 ]; then overlay_histograms=(--histograms "$overlay_run.histograms.h5"); fi
/usr/bin/python3 "$here/../plot/plot_overlay.py" "$overlay_run.h5" "$out/continuum.h5" \
  ${overlay_histograms[@]+"${overlay_histograms[@]}"} --output "$out/overlay_iid_N${smallest}.png"

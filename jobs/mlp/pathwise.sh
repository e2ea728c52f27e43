#!/bin/bash
# Pathwise particles versus SPDE (docs/mathematics.md section 9.4, issue 10): the same MLP block
# and the same --seed drive N particles (stochastic Heun, SUBSTEPS steps per layer) and the
# continuum's SPDE from the same smooth density, with attention on; attnflow-compare gives the
# distance at t = 0 and t = T for each N. On one noise path the particles approach the SPDE's
# solution as N grows (to the floor of the grid and of the Heun steps); the same particles
# against the SPDE driven by another seed stay at the O(1) distance of two noise paths: the
# agreement is pathwise, not in law.
#   circle (DIMENSION=2): (1 + 0.5 cos 2t) / (2 pi), quantile placement, exact W1.
#   sphere (DIMENSION=3): von Mises-Fisher kappa = 2 around the north pole, iid placement (the
#     --seed that keys the weights also draws the sample), L1 between the particles' histogram
#     over the continuum's triangles and the cell masses; at t = 0 it is the multinomial noise of
#     the sample, so L1(T) ~ L1(0) means the paths agree to sampling noise.
#
#   jobs/mlp/pathwise.sh [build-directory] [output-directory]
# Environment: DIMENSION (2), TOKENS ("100 200 400 800 1600 3200"), CELLS (circle, 2048), REFINE
# (sphere, 2), SUBSTEPS (8), LAYERS (40), FINAL_TIME (1), BETA (1), SIGN (attention sign, 1),
# MLP (relu), WIDTH (32), BIAS_U (0.2), BIAS_W (0.5), SEED (7), RANKS (1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
out=${2:-pathwise_output}
mkdir -p "$out"
DIMENSION=${DIMENSION:-2}
TOKENS=${TOKENS:-"100 200 400 800 1600 3200"}
SUBSTEPS=${SUBSTEPS:-8}
LAYERS=${LAYERS:-40}
FINAL_TIME=${FINAL_TIME:-1}
BETA=${BETA:-1}
SIGN=${SIGN:-1}
SEED=${SEED:-7}
RANKS=${RANKS:-1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run="mpirun --oversubscribe -n $RANKS"
common="--dimension $DIMENSION --model sa --beta $BETA --attention-sign $SIGN --mlp ${MLP:-relu}
  --mlp-width ${WIDTH:-32} --mlp-bias-u ${BIAS_U:-0.2} --mlp-bias-w ${BIAS_W:-0.5}
  --layers $LAYERS --final-time $FINAL_TIME"
case "$DIMENSION" in
  2)
    mesh="--cells ${CELLS:-2048}"
    initial="--initial circle-density --density-amplitude 0.5 --density-mode 2"
    placement="--placement quantile"
    distance=wasserstein_1
    ;;
  3)
    mesh="--refine ${REFINE:-2}"
    initial="--initial vmf --vmf-concentrations 2 --vmf-means 0,0,1"
    placement=""
    distance=histogram_l1
    ;;
  *)
    echo "pathwise.sh: error: DIMENSION must be 2 (circle) or 3 (sphere), got '$DIMENSION'" >&2
    exit 2
    ;;
esac
steps=$((LAYERS * SUBSTEPS))
log="$out/pathwise.txt"
: > "$log"
say() { echo "$*" | tee -a "$log"; }
say "# attnflow pathwise particles vs SPDE $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
say "# $(echo $common) $initial, seed $SEED, continuum $mesh, particles ${placement:-iid}, heun $SUBSTEPS steps per layer"
for seed in "$SEED" "$((SEED + 1))"; do
  # The spectral engine: the direct one would cost cells^2 pairs at each of ~10^4 stages.
  $run "$build/apps/attnflow-continuum" $common $initial $mesh --seed "$seed" --engine spectral \
    --output-interval "$FINAL_TIME" --quiet --output "$out/continuum_seed$seed.h5" --overwrite
done
say "N $distance(t=0) $distance(t=T, same seed) $distance(t=T, other seed)"
for n in $TOKENS; do
  name="$out/particles_N$n"
  # The spectral engine above 4000 tokens (N^2 pairs would dominate).
  engine=direct
  [ "$n" -gt 4000 ] && engine=spectral
  $run "$build/apps/attnflow-particles" $common $initial $placement --tokens "$n" \
    --engine "$engine" --seed "$SEED" --integrator heun --substeps "$SUBSTEPS" --skip-pair-diagnostics \
    --snapshot-every "$steps" --output-every "$steps" --quiet --output "$name.h5" --overwrite
  row=()
  for seed in "$SEED" "$((SEED + 1))"; do
    $run "$build/apps/attnflow-compare" --particles "$name.h5" \
      --continuum "$out/continuum_seed$seed.h5" --output "${name}_seed$seed.csv" --overwrite > /dev/null
    # Rows t = 0 and t = T; the distance column by name.
    row+=("$(/usr/bin/python3 - "${name}_seed$seed.csv" "$distance" <<'PY'
import csv, sys
rows = [r for r in csv.reader(line for line in open(sys.argv[1]) if not line.startswith('#'))]
w = rows[0].index(sys.argv[2])
print(' '.join(r[w] for r in rows[1:]))
PY
)")
  done
  same=(${row[0]})
  other=(${row[1]})
  say "$n ${same[0]} ${same[1]} ${other[1]}"
done
echo "pathwise.sh: wrote $log"

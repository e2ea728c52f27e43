#!/usr/bin/env bash
# Cluster formation in the mean-field PDE: one circle and one sphere run of attnflow-continuum,
# then plots of the density snapshots and diagnostics (plot_continuum.py).
# Usage: jobs/continuum/run_demo.sh BUILD_DIR OUTPUT_DIR [RANKS]
set -euo pipefail
build=${1:?build directory}
out=${2:?output directory}
ranks=${3:-2}
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
app="$build/apps/attnflow-continuum"
mpiexec -n "$ranks" --oversubscribe "$app" --dimension 2 --model sa --beta 8 --cells 512 \
  --initial noise --amplitude 0.2 --seed 1 --final-time 30 --output-interval 1 \
  --output "$out/circle.h5" --overwrite
mpiexec -n "$ranks" --oversubscribe "$app" --dimension 3 --refine 4 --model sa --beta 6 \
  --initial noise --amplitude 0.2 --seed 1 --final-time 15 --output-interval 1 --cfl 0.8 \
  --output "$out/sphere.h5" --overwrite
/usr/bin/python3 "$(dirname "$0")/plot_continuum.py" "$out/circle.h5" "$out/circle.png"
/usr/bin/python3 "$(dirname "$0")/plot_continuum.py" "$out/sphere.h5" "$out/sphere.png"

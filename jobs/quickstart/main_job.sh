#!/usr/bin/env bash
# The quick start's main job: set up (install what is missing, build), then the default
# particle-versus-continuum run on all local cores -- 4096 tokens on the circle (particles.ini) and
# the mean-field PDE on 1024 cells (continuum.ini), SA at beta = 3 from the same smooth density,
# through the formation of two clusters -- then attnflow-compare's distance table (W1, energy and
# Fourier-moment differences at t = 0, 1, ..., 10) and the plots:
#   runs/quickstart/{particles,continuum}.{h5,xdmf,csv}, comparison.csv, overlay.png (particle
#   histogram over the PDE density), particles_{tokens,diagnostics}.png.
# Extra arguments go to the particle run (e.g. --tokens 16384).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/setup.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
apps="$root/build/apps"
inputs="$root/jobs/quickstart"
out="$root/runs/quickstart"
mkdir -p "$out"
run="mpiexec -n $(nproc) --oversubscribe"
$run "$apps/attnflow-particles" --input "$inputs/particles.ini" --output "$out/particles.h5" \
  --overwrite "$@"
$run "$apps/attnflow-continuum" --input "$inputs/continuum.ini" --output "$out/continuum.h5" \
  --overwrite
$run "$apps/attnflow-compare" --particles "$out/particles.h5" --continuum "$out/continuum.h5" \
  --output "$out/comparison.csv" --overwrite
/usr/bin/python3 "$root/jobs/plot/plot_overlay.py" "$out/particles.h5" "$out/continuum.h5" \
  --times 0,3,6,10 --output "$out/overlay.png"
/usr/bin/python3 "$root/jobs/plot/plot_run.py" "$out/particles.h5" --output "$out/particles"
echo "plots: $(ls "$out"/*.png | tr '\n' ' ')"

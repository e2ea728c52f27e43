#!/usr/bin/env bash
# The quick start's main job: set up (install what is missing, build), then a default particle
# run on all local cores -- N = 4096 tokens on S^2, SA at beta = 9, which forms several clusters
# -- printing its summary and writing runs/quickstart/particles.{h5,xdmf,csv} and PNG plots.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
"$root/setup.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out="$root/runs/quickstart"
mkdir -p "$out"
ranks="$(nproc)"
mpiexec -n "$ranks" --oversubscribe "$root/build/apps/attnflow-particles" \
  --input "$root/jobs/quickstart/particles.ini" --output "$out/particles.h5" --overwrite "$@"
/usr/bin/python3 "$root/jobs/plot/plot_run.py" "$out/particles.h5" --output "$out/particles"
echo "plots: $(ls "$out"/*.png | tr '\n' ' ')"

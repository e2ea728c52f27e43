#!/bin/bash
# The quick start's main job pipeline on its own input files (jobs/quickstart/*.ini), shortened to
# t = 1: particles and continuum on 2 ranks, attnflow-compare, the overlay plot. Asserts that
#  - the comparison matches the snapshot times 0 and 1 of both runs;
#  - at t = 0 the W1 distance of the 4096 iid tokens to the continuum density obeys the
#    Dvoretzky-Kiefer-Wolfowitz bound: W1 <= int |F_N - F| <= 2 pi sup |F_N - F| <= 2 pi eps with
#    eps = sqrt(ln(2 / delta) / (2 N)), failure probability delta = 1e-6 (plus the cell
#    discretisation of F, O(dx^2), negligible): W1 <= 0.264;
#  - the overlay PNG is written.
#   quickstart_pipeline.sh source-directory build-directory
set -euo pipefail
source_dir=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run="mpiexec -n 2 --oversubscribe"
inputs="$source_dir/jobs/quickstart"
$run "$build/apps/attnflow-particles" --input "$inputs/particles.ini" --final-time 1 --quiet \
  --output "$work/particles.h5"
$run "$build/apps/attnflow-continuum" --input "$inputs/continuum.ini" --final-time 1 \
  --output "$work/continuum.h5" > /dev/null
$run "$build/apps/attnflow-compare" --particles "$work/particles.h5" \
  --continuum "$work/continuum.h5" --output "$work/comparison.csv"
/usr/bin/python3 "$source_dir/jobs/plot/plot_overlay.py" "$work/particles.h5" "$work/continuum.h5" \
  --times 0,1 --output "$work/overlay.png"
test -s "$work/overlay.png"
/usr/bin/python3 - "$work/comparison.csv" <<'PYTHON'
import math, sys
import numpy
table = numpy.genfromtxt(sys.argv[1], delimiter=",", names=True)  # a plain CSV table
rows = [dict(zip(table.dtype.names, map(float, row))) for row in numpy.atleast_1d(table)]
times = [r["time"] for r in rows]
assert times == [0.0, 1.0], f"matched times {times}, expected [0, 1]"
bound = 2 * math.pi * math.sqrt(math.log(2 / 1e-6) / (2 * 4096))
w1 = rows[0]["wasserstein_1"]
assert 0 < w1 <= bound, f"W1 at t = 0 is {w1}, above the DKW bound {bound}"
print(f"quickstart pipeline: W1(t=0) = {w1:.4g} <= {bound:.4g}, W1(t=1) = {rows[1]['wasserstein_1']:.4g}")
PYTHON

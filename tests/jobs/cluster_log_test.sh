#!/usr/bin/env bash
# jobs/phases/cluster_log.py on a merge whose time is known: two SA tokens at angle 1 on the
# circle (beta = 5, V = I) obey d theta/dt = -2 sin theta / (1 + e^{beta(1 - cos theta)})
# (docs/mathematics.md section 10.3); with --cluster-tolerance 1e-3 they become one cluster when
# theta < acos(1 - 1e-3). The merge log must hold exactly one merge, of masses 1/2 and 1/2 into
# 1, dated at the first snapshot after the quadrature's time T and with previous_time before T.
# Usage: cluster_log_test.sh source-dir build-dir
set -euo pipefail
source_dir="$1"
build_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The two tokens: a wrapped-normal mixture of two components with zero deviation at +-1/2; the
# component is drawn per token, and seed 3 puts them in different ones (checked below).
"$build_dir/apps/attnflow-particles" --quiet --tokens 2 --dimension 2 --beta 5 \
  --initial wrapped-normal --wrapped-means "0.5 -0.5" --wrapped-deviations "0 0" --seed 3 \
  --adaptive-tolerance 1e-10 --step-size 1 --final-time 40 --output-times logarithmic \
  --output-first-time 0.01 --output-factor 1.02 --snapshot-factor 1.02 \
  --cluster-tolerance 1e-3 --output "$work/pair.h5"
/usr/bin/python3 "$source_dir/jobs/phases/cluster_log.py" "$work/pair.h5" > /dev/null
/usr/bin/python3 - "$work" <<'PY'
import math, sys
import numpy
work = sys.argv[1]
clusters = numpy.genfromtxt(work + "/pair.clusters.csv", delimiter=",", names=True)
first = clusters[clusters["time"] == 0]
if len(first) != 2:
    sys.exit("FAIL: the two tokens do not start apart (seed draws both in one component)")
theta_0 = math.acos(first["centre_1"][0] * first["centre_1"][1] + first["centre_2"][0] * first["centre_2"][1])
beta, theta_1 = 5.0, math.acos(1 - 1e-3)
# T = int_{theta_1}^{theta_0} (1 + e^{beta(1 - cos)}) / (2 sin) d theta, Simpson in ln theta.
a, b, panels = math.log(theta_1), math.log(theta_0), 20000
h = (b - a) / panels
f = lambda u: math.exp(u) * (1 + math.exp(beta * (1 - math.cos(math.exp(u))))) / (2 * math.sin(math.exp(u)))
T = (f(a) + f(b) + sum((4 if k % 2 else 2) * f(a + k * h) for k in range(1, panels))) * h / 3
merges = numpy.genfromtxt(work + "/pair.merges.csv", delimiter=",", names=True, ndmin=1)
ok = (len(merges) == 1 and merges["previous_time"][0] < T <= merges["time"][0]
      and merges["mass_a"][0] == 0.5 and merges["mass_b"][0] == 0.5 and merges["mass_after"][0] == 1)
print(f"theta_0 = {theta_0:.6f}, T = {T:.6f}, merge logged in ({merges['previous_time'][0]:.6f}, "
      f"{merges['time'][0]:.6f}]" if len(merges) else "no merge logged")
sys.exit(0 if ok else "FAIL: the merge log does not bracket T with masses 1/2, 1/2 -> 1")
PY

#!/usr/bin/env bash
# The three phases of the moderate regime (docs/mathematics.md section 10), small:
#   1. alignment on S^2 (SA, beta = 30, V = [[1,-1/2,0],[1/2,1,0],[0,0,0]]): the mass outside the
#      leading plane of M decays like e^{-2 (Re lambda_1 - Re lambda_3) t} = e^{-2t} at
#      beta = infinity (section 10.1); the measured rate is printed beside it;
#   2. heat and pairing on the circle (SA, V = I): adaptive steps and logarithmic output times to
#      t = 3000, the cluster list and the merge log (cluster_log.py), each pairing merge against the
#      asymptotic time e^{beta(1 - cos theta)} / ((m_a/m_b + m_b/m_a) beta sin^2 theta) of 10.3;
#   3. a PNG of the energy staircase E_A e^{-beta} and the cluster count on a log-time axis.
# Usage: jobs/phases/run_phase_study.sh [build-dir] [out-dir]   (TOKENS=..., RANKS=... to enlarge;
# the defaults take seconds on two cores).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
out="${2:-$here/results}"
tokens="${TOKENS:-300}"
ranks="${RANKS:-1}"
app="$build/apps/attnflow-particles"
mkdir -p "$out"
run() { mpiexec -n "$ranks" "$app" --quiet --overwrite "$@"; }

run --tokens "$tokens" --dimension 3 --beta 30 --value "1 -0.5 0 0.5 1 0 0 0 0" --final-time 4 \
    --step-size 0.02 --output-every 10 --snapshot-every 50 --output "$out/alignment.h5"
run --tokens 64 --dimension 2 --beta 12 --adaptive-tolerance 1e-7 --step-size 20 --final-time 3000 \
    --output-times logarithmic --output-first-time 0.1 --output-factor 1.2 --snapshot-factor 1.2 \
    --output "$out/pairing.h5"
/usr/bin/python3 "$here/cluster_log.py" "$out/pairing.h5"

/usr/bin/python3 - "$out" "$here/../plot" <<'PY'
import math, sys
import numpy
sys.path.insert(0, sys.argv[2])
import run_files
out = sys.argv[1]
with run_files.open_particle_run(out + "/alignment.h5") as run:
    table = run.diagnostics()
t, outside = table["time"], 1 - table["leading_mass_fraction"]
window = (t >= 1) & (t <= 4) & (outside > 0)
rate = -numpy.polyfit(t[window], numpy.log(outside[window]), 1)[0]
print(f"alignment: mass outside the leading plane decays at rate {rate:.3f} on t in [1, 4] "
      f"(beta = infinity: 2); rotation rate {table['rotation_rate'][-1]:.4f} "
      f"(beta = infinity: 0.5); mean angle to the beta = infinity prediction at t = 4: "
      f"{table['alignment_angle_mean'][-1]:.3e}")
with run_files.open_particle_run(out + "/pairing.h5") as run:
    table = run.diagnostics()
beta = 12.0  # the pairing run's --beta above
merges = numpy.genfromtxt(out + "/pairing.merges.csv", delimiter=",", names=True, ndmin=1)
clusters = numpy.genfromtxt(out + "/pairing.clusters.csv", delimiter=",", names=True)
centre_names = [n for n in clusters.dtype.names if n.startswith("centre_")]
print("pairing merges after t = 10: time, time since the previous event, and the asymptotic "
      "e^{beta(1-cos theta)}/((ma/mb+mb/ma) beta sin^2 theta) with theta the two clusters' angle "
      "at the first snapshot after the previous event:")
previous = 10.0
for m in merges:
    if m["time"] < 10:
        previous = max(previous, m["time"])
        continue
    ma, mb = m["mass_a"], m["mass_b"]
    # The two clusters (found by their masses, which do not change between events) at the first
    # snapshot after the previous event.
    start = clusters["time"][clusters["time"] >= previous].min()
    rows = clusters[clusters["time"] == start]
    a = rows[numpy.argmin(abs(rows["mass"] - ma))]
    rest = rows[rows["cluster"] != a["cluster"]]
    b = rest[numpy.argmin(abs(rest["mass"] - mb))]
    theta = math.acos(max(-1.0, min(1.0, sum(a[n] * b[n] for n in centre_names))))
    predicted = math.exp(beta * (1 - math.cos(theta))) / ((ma / mb + mb / ma) * beta * math.sin(theta) ** 2)
    print(f"  t = {m['time']:.4g}  elapsed {m['time'] - previous:.4g}  predicted {predicted:.4g}  "
          f"(angle {theta:.3f}, masses {ma:.3f}, {mb:.3f})")
    previous = m["time"]
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
figure, axis = plt.subplots(figsize=(6, 3.5))
positive = table["time"] > 0
axis.semilogx(table["time"][positive], table["energy_a_scaled"][positive], label="E_A e^{-beta}")
axis.set_xlabel("t")
axis.set_ylabel("E_A e^{-beta}")
twin = axis.twinx()
twin.semilogx(table["time"][positive], table["clusters"][positive], "k:", label="clusters")
twin.set_ylabel("clusters")
axis.set_title("heat and pairing, N = 64, beta = 12 (circle)")
figure.tight_layout()
figure.savefig(out + "/staircase.png", dpi=120)
print(f"wrote {out}/staircase.png")
PY

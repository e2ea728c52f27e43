#!/usr/bin/env bash
# jobs/phases/run_phase_study.sh at SIZE=tiny (seconds) and phase_analysis.py: every run gives a
# PNG and finite measured values, and the analysis's own leading-plane mass (numpy's eigenvectors
# of M = V, from the snapshot positions) equals the app's leading_mass_fraction column (the real
# Schur form, src/diagnostics/phases.hpp) at the last snapshot to rounding (1e-12: two sums of
# N = 300 squares of unit-vector components). An unknown SIZE: exit 2, nothing written.
# Usage: phase_study_test.sh source-dir build-dir
set -euo pipefail
source_dir="$1"
build_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
SIZE=huge bash "$source_dir/jobs/phases/run_phase_study.sh" "$build_dir" "$work/refused" \
  2> "$work/refused.txt" || status=$?
[ "$status" -eq 2 ] && [ ! -e "$work/refused" ] && grep -q "SIZE=huge: unknown size; accepted: tiny, paper, large" "$work/refused.txt" ||
  { echo "FAIL: SIZE=huge gave exit $status: $(cat "$work/refused.txt")"; exit 1; }
SIZE=tiny bash "$source_dir/jobs/phases/run_phase_study.sh" "$build_dir" "$work/tiny" > /dev/null
/usr/bin/python3 - "$source_dir" "$work/tiny" <<'PY'
import csv, math, os, sys
import numpy
sys.path.insert(0, os.path.join(sys.argv[1], "jobs", "phases"))
import phase_analysis
out = sys.argv[2]
rows = list(csv.DictReader(open(os.path.join(out, "phase_results.csv"))))
phases = {row["phase"] for row in rows}
if phases != {"alignment", "heat", "pairing"}:
    sys.exit(f"FAIL: phases in phase_results.csv: {sorted(phases)}")
bad = [row["quantity"] for row in rows if not math.isfinite(float(row["measured"]))]
if bad:
    sys.exit(f"FAIL: measured values not finite: {bad}")
for name in ("alignment", "forward_heat", "clustering", "pairing"):
    if not os.path.getsize(os.path.join(out, name + ".png")):
        sys.exit(f"FAIL: no {name}.png")
run = phase_analysis.Run(out, "alignment")
basis = phase_analysis.leading_plane(run.value.reshape(3, 3))[0]
last = run.positions(-1)
inside = numpy.mean(numpy.sum((last @ basis) ** 2, axis=1))
column = run.table["leading_mass_fraction"][numpy.argmin(abs(run.table["time"] - run.times[-1]))]
if abs(inside - column) > 1e-12:
    sys.exit(f"FAIL: leading-plane mass {inside!r} (analysis) against {column!r} (app)")
print(f"phase study (tiny): {len(rows)} measured-against-predicted rows; leading-plane mass "
      f"{inside:.15f} = app column {column:.15f}")
PY

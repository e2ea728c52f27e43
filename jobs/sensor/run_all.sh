#!/usr/bin/env bash
# Runs every mode of attnflow-sensor at the defaults (plus the aerobic chronoamperometry) and
# makes the PNG plots. Usage: jobs/sensor/run_all.sh [build-dir] [output-dir] [extra options...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
out=${2:-$here/../../runs/sensor}
shift $(( $# >= 2 ? 2 : $# )) || true
app=$build/apps/attnflow-sensor
mkdir -p "$out"
for mode in chronoamperometry calibration current-range power noise; do
  "$app" --mode "$mode" --output "$out/$mode.csv" "$@" | tee "$out/$mode.txt"
done
"$app" --mode chronoamperometry --aerobic --output "$out/chronoamperometry-aerobic.csv" "$@" \
  | tee "$out/chronoamperometry-aerobic.txt"
/usr/bin/python3 "$here/plot.py" "$out"

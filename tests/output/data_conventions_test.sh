#!/bin/bash
# ctest data_conventions: the conventions of every output, checked with the readers a user has.
#   - Every CSV (particle and continuum diagnostics, attnflow-compare, attnflow-longcontext,
#     attnflow-sensor, --timing-csv) loads as it is with numpy.genfromtxt(names=True) and
#     pandas.read_csv: the same column names as its header, every row, the same numbers; the run
#     CSVs equal /diagnostics of their HDF5 files bit for bit.
#   - Each run is reproducible from its files: rerunning the app with --input <stem>.input.ini
#     gives the same CSV (particles, continuum, compare, longcontext).
#   - Numbers are stored as numbers (root attributes of run files, checkpoints, histograms), one
#     name per quantity across the solvers (dimension, model, beta, log_time_scale, time_unit,
#     engine, ranks), units as attributes (/time, /positions, /density, /mesh/measures, each
#     diagnostics column; USA: the rescaled time), output times step x h (particles) and
#     n x output interval (continuum) exactly.
# Installs python3-pandas when missing (exit 77 when that is impossible).
#   bash data_conventions_test.sh SOURCE_DIR BUILD_DIR SCRATCH MPIEXEC PYTHON
set -uo pipefail
source_dir=$1 build_dir=$2 directory=$3 mpiexec=$4 python=$5
apps="$build_dir/apps"
"$python" -c "import numpy, h5py" 2>/dev/null || { echo "SKIP: $python lacks numpy or h5py"; exit 77; }
if ! "$python" -c "import pandas" 2>/dev/null; then
  bash "$source_dir/jobs/install_packages.sh" python3-pandas ||
    { echo "SKIP: python3-pandas cannot be installed here"; exit 77; }
fi
rm -rf "$directory" && mkdir -p "$directory" && cd "$directory" || exit 1
status=0
run() {  # run RANKS APP ARGS...
  local ranks=$1; shift
  "$mpiexec" -n "$ranks" --oversubscribe "$@" > run.log 2>&1 || { echo "FAIL: $*"; cat run.log; status=1; }
}
# Runs and their reruns from the input sidecars.
run 2 "$apps/attnflow-particles" --quiet --dimension 2 --tokens 300 --steps 30 --step-size 0.1 \
  --initial circle-density --density-amplitude 0.5 --density-mode 2 --output particles.h5 \
  --checkpoint-every 10
run 2 "$apps/attnflow-particles" --quiet --input particles.input.ini --output particles_again.h5 \
  --checkpoint-every 0
run 2 "$apps/attnflow-particles" --quiet --dimension 3 --tokens 100 --steps 7 --model usa --beta 3 \
  --step-size 0.3 --output usa.h5
run 2 "$apps/attnflow-continuum" --quiet --dimension 2 --cells 128 --final-time 3 --output-interval 0.3 \
  --initial circle-density --density-amplitude 0.5 --density-mode 2 --output continuum.h5
run 2 "$apps/attnflow-continuum" --quiet --input continuum.input.ini --output continuum_again.h5
run 2 "$apps/attnflow-continuum" --quiet --dimension 3 --refine 1 --final-time 0.4 --output-interval 0.1 \
  --model usa --beta 2 --output sphere.h5
run 1 "$apps/attnflow-compare" --particles particles.h5 --continuum continuum.h5 --output comparison.csv
run 1 "$apps/attnflow-compare" --input comparison.input.ini --output comparison_again.csv
run 2 "$apps/attnflow-longcontext" --keys "50 200" --queries 5 --scales "0.5 2" --top 2 \
  --output longcontext.csv --distributions distributions.csv
run 2 "$apps/attnflow-longcontext" --input longcontext.input.ini --output longcontext_again.csv \
  --distributions distributions_again.csv
run 1 "$apps/attnflow-sensor" --mode calibration --output sensor.csv
run 1 "$apps/attnflow-particles" --quiet --tokens 64 --steps 2 --output timed.h5 --timing-csv timing.csv
[ "$status" -eq 0 ] || exit 1

"$python" - <<'EOF' || status=1
import glob
import sys
import h5py
import numpy as np
import pandas

failures = []
def check(condition, message):
    print(("ok: " if condition else "FAIL: ") + message)
    if not condition:
        failures.append(message)

def load_both(path):
    header = open(path).readline().strip().split(",")
    table = np.atleast_1d(np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8"))
    frame = pandas.read_csv(path)  # its default float parser is off by up to ~1e-12 relative
    exact = pandas.read_csv(path, float_precision="round_trip")
    rows = sum(1 for _ in open(path)) - 1
    same = list(table.dtype.names) == header and list(frame.columns) == header
    same = same and len(table) == rows and len(frame) == rows
    for name in header:
        column, bits = frame[name].to_numpy(), exact[name].to_numpy()
        if column.dtype.kind == "f":
            values = np.asarray(table[name], dtype=float)
            same = same and np.array_equal(values, bits, equal_nan=True)
            same = same and np.allclose(values, column, rtol=1e-11, atol=0, equal_nan=True)
    check(same, f"{path}: numpy.genfromtxt and pandas.read_csv read {rows} rows of {len(header)} "
                f"columns, the same numbers")
    return frame

for path in sorted(glob.glob("*.csv")):
    load_both(path)

# Run CSVs equal the HDF5 tables bit for bit.
for stem in ("particles", "usa", "continuum", "sphere"):
    frame = pandas.read_csv(f"{stem}.csv", float_precision="round_trip")
    with h5py.File(f"{stem}.h5", "r") as f:
        table = f["diagnostics"][:]
        columns = [c.decode() for c in f["diagnostics"].attrs["columns"]]
    check(list(frame.columns) == columns and
          np.array_equal(frame.to_numpy(dtype=float), table, equal_nan=True),
          f"{stem}.csv = /diagnostics of {stem}.h5 bit for bit")

# Reruns from the sidecars.
for first, again in (("particles", "particles_again"), ("continuum", "continuum_again"),
                     ("comparison", "comparison_again")):
    check(open(f"{first}.csv").read() == open(f"{again}.csv").read(),
          f"--input {first}.input.ini reruns to the same {first}.csv")
drop_timing = lambda frame: frame.drop(columns=["seconds_per_query"])
check(drop_timing(pandas.read_csv("longcontext.csv")).equals(drop_timing(pandas.read_csv("longcontext_again.csv"))),
      "--input longcontext.input.ini reruns to the same table (seconds_per_query aside)")

def number(value):
    return isinstance(value, (np.integer, np.floating))

# Attributes: numbers as numbers, one name per quantity, units.
common = ("dimension", "beta", "log_time_scale", "ranks")
for stem, extra in (("particles", ("token_count", "step_size")), ("continuum", ("cell_count",)),
                    ("sphere", ("cell_count",))):
    with h5py.File(f"{stem}.h5", "r") as f:
        attributes = f.attrs
        check(all(number(attributes[name]) for name in common + extra),
              f"{stem}.h5: {', '.join(common + extra)} are numbers")
        check(all(name in attributes for name in ("model", "engine", "time_unit")),
              f"{stem}.h5: model, engine and time_unit under the same names")
        time_units = f["time"].attrs["units"].decode()
        check(time_units == attributes["time_unit"].decode(), f"{stem}.h5: /time units '{time_units}'")
        units = [u.decode() for u in f["diagnostics"].attrs["units"]]
        columns = [c.decode() for c in f["diagnostics"].attrs["columns"]]
        check(len(units) == len(columns) and units[0] == time_units,
              f"{stem}.h5: a unit per diagnostics column, time in '{units[0]}'")
        state = "positions" if "positions" in f else "density"
        check("units" in f[state].attrs, f"{stem}.h5: /{state} units '{f[state].attrs['units'].decode()}'")
        if state == "density":
            measure = f["mesh/measures"].attrs["units"].decode()
            check(f[state].attrs["units"].decode() == "1/" + measure and
                  units[columns.index("min_density")] == "1/" + measure,
                  f"{stem}.h5: density and min_density per {measure}")
for stem in ("usa", "sphere"):
    with h5py.File(f"{stem}.h5", "r") as f:
        check(f["time"].attrs["units"].decode().startswith("rescaled") and f.attrs["log_time_scale"] > 0,
              f"{stem}.h5 (USA): the rescaled time is named in the units")

# Times: step x h exactly for the particles, n x interval for the continuum.
with h5py.File("particles.h5", "r") as f:
    check(np.array_equal(f["time"][:], f["step"][:] * 0.1), "particles: /time = /step x h exactly")
with h5py.File("continuum.h5", "r") as f:
    n = np.arange(f["time"].shape[0])
    check(np.array_equal(f["time"][:], n * 0.3), "continuum: /time = n x output interval exactly")
    check(np.array_equal(f["diagnostics"][:, 0], n * 0.3), "continuum: diagnostics time = n x interval")

# Checkpoints: numbers as numbers.
for path in sorted(glob.glob("particles.chk/chk*.h5")):
    with h5py.File(path, "r") as f:
        check(all(number(f.attrs[name]) for name in ("time", "step", "snapshots_written",
                                                      "diagnostics_written", "dimension", "token_count")),
              f"{path}: time, step, counts, dimension and token_count are numbers")
print(f"{len(failures)} failed checks")
sys.exit(1 if failures else 0)
EOF
exit $status

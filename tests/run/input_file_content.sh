#!/usr/bin/env bash
# Input HDF5 files with bad content (issue 14): every reader of an initial state or a compared run
# refuses them with one line naming the file, the dataset and the first bad row, exit status 2,
# and writes nothing. The bad files are valid runs changed with h5py: non-finite, zero-norm and
# non-unit positions (0.5e-6 off the sphere passes, 2e-6 does not: output::unit_norm_tolerance =
# 1e-6), datasets of the wrong stored type or shape, non-finite times, cell centres and measures,
# truncated and non-HDF5 files.
# Usage: input_file_content.sh attnflow-particles attnflow-continuum attnflow-compare PYTHON MPIEXEC
set -u
particles="$1"
continuum="$2"
compare="$3"
python="$4"
mpiexec="$5"
app="$particles"
source "$(dirname "${BASH_SOURCE[0]}")/expect_rejected.sh"
"$python" -c "import h5py, numpy" 2>/dev/null || { echo "h5py not available to $python: skipped"; exit 0; }

# change SOURCE TARGET STATEMENTS: copy SOURCE to TARGET and run the Python STATEMENTS with the
# open file as f (h5py, read-write) and numpy as np.
change() {
  cp "$1" "$2"
  "$python" - "$2" "$3" <<'PY' || { echo "FAIL could not make $2"; failures=$((failures + 1)); }
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    exec(sys.argv[2])
PY
}
# replace DATASET VALUES-EXPRESSION: statements that recreate a dataset with other values/type.
replace() { echo "v = $2; del f['$1']; f.create_dataset('$1', data=v)"; }

setup 0 "$particles" --quiet --output p3.h5 --dimension 3 --tokens 40 --steps 1
setup 0 "$particles" --quiet --output p2.h5 --dimension 2 --tokens 40 --steps 1
setup 0 "$continuum" --quiet --dimension 2 --cells 32 --final-time 0.1 --output c2.h5
rm -f ./*.xdmf ./*.csv ./*.ini

# Positions: the last snapshot (read by default), token 29 (on the second rank at 2 ranks).
change p3.h5 nan.h5 "f['positions'][1, 29, 0] = np.nan"
change p3.h5 inf.h5 "f['positions'][1, 29, 2] = -np.inf"
change p3.h5 zero.h5 "f['positions'][1, 29, :] = 0"
change p3.h5 double.h5 "f['positions'][1, 29, :] *= 2"
change p3.h5 off.h5 "f['positions'][1, 29, :] *= 1 + 2e-6"
change p3.h5 near.h5 "f['positions'][1, 29, :] *= 1 + 0.5e-6"
change p3.h5 first.h5 "f['positions'][0, 3, :] *= 2"
change p3.h5 integer.h5 "$(replace positions "np.ones(f['positions'].shape, dtype=np.int32)")"
change p3.h5 text.h5 "$(replace positions "np.full(f['positions'].shape[:2], b'x')")"
change p3.h5 shape.h5 "$(replace positions "np.ones((2, 40, 4))")"
change p3.h5 time.h5 "f['time'][1] = np.nan"
change p3.h5 step.h5 "$(replace step "np.array([0.0, 1.0])")"
echo "not hdf5" > junk.h5
head -c 3000 p3.h5 > truncated.h5
# A valid HDF5 header with the rest of the file overwritten.
cp p3.h5 scrambled.h5
dd if=/dev/urandom of=scrambled.h5 bs=1 seek=800 count=20000 conv=notrunc status=none

# attnflow-particles --initial file and attnflow-continuum --initial particles (the same reader).
readers=(
  "particles:$particles --quiet --output run.h5 --dimension 3 --steps 1 --initial file --initial-file"
  "continuum:$continuum --quiet --output run.h5 --dimension 3 --refine 1 --final-time 0.01 --initial particles --initial-file"
  "particles at 2 ranks:$mpiexec -n 2 --oversubscribe $particles --quiet --output run.h5 --dimension 3 --steps 1 --initial file --initial-file"
)
for reader in "${readers[@]}"; do
  name="${reader%%:*}"
  read -r -a command <<< "${reader#*:}"
  app_lines=""
  [ "${command[0]}" = "$mpiexec" ] && app_lines="attnflow-"
  for bad in nan inf zero double off integer text shape time step junk truncated scrambled; do
    expect_rejected "$name: $bad.h5" "$bad.h5"
  done
  # The earlier snapshot is read only when asked for.
  expect_rejected "$name: first.h5 snapshot 0" first.h5 --initial-snapshot 0
done
app_lines=""
command=("$particles" --quiet --output run.h5 --dimension 3 --tokens 40 --steps 1 --initial file --initial-file)
checks=$((checks + 1))
if "${command[@]}" near.h5 >/dev/null 2>stderr.txt && [ -f run.h5 ]; then
  echo "ok   particles: 0.5e-6 off the sphere is accepted"
else
  echo "FAIL particles: 0.5e-6 off the sphere: $(cat stderr.txt)"
  failures=$((failures + 1))
fi
rm -f run.h5 run.xdmf run.csv run.ini stderr.txt run.input.ini

# attnflow-compare: the particle run and the continuum run.
change c2.h5 centre_nan.h5 "f['mesh/centres'][7, 1] = np.nan"
change c2.h5 centre_off.h5 "f['mesh/centres'][7, :] *= 1.5"
change c2.h5 measure.h5 "f['mesh/measures'][7] = 0"
change c2.h5 density.h5 "f['density'][-1, 7] = np.inf"
change c2.h5 ctime.h5 "f['time'][0] = np.nan"
change c2.h5 cinteger.h5 "$(replace mesh/centres "np.ones(f['mesh/centres'].shape, dtype=np.int64)")"
change p2.h5 p2nan.h5 "f['positions'][-1, 29, 0] = np.nan"
change p2.h5 p2off.h5 "f['positions'][-1, 29, :] *= 1.01"
command=("$compare" --output comparison.csv --time-tolerance 1)
for bad in centre_nan centre_off measure density ctime cinteger junk truncated; do
  expect_rejected "compare: continuum $bad.h5" --particles p2.h5 --continuum "$bad.h5"
done
for bad in p2nan p2off junk truncated scrambled; do
  expect_rejected "compare: particles $bad.h5" --particles "$bad.h5" --continuum c2.h5
done

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]

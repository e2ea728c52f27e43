#!/bin/bash
# The continuum runs' XDMF sidecars: a sphere run (refine 1, 2 ranks, 3 snapshots) and a circle
# run, checked against their HDF5 files by check_xdmf.py. ParaView's own readers open them in
# ctest paraview_xdmf (tests/output/paraview_test.sh).
# Exit 77 (ctest SKIP_RETURN_CODE) when the Python lacks numpy or h5py.
set -u
continuum=$1 python=$2 directory=$3 mpiexec=$4
here=$(cd "$(dirname "$0")" && pwd)
if ! "$python" -c "import numpy, h5py" 2>/dev/null; then
  echo "SKIP: $python lacks numpy or h5py (Debian: python3-numpy python3-h5py)"
  exit 77
fi
rm -rf "$directory" && mkdir -p "$directory" || exit 1
status=0
"$mpiexec" -n 2 --oversubscribe "$continuum" --dimension 3 --refine 1 --initial vmf \
  --vmf-concentrations 4 --vmf-means "0 0 1" --final-time 0.2 --output-interval 0.1 \
  --output "$directory/sphere.h5" --quiet || { echo "FAIL: sphere run"; exit 1; }
"$continuum" --dimension 2 --cells 32 --final-time 0.2 --output-interval 0.1 \
  --output "$directory/circle.h5" --quiet || { echo "FAIL: circle run"; exit 1; }
for name in sphere circle; do
  "$python" "$here/check_xdmf.py" "$directory/$name.xdmf" || status=1
done
exit $status

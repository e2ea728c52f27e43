#!/bin/bash
# Runs jobs/plot/plot_run.py on small run files written by RunWriter (circle and sphere) and checks
# that it writes PNG images, answers --help, and rejects bad files with exit status 2 and a message.
# Exit 77 (ctest SKIP_RETURN_CODE) when the Python lacks numpy, h5py or matplotlib.
set -u
sample_writer=$1 python=$2 script=$3 directory=$4 mpiexec=$5
if ! "$python" -c "import numpy, h5py, matplotlib" 2>/dev/null; then
  echo "SKIP: $python lacks numpy, h5py or matplotlib (Debian: python3-numpy python3-h5py python3-matplotlib)"
  exit 77
fi
rm -rf "$directory" && mkdir -p "$directory" || exit 1
"$mpiexec" -n 2 --oversubscribe "$sample_writer" "$directory" || { echo "FAIL: sample writer"; exit 1; }
status=0
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
for name in circle sphere; do
  "$python" "$script" "$directory/$name.h5" --snapshots 0,2,-1 --output "$directory/$name" || status=1
  for suffix in tokens diagnostics; do
    if is_png "$directory/${name}_$suffix.png"; then echo "ok: ${name}_$suffix.png"
    else echo "FAIL: ${name}_$suffix.png missing or not a PNG"; status=1; fi
  done
done
for name in circle sphere; do  # the XDMF sidecar must be well-formed XML with one grid per snapshot
  grids=$("$python" -c "import sys, xml.etree.ElementTree as E; print(len(E.parse(sys.argv[1]).findall('.//Grid[@GridType=\"Uniform\"]')))" "$directory/$name.xdmf")
  if [ "$grids" = 5 ]; then echo "ok: $name.xdmf has 5 grids"; else echo "FAIL: $name.xdmf grids '$grids'"; status=1; fi
done
"$python" "$script" --help | grep -q -- "--snapshots" || { echo "FAIL: --help"; status=1; }
echo "not hdf5" > "$directory/bad.h5"
expect_error() {  # expect_error PATTERN ARGS...: exit 2 and PATTERN on stderr
  local pattern=$1; shift
  message=$("$python" "$script" "$@" 2>&1 >/dev/null); code=$?
  if [ $code -eq 2 ] && grep -q -- "$pattern" <<<"$message"; then echo "ok: rejects $* ($message)"
  else echo "FAIL: $* gave status $code, message '$message'"; status=1; fi
}
expect_error "not an HDF5 file" "$directory/bad.h5"
expect_error "does not exist" "$directory/missing.h5"
expect_error "snapshot 9 does not exist" "$directory/circle.h5" --snapshots 9
exit $status

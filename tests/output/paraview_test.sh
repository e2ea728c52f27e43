#!/bin/bash
# ctest paraview_xdmf: every kind of attnflow output opened with ParaView's own readers
# (tests/output/paraview_read.py under pvpython: the default reader for .xdmf, Xdmf3ReaderT and
# the legacy XDMFReader), checked against the HDF5 files: particles d = 2 (2 ranks, a file name
# with & ' < > " and spaces, which the XDMF must escape), d = 3 (3 ranks), d = 4 (1 rank), d = 3
# without the pair diagnostics (no cluster labels, 4 ranks), the continuum circle and sphere
# (2 ranks), and the partial files of interrupted runs (particles and sphere stopped with a
# checkpoint: their XDMF names the .partial file and lists the snapshots written so far).
# Installs Debian's paraview and python3-paraview when pvpython is missing (about 70 s and 78 MB
# here); exit 77 (skip) when they cannot be installed, a failure with ATTNFLOW_REQUIRE_PARAVIEW=1.
#   bash paraview_test.sh SOURCE_DIR BUILD_DIR SCRATCH MPIEXEC
set -uo pipefail
source_dir=$1 build_dir=$2 directory=$3 mpiexec=$4
particles="$build_dir/apps/attnflow-particles" continuum="$build_dir/apps/attnflow-continuum"
skip() {
  if [ "${ATTNFLOW_REQUIRE_PARAVIEW:-0}" = 1 ]; then echo "FAIL (ATTNFLOW_REQUIRE_PARAVIEW=1): $*"; exit 1; fi
  echo "SKIP: $*"; exit 77
}
if ! command -v pvpython > /dev/null; then
  started=$SECONDS
  bash "$source_dir/jobs/install_packages.sh" paraview python3-paraview ||
    skip "ParaView (Debian paraview python3-paraview) cannot be installed here"
  echo "installed paraview python3-paraview in $((SECONDS - started)) s"
  command -v pvpython > /dev/null || skip "pvpython not found after installing python3-paraview"
fi
rm -rf "$directory" && mkdir -p "$directory" || exit 1
cd "$directory" || exit 1
status=0
run() {  # run EXPECTED_STATUS RANKS APP ARGS...: one run, its exit status checked
  local expected=$1 ranks=$2
  shift 2
  "$mpiexec" -n "$ranks" --oversubscribe "$@" --quiet > run.log 2>&1
  local code=$?
  if [ "$code" -ne "$expected" ]; then
    echo "FAIL: exit status $code (expected $expected): $*"; cat run.log; status=1
  fi
}
odd_name="$directory/tokens & <it's> \"d2\".h5"
run 0 2 "$particles" --dimension 2 --tokens 60 --steps 6 --snapshot-every 2 --output "$odd_name"
run 0 3 "$particles" --dimension 3 --tokens 50 --steps 4 --snapshot-every 1 --output particles3.h5
run 0 1 "$particles" --dimension 4 --tokens 40 --steps 4 --snapshot-every 2 --output particles4.h5
run 0 4 "$particles" --dimension 3 --tokens 40 --steps 2 --snapshot-every 1 --skip-pair-diagnostics \
  --output unlabelled.h5
run 0 2 "$continuum" --dimension 2 --cells 48 --final-time 0.2 --output-interval 0.05 --output circle.h5
run 0 2 "$continuum" --dimension 3 --refine 1 --final-time 0.2 --output-interval 0.1 --output sphere.h5
# Interrupted runs: stopped with a checkpoint after some output steps (exit 75).
run 75 2 "$particles" --dimension 3 --tokens 50 --steps 20 --snapshot-every 2 --stop-after-steps 7 \
  --output stopped.h5
run 75 2 "$continuum" --dimension 3 --refine 1 --final-time 1 --output-interval 0.1 \
  --max-time-step 0.05 --stop-after-steps 7 --output stopped_sphere.h5
for name in stopped stopped_sphere; do
  if [ -e "$name.h5.partial" ] && [ ! -e "$name.h5" ] &&
     grep -q "$name.h5.partial:/" "$name.xdmf"; then
    echo "ok: $name.xdmf names $name.h5.partial"
  else
    echo "FAIL: $name: expected $name.h5.partial and an XDMF naming it"; status=1
  fi
done
[ "$status" -eq 0 ] || exit 1
xdmf_files=()
for file in "${odd_name%.h5}.xdmf" particles3.xdmf particles4.xdmf unlabelled.xdmf circle.xdmf \
            sphere.xdmf stopped.xdmf stopped_sphere.xdmf; do
  case $file in /*) ;; *) file="$directory/$file" ;; esac
  xdmf_files+=("$file")
done
started=$SECONDS
pvpython "$source_dir/tests/output/paraview_read.py" "${xdmf_files[@]}" > paraview.log 2>&1
code=$?
cat paraview.log
echo "pvpython: $((SECONDS - started)) s, exit status $code"
[ "$code" -eq 0 ] || status=1
exit $status

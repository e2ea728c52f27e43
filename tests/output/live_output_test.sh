#!/bin/bash
# ctest live_output: a running job can be followed. A particle run on 2 ranks under mpiexec with
# stderr redirected to a file (as in a batch log) is read while it runs, through
# jobs/plot/run_files.py (h5py): its .partial file must show a growing number of snapshots and
# diagnostics rows, each equal bit for bit to the finished file's; its log must hold plain
# "progress:" lines (no carriage returns) every --progress-interval, from rank 0 only. A continuum
# run (the same driver) must log progress lines too, and on a terminal (script(1) gives the run
# a pseudo-terminal) the progress line is redrawn with carriage returns instead.
#   bash live_output_test.sh SOURCE_DIR BUILD_DIR SCRATCH MPIEXEC PYTHON
set -uo pipefail
source_dir=$1 build_dir=$2 directory=$3 mpiexec=$4 python=$5
particles="$build_dir/apps/attnflow-particles" continuum="$build_dir/apps/attnflow-continuum"
if ! "$python" -c "import numpy, h5py" 2>/dev/null; then
  echo "SKIP: $python lacks numpy or h5py"; exit 77
fi
rm -rf "$directory" && mkdir -p "$directory" && cd "$directory" || exit 1
status=0
fail() { echo "FAIL: $*"; status=1; }

# --- A particle run read while it runs (about 10-20 s on 2 loaded cores).
"$mpiexec" -n 2 --oversubscribe "$particles" --tokens 1200 --dimension 3 --steps 600 \
  --output-every 5 --snapshot-every 20 --progress-interval 0.5 --output live.h5 \
  > live.out 2> live.err &
job=$!
PYTHONPATH="$source_dir/jobs/plot" "$python" - "$job" > reads.txt <<'EOF'
import os, sys, time
import run_files

job = int(sys.argv[1])
seen = []  # (snapshots, rows, last positions, diagnostics table) per successful read
failed = 0
while True:
    try:
        os.kill(job, 0)
    except OSError:
        break
    if os.path.exists("live.h5.partial"):
        try:
            with run_files.open_particle_run("live.h5.partial") as run:
                table = run.diagnostics()
                snapshots = run.snapshot_count
                last = run.positions(-1) if snapshots else None
                labels = run.cluster_labels(-1) if snapshots else None
            if not seen or seen[-1][0] != snapshots or seen[-1][1] != table["time"].size:
                seen.append((snapshots, table["time"].size, last, labels, table))
        except (run_files.RunFileError, OSError):
            failed += 1  # the writer was in the middle of an output step: read again
    time.sleep(0.2)
import pickle
pickle.dump(seen, open("reads.pickle", "wb"))
print(f"{len(seen)} distinct states read while running, {failed} reads retried")
EOF
wait "$job"
code=$?
[ "$code" -eq 0 ] || fail "the particle run ended with exit status $code"
cat reads.txt
"$python" - <<'EOF' || fail "the partial file read while running"
import pickle, sys
import h5py
import numpy as np
seen = pickle.load(open("reads.pickle", "rb"))
growing = [s for s in seen if s[0] > 0]
if len(growing) < 3:
    sys.exit(f"only {len(growing)} states with snapshots were read while the run went (need 3)")
with h5py.File("live.h5", "r") as f:
    positions, labels, table = f["positions"][:], f["cluster_label"][:], f["diagnostics"][:]
    columns = [c.decode() for c in f["diagnostics"].attrs["columns"]]
for snapshots, rows, last, label, read in growing:
    if not np.array_equal(last, positions[snapshots - 1]) or not np.array_equal(label, labels[snapshots - 1]):
        sys.exit(f"snapshot {snapshots - 1} read while running differs from the finished file's")
    for c, name in enumerate(columns):
        if read[name].tobytes() != table[:rows, c].tobytes():
            sys.exit(f"diagnostics rows 0..{rows - 1} ({name}) read while running differ")
counts = [(s, r) for s, r, *_ in growing]
if counts != sorted(counts) or len(set(counts)) != len(counts):
    sys.exit(f"the snapshot and row counts did not grow: {counts}")
print(f"ok: {len(growing)} states read while running, (snapshots, rows) {counts[0]} .. {counts[-1]},"
      f" each equal to the finished file's leading records")
EOF
progress=$(grep -c '^progress: step [0-9]* ' live.err)
if [ "$progress" -ge 3 ] && ! grep -q $'\r' live.err && [ "$(grep -c . live.err)" -eq "$progress" ]; then
  echo "ok: $progress plain progress lines in the redirected stderr of 2 ranks, nothing else"
else
  fail "expected >= 3 plain 'progress:' lines and nothing else in live.err:"; cat -A live.err | head
fi
# Rank 0 only: one line per interval, so lines never repeat a step.
[ "$(grep -o '^progress: step [0-9]*' live.err | sort | uniq -d | wc -l)" -eq 0 ] ||
  fail "a progress line appears twice (more than rank 0 printing?)"

# --- The continuum through the same driver.
"$mpiexec" -n 2 --oversubscribe "$continuum" --dimension 2 --cells 2048 --final-time 4 \
  --output-interval 1 --progress-interval 0.2 --output circle.h5 > circle.out 2> circle.err ||
  fail "continuum run"
if grep -q '^progress: step [0-9]* ' circle.err; then
  echo "ok: continuum: $(grep -c '^progress:' circle.err) progress lines"
else
  fail "no progress line from the continuum run"; head circle.err
fi

# --- On a terminal: one line redrawn with carriage returns.
if command -v script > /dev/null; then
  script -qec "$particles --tokens 400 --dimension 3 --steps 300 --output tty.h5" /dev/null \
    > tty.log 2>&1 || fail "run on a pseudo-terminal"
  if grep -q $'\rstep [0-9]* ' tty.log && ! grep -q '^progress:' tty.log; then
    echo "ok: on a terminal the progress line is redrawn (carriage returns)"
  else
    fail "no redrawn progress line on a terminal"; cat -A tty.log | head -5
  fi
else
  echo "note: script(1) missing: the terminal form is not checked"
fi
exit $status

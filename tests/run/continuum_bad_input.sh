#!/usr/bin/env bash
# Every bad input makes attnflow-continuum print one line naming the problem, exit with status 2
# and write nothing (no file created, none changed). Covers the initial density from a particle
# file and restarts from checkpoints that are missing, damaged or of another run.
# Usage: continuum_bad_input.sh path/to/attnflow-continuum path/to/attnflow-particles
set -u
app="$1"
particles="$2"
source "$(dirname "${BASH_SOURCE[0]}")/expect_rejected.sh"

circle=(--dimension 2 --cells 32 --final-time 0.5)

# Particle files (d = 2 and d = 3, two snapshots each) and a continuum file started from one.
setup 0 "$particles" --quiet --output p2.h5 --dimension 2 --tokens 50 --steps 1
setup 0 "$particles" --quiet --output p3.h5 --dimension 3 --tokens 50 --steps 1
setup 0 "$app" --quiet "${circle[@]}" --output c2.h5 --initial particles --initial-file p2.h5
echo "not hdf5" > junk.h5

expect_rejected "MUSCL on the circle above cfl 1/2" "${circle[@]}" --cfl 0.8
expect_rejected "vmf means of the wrong dimension" "${circle[@]}" --initial vmf --vmf-means "0 0 1"
expect_rejected "circle density on the sphere" --quiet --dimension 3 --refine 1 --initial circle-density
expect_rejected "unknown initial density" "${circle[@]}" --initial gaussian
expect_rejected "particles without a file" "${circle[@]}" --initial particles
expect_rejected "missing particle file" "${circle[@]}" --initial particles --initial-file missing.h5
expect_rejected "particle file that is not HDF5" "${circle[@]}" --initial particles --initial-file junk.h5
expect_rejected "continuum file as particle file" "${circle[@]}" --initial particles --initial-file c2.h5
expect_rejected "particle file of another dimension" "${circle[@]}" --initial particles --initial-file p3.h5
expect_rejected "particle snapshot out of range" "${circle[@]}" --initial particles --initial-file p2.h5 --initial-snapshot 2
touch run.h5
expect_rejected "existing output without --overwrite" "${circle[@]}"
rm -f run.h5

# A run stopped with a checkpoint (exit 75) leaves run.h5.partial and run.chk/.
setup 75 "$app" --quiet "${circle[@]}" --output run.h5 --stop-after-steps 2
setup 75 "$particles" --quiet --output p.h5 --dimension 2 --tokens 50 --steps 4 --stop-after-steps 2
cp "run.chk/$(cat run.chk/latest)" truncated.h5
truncate -s 2000 truncated.h5
expect_rejected "interrupted output without --restart" "${circle[@]}"
expect_rejected "missing checkpoint" "${circle[@]}" --restart no-such-directory
expect_rejected "checkpoint that is not HDF5" "${circle[@]}" --restart junk.h5
expect_rejected "truncated checkpoint" "${circle[@]}" --restart truncated.h5
expect_rejected "particle checkpoint" "${circle[@]}" --restart p.chk
expect_rejected "checkpoint of another model" "${circle[@]}" --restart run.chk --beta 7
expect_rejected "checkpoint of another cell count" --dimension 2 --cells 64 --final-time 0.5 --restart run.chk
expect_rejected "checkpoint of another dimension" --dimension 3 --refine 1 --final-time 0.5 --restart run.chk
expect_rejected "checkpoint of another time stepper" "${circle[@]}" --restart run.chk -continuum_ts_ssp_type rks2
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

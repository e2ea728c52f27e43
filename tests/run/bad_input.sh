#!/usr/bin/env bash
# Every bad input makes attnflow-particles print one line naming the problem, exit with status 2
# and write nothing. Usage: bad_input.sh path/to/attnflow-particles
set -u
app="$1"
source "$(dirname "${BASH_SOURCE[0]}")/expect_rejected.sh"
expect_rejected "N <= 0" --tokens 0
expect_rejected "d < 2" --dimension 1
expect_rejected "non-finite beta" --beta nan
expect_rejected "beta above 1e4" --beta 2e4
expect_rejected "step < 0" --step-size -0.1
expect_rejected "matrix of the wrong shape" --dimension 3 --query "1 0 0 1"
expect_rejected "unknown model" --model transformer
expect_rejected "unknown integrator" --integrator leapfrog
expect_rejected "unknown engine" --engine magic
expect_rejected "unknown option" --no-such-option 3
expect_rejected "not a number" --tokens many
expect_rejected "unknown initial state" --initial gaussian
expect_rejected "missing input file" --input does-not-exist.ini
printf 'tokens = 10\nbogus-key = 1\n' > bad.ini
expect_rejected "unknown key in input file" --input bad.ini
rm -f bad.ini
# An initial-state file of another dimension: make a valid d = 2 file first.
"$app" --quiet --output circle.h5 --dimension 2 --tokens 8 --steps 1 >/dev/null 2>&1 || { echo "FAIL could not make circle.h5"; failures=$((failures + 1)); }
rm -f circle.xdmf circle.csv
expect_rejected "initial-state file of another dimension" --dimension 3 --initial file --initial-file circle.h5
echo "not hdf5" > junk.h5
expect_rejected "initial-state file that is not HDF5" --dimension 2 --initial file --initial-file junk.h5
expect_rejected "unreadable checkpoint" --restart junk.h5
expect_rejected "missing checkpoint" --restart no-such-dir
touch run.h5
expect_rejected "existing output without --overwrite" --tokens 8 --steps 1
rm -f run.h5 junk.h5 circle.h5
# A run stopped with a checkpoint (exit 75); a restart that changes the dynamics is refused
# naming the key, and changes nothing (neither the checkpoint nor the partial output).
# The run's input comes from an INI file so that each change can override one key (the command
# line wins over the file).
printf 'tokens = 20\ndimension = 3\nbeta = 2\nsteps = 6\nintegrator = heun\ncommon-noise = 0.1\n' > stopped.ini
stopped=(--input stopped.ini)
setup 75 "${command[@]}" "${stopped[@]}" --stop-after-steps 3
for change in "--beta 3" "--model usa" "--query 2,0,0,0,1,0,0,0,1" "--step-size 0.01" \
              "--integrator euler --common-noise 0" "--common-noise 0.2" "--seed 5" \
              "--engine ring" "--engine-precision float" "--causal" "--tokens 21"; do
  # shellcheck disable=SC2086 # the change is several words
  expect_rejected "restart with $change" "${stopped[@]}" --restart run.chk $change
done
rm -rf stopped.ini run.chk run.h5.partial run.xdmf run.csv run.input.ini
# No output may destroy an input or a file the user did not ask to replace (issue 14). These
# cases name their own output.
command=("$app" --quiet)
printf 'tokens = 8\nsteps = 1\n' > in.ini
expect_rejected "output equal to the input file" --input in.ini --output in.ini
expect_rejected "output equal to the input file through ./" --input in.ini --output ./in.ini --overwrite
ln -s in.ini link.h5
expect_rejected "output equal to the input file through a link" --input in.ini --output link.h5 --overwrite
"$app" --quiet --output start.h5 --dimension 2 --tokens 8 --steps 1 >/dev/null 2>&1 || { echo "FAIL could not make start.h5"; failures=$((failures + 1)); }
expect_rejected "output equal to the initial file" --dimension 2 --tokens 8 --steps 1 --initial file --initial-file start.h5 --output start.h5 --overwrite
expect_rejected "sidecar of the output equal to the initial file" --dimension 2 --tokens 8 --steps 1 --initial file --initial-file start.h5 --output start.csv --overwrite
expect_rejected "empty output" --output ""
expect_rejected "output named like its XDMF sidecar" --tokens 8 --steps 1 --output run.xdmf
expect_rejected "output named like its CSV sidecar" --tokens 8 --steps 1 --output run.csv
echo "unrelated" > other.csv
expect_rejected "a CSV beside a new output" --tokens 8 --steps 1 --output other.h5
expect_rejected "an output path too long for MPI-IO" --tokens 8 --steps 1 --output "$(printf 'x%.0s' $(seq 1 230)).h5"
ln -s in.ini target.h5.partial
expect_rejected "a partial name that is a symbolic link" --tokens 8 --steps 1 --output target.h5 --overwrite
rm -f in.ini link.h5 start.h5 start.xdmf start.csv other.csv target.h5.partial
command=("$app" --quiet --output run.h5)
# Transformer layers (README "Transformer layers with MLP blocks"): combinations that cannot mean
# what was asked.
expect_rejected "MLP with a deterministic integrator" --mlp relu --integrator rk4
expect_rejected "--layers with --steps" --layers 10 --steps 10
expect_rejected "--layers with --step-size" --layers 10 --step-size 0.1
expect_rejected "--layers with rk4" --layers 10 --integrator rk4
expect_rejected "--substeps without an MLP block" --substeps 4 --integrator heun
expect_rejected "--substeps with the layer scheme" --mlp relu --substeps 4 --integrator layer
expect_rejected "MLP width without an MLP block" --mlp-width 64
expect_rejected "attention sign 2" --attention-sign 2
expect_rejected "tracked pair outside the tokens" --tokens 8 --track-pair 3,8
# A stopped MLP run refuses a restart that changes the block, or the step through the horizon.
printf 'tokens = 12\ndimension = 5\nmlp = relu\nmlp-width = 32\nlayers = 8\nfinal-time = 1\n' > stopped.ini
setup 75 "${command[@]}" "${stopped[@]}" --stop-after-steps 3
for change in "--mlp tanh" "--mlp-width 64" "--mlp-bias-u 0.1" "--attention-sign 0" \
              "--final-time 2" "--layers 16" "--integrator heun"; do
  # shellcheck disable=SC2086 # the change is several words
  expect_rejected "MLP restart with $change" "${stopped[@]}" --restart run.chk $change
done
rm -rf stopped.ini run.chk run.h5.partial run.xdmf run.csv run.input.ini
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

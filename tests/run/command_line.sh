#!/usr/bin/env bash
# The command line of every app (issues 13 and 14), one table of cases: --version prints the
# version, the compiler and the library versions and exits 0; --help lists only options the app
# accepts (each one listed with a default is accepted at that default); positional arguments,
# values with a line break, input files that are directories, binary or name another input file,
# and absurd sizes are refused with one line, exit status 2 and no file written (checksums of the
# directory before and after, expect_rejected.sh); PETSc options of the continuum are read or
# refused, and -help does not run the job; -log_view shows attnflow's own events.
# Usage: command_line.sh DIRECTORY-OF-THE-APPS
set -u
apps="$1"
app="$apps/attnflow-particles"
source "$(dirname "${BASH_SOURCE[0]}")/expect_rejected.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
names=(particles continuum compare theory longcontext sensor benchmark)

# expect_accepted WHAT ARGS...: "${command[@]}" ARGS... exits 0.
expect_accepted() {
  local what="$1"; shift
  checks=$((checks + 1))
  if "${command[@]}" "$@" >stdout.txt 2>stderr.txt; then
    echo "ok   $what"
  else
    echo "FAIL $what: status $?: $(head -c 300 stderr.txt)"
    failures=$((failures + 1))
  fi
  rm -f stdout.txt stderr.txt
}

# --version: three lines, exit 0, nothing written.
for name in "${names[@]}"; do
  checks=$((checks + 1))
  before="$(directory_state)"
  text="$("$apps/attnflow-$name" --version 2>&1)"
  status=$?
  after="$(directory_state)"
  if [ "$status" -eq 0 ] && [ "$(echo "$text" | wc -l)" -eq 3 ] && [ "$before" = "$after" ] &&
     echo "$text" | head -1 | grep -qE "^attnflow-$name [0-9]+\.[0-9]+\.[0-9]+ \(git " &&
     echo "$text" | grep -q "^compiler: " &&
     echo "$text" | grep -qE "MPI .*PETSc [0-9.]+, HDF5 [0-9.]+"; then
    echo "ok   attnflow-$name --version: $(echo "$text" | tr '\n' ';')"
  else
    echo "FAIL attnflow-$name --version (status $status): $text"
    failures=$((failures + 1))
  fi
done

# The same refusals in every app (OptionSet::parse).
mkdir directory.ini
printf 'seed = 1\0\n' > binary.ini
printf 'input = other.ini\n' > nested.ini
printf 'seed = 1\n' > other.ini
for name in "${names[@]}"; do
  command=("$apps/attnflow-$name")
  expect_rejected "$name: positional argument" extra
  expect_rejected "$name: positional argument after options" --input other.ini extra
  expect_rejected "$name: input file name with a newline" --input $'other.ini\nbeta = 100'
  expect_rejected "$name: input file that is a directory" --input directory.ini
  expect_rejected "$name: input file with NUL bytes" --input binary.ini
  expect_rejected "$name: input file naming another input file" --input nested.ini
done
rm -rf directory.ini binary.ini nested.ini other.ini

# Echoed values with a line break, in the apps that echo their input into outputs.
command=("$apps/attnflow-particles" --quiet --tokens 8 --steps 1)
expect_rejected "particles: checkpoint directory with a newline" --checkpoint-directory $'run.chk\nbeta = 100'
expect_rejected "particles: output with a newline" --output $'run\n.h5'
expect_rejected "particles: matrix with a newline" --dimension 2 --query $'1 0\n0 1'
command=("$apps/attnflow-continuum" --quiet --dimension 2 --cells 16 --final-time 0.1)
expect_rejected "continuum: output with a carriage return" --output $'run.h5\r'
command=("$apps/attnflow-compare")
expect_rejected "compare: output with a newline" --particles p.h5 --continuum c.h5 --output $'a\nb.csv'
command=("$apps/attnflow-longcontext")
expect_rejected "longcontext: output with a newline" --output $'a\nb.csv'
command=("$apps/attnflow-sensor")
expect_rejected "sensor: output with a newline" --output $'a\nb.csv'

# --help lists only what the app accepts: every option shown with a default is accepted at it.
# (The particle app's options are covered by its own runs; theory and the continuum registered
# options they then refused.)
help_defaults() {  # "--name value" per line for the options --help shows with "(=value)"
  "$1" --help | sed -n 's/^ *--\([a-z-]*\) arg (=\([^)]*\)).*/--\1 \2/p'
}
command=("$apps/attnflow-theory")
while read -r option value; do
  expect_accepted "theory accepts $option at its default $value" "$option" "$value"
done < <(help_defaults "$apps/attnflow-theory")
command=("$apps/attnflow-continuum" --quiet --final-time 0.1 --refine 1 --output run.h5 --overwrite)
while read -r option value; do
  case "$option" in --refine|--final-time|--output) continue ;; esac
  expect_accepted "continuum accepts $option at its default $value" "$option" "$value"
done < <(help_defaults "$apps/attnflow-continuum")
rm -rf run.h5 run.xdmf run.csv run.input.ini run.chk
for option in --causal --common-noise --independent-noise --beta-scale --beta-exponent --beta-law; do
  checks=$((checks + 1))
  if "$apps/attnflow-continuum" --help | grep -q -- "$option "; then
    echo "FAIL continuum --help lists $option, which it refuses"; failures=$((failures + 1))
  else
    echo "ok   continuum --help does not list $option"
  fi
done
checks=$((checks + 1))
if "$apps/attnflow-continuum" --help | grep -q "interaction engine: direct | spectral | large-beta$"; then
  echo "ok   continuum --help lists the engines it accepts"
else
  echo "FAIL continuum --help engines: $("$apps/attnflow-continuum" --help | grep 'interaction engine')"
  failures=$((failures + 1))
fi
for option in --query --key --value --causal --common-noise --independent-noise; do
  checks=$((checks + 1))
  if "$apps/attnflow-theory" --help | grep -q -- "$option "; then
    echo "FAIL theory --help lists $option, which it refuses"; failures=$((failures + 1))
  else
    echo "ok   theory --help does not list $option"
  fi
done
command=("$apps/attnflow-continuum" --quiet --dimension 2 --cells 16 --final-time 0.1)
expect_rejected "continuum: causal mask (not an option)" --causal
expect_rejected "theory: query matrix (not an option)" --query "1 0 0 0 1 0 0 0 1"

# Sizes: d*d overflow, the matrices' memory, the tokens' and cells' memory (before allocating).
command=("$apps/attnflow-particles" --quiet --steps 1)
expect_rejected "dimension beyond the d*d bound" --dimension 1000000
expect_rejected "dimension whose matrices exceed the memory" --dimension 46000
expect_rejected "tokens beyond the memory (1e12)" --tokens 1000000000000
expect_rejected "tokens beyond the memory (2.2e9)" --tokens 2200000000
command=("$apps/attnflow-theory")
expect_rejected "theory: dimension beyond the d*d bound" --dimension 1000000
command=("$apps/attnflow-continuum" --quiet --dimension 2 --final-time 0.1)
expect_rejected "continuum: cells beyond the memory" --cells 1000000000000

# PETSc options of the continuum: applied, or refused with one line.
command=("$apps/attnflow-continuum" --quiet --dimension 2 --cells 16 --final-time 0.1)
expect_rejected "PETSc option without the prefix" -ts_type ssp
expect_rejected "misspelled PETSc option" -continuum_ts_ssp_typ rks3
expect_rejected "bad PETSc value (unknown type)" -continuum_ts_type bogus
expect_rejected "bad PETSc value (not an integer)" -continuum_ts_max_steps many
expect_rejected "bad PETSc value (SSP type)" -continuum_ts_ssp_type bogus
expect_rejected "bad PETSc value (no SSP stages)" -continuum_ts_ssp_nstages 0
expect_rejected "bad PETSc value (missing options file)" -options_file missing-options.txt
expect_accepted "a PETSc option that is read" -continuum_ts_ssp_type rks3 --output run.h5
rm -rf run.h5 run.xdmf run.csv run.input.ini run.chk
checks=$((checks + 1))
before="$(directory_state)"
help_text="$("${command[@]}" --output run.h5 -help 2>&1)"
status=$?
after="$(directory_state)"
if [ "$status" -eq 0 ] && [ "$before" = "$after" ] && grep -q -- "-continuum_ts_ssp_type" <<<"$help_text" &&
   grep -q "the run was not started" <<<"$help_text"; then
  echo "ok   -help lists the PETSc options and does not run"
else
  echo "FAIL -help: status $status, files changed: $([ "$before" != "$after" ] && echo yes || echo no)"
  failures=$((failures + 1))
fi

# -log_view attributes attnflow's phases (PETSc log events registered by parallel::LogEvent).
log="$("$apps/attnflow-continuum" --quiet --dimension 2 --cells 16 --final-time 0.1 --output run.h5 -log_view 2>&1)"
rm -rf run.h5 run.xdmf run.csv run.input.ini run.chk
for event in velocity reconstruction communication output; do
  checks=$((checks + 1))
  if grep -qE "^attnflow $event +[1-9][0-9]* " <<<"$log"; then
    echo "ok   -log_view has the event 'attnflow $event'"
  else
    echo "FAIL -log_view has no event 'attnflow $event'"
    failures=$((failures + 1))
  fi
done

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]

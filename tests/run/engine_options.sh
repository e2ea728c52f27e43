#!/usr/bin/env bash
# The continuum solver accepts every interaction-engine option the particle solver accepts (one
# registration, interaction::add_engine_options), and runs with each engine and precision the
# particles offer on the circle and the sphere, or refuses it with one line and exit status 2
# where the combination cannot work.
# Usage: engine_options.sh path/to/attnflow-particles path/to/attnflow-continuum
set -u
particles="$1"
continuum="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
checks=0
engine_options() { "$1" --help | grep -oE -- '--engine[a-z-]*' | sort -u; }
particle_options="$(engine_options "$particles")"
continuum_options="$(engine_options "$continuum")"
checks=$((checks + 1))
if [ -z "$particle_options" ] || [ "$particle_options" != "$continuum_options" ]; then
  echo "FAIL engine options differ: particles [$particle_options] continuum [$continuum_options]"
  failures=$((failures + 1))
else
  echo "ok   both accept: $(echo $particle_options)"
fi
engines="$("$particles" --help | sed -n 's/.*interaction engine: \([a-z |-]*\).*/\1/p' | tr -d ' ' | tr '|' ' ')"
for engine in $engines; do
  for precision in double float; do
    for domain in "--dimension 2 --cells 64" "--dimension 3 --refine 1"; do
      checks=$((checks + 1))
      # shellcheck disable=SC2086 # the domain is several words
      "$continuum" --quiet $domain --final-time 0.2 --engine "$engine" --engine-precision "$precision" \
        --engine-tolerance 1e-9 --output "run.h5" --overwrite >out.txt 2>err.txt
      status=$?
      # Float arithmetic exists for the direct and ring engines only, so the spectral and
      # large-beta engines refuse it (exit 2), like the particle solver does; the ring engine
      # needs the targets to be the sources, so the continuum (targets: the cell faces) refuses it.
      expected=0
      if [ "$precision" = float ] && [ "$engine" != direct ]; then expected=2; fi
      if [ "$engine" = ring ]; then expected=2; fi
      if [ "$status" -ne "$expected" ]; then
        echo "FAIL continuum $domain --engine $engine --engine-precision $precision: status $status"
        cat err.txt
        failures=$((failures + 1))
      else
        echo "ok   continuum $domain --engine $engine --engine-precision $precision: status $status"
      fi
    done
  done
done
echo "$((checks - failures)) of $checks passed"
[ "$failures" -eq 0 ]

#!/usr/bin/env bash
# attnflow-longcontext's contract for bad input: exit status 2, one line on stderr, no file
# created or changed (expect_rejected.sh); then a good run's input sidecar (first.input.ini),
# read back as an input file, reproduces the same table, and the table is a plain CSV (header
# first, no comment lines). Usage: bad_input.sh APP
app="$1"
source "$(dirname "${BASH_SOURCE[0]}")/../run/expect_rejected.sh"
command=("$app" --output out.csv)
expect_rejected "d < 2" --dimension 1
expect_rejected "unknown key law" --key-law gaussian
expect_rejected "sub-sphere wider than the sphere" --key-law subsphere --subsphere-dimension 4
expect_rejected "vmf mean of the wrong dimension" --key-law vmf --vmf-means "1 0"
expect_rejected "unknown sampler" --sampler exact
expect_rejected "nearest sampler with vmf keys" --sampler nearest --key-law vmf --keys 1000 --scales 1
expect_rejected "nearest sampler in the subcritical regime" --sampler nearest --keys 1e12 --scales 1e-6 --exponents 1
expect_rejected "poisson sampler with --keys" --sampler poisson --keys 100
expect_rejected "one query" --queries 1
expect_rejected "no keys" --keys 0
expect_rejected "fractional key count" --keys 10.5
expect_rejected "negative scale" --scales=-1
expect_rejected "tolerance 0" --sampler nearest --keys 1000 --scales 1 --exponents 1 --tolerance 0
expect_rejected "top 0" --top 0
expect_rejected "bins 0" --bins 0
expect_rejected "not a number" --queries many
expect_rejected "unknown option" --no-such-option 3
expect_rejected "missing input file" --input does-not-exist.ini
touch out.csv
expect_rejected "existing output without --overwrite" --keys 10 --queries 2 --scales 1
rm -f out.csv
touch dist.csv
expect_rejected "existing distributions without --overwrite" --keys 10 --queries 2 --scales 1 --distributions dist.csv
rm -f dist.csv

checks=$((checks + 1))
"$app" --output first.csv --keys "50 200" --queries 5 --scales "0.5 2" --top 2 >/dev/null 2>&1
cp first.input.ini rerun.ini
"$app" --input rerun.ini --output second.csv >/dev/null 2>&1
# Column 13 is the measured seconds per query; everything else must agree to the bit.
table() { cut -d, -f1-12,14- "$1"; }
if [ -s first.csv ] && grep -q '^dimension = 3$' first.input.ini && ! grep -q '^#' first.csv &&
   [ "$(head -c 10 first.csv)" = "dimension," ] && [ "$(table first.csv)" == "$(table second.csv)" ]; then
  echo "ok   rerun from the echoed input gives the same table (timing column aside)"
else
  echo "FAIL rerun from the echoed input"; failures=$((failures + 1))
fi
echo "$((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]

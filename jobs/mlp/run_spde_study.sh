#!/bin/bash
# The Monte Carlo study behind tests/continuum/spde_diffusion_test.cpp (docs/mathematics.md
# section 9.4, issue 10): the noise-averaged degree-2 mode of the SPDE, attention off, against
# a e^{-kappa(1) l(l+d-2) T/2} = a e^{-1}, for layer lengths h = 0.04, 0.02, 0.01 on three grids
# (circle 64, 128, 256 cells; sphere refinements 1, 2, 3), the same seeds on every grid and h:
# the grid error (each grid minus the finest, per realisation) and the time-discretisation bias
# (the finest grid's mean minus the prediction, as h falls) behind the test's tolerance.
# Usage: [REALISATIONS=2000] [RANKS=2] [DIMENSIONS="2 3"] jobs/mlp/run_spde_study.sh [build-dir] [output-file]
# The ensemble is the same at any rank count (each realisation runs on one rank), so a rerun
# reproduces the file.
set -euo pipefail
build=${1:-build}
output=${2:-jobs/mlp/results/spde_diffusion.txt}
tool=$build/tests/continuum/test_continuum_spde_diffusion
[[ -x $tool ]] || { echo "run_spde_study.sh: error: $tool not built (target test_continuum_spde_diffusion)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ranks=${RANKS:-2}
realisations=${REALISATIONS:-2000}
temporary=$(mktemp "${output}.XXXXXX")
trap 'rm -f "$temporary"' EXIT
say() { echo "$*" | tee -a "$temporary"; }
say "# attnflow SPDE diffusion study $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown), $ranks ranks, $realisations realisations"
for d in ${DIMENSIONS:-2 3}; do
  SPDE_STUDY_DIMENSION=$d SPDE_STUDY_REALISATIONS=$realisations \
    mpiexec -n "$ranks" --oversubscribe "$tool" "[.study]" --use-colour no | grep -v "^$\|===\|passed\|Filters\|assertions" | tee -a "$temporary"
done
mv "$temporary" "$output"
trap - EXIT
echo "run_spde_study.sh: wrote $output"

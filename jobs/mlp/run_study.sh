#!/bin/bash
# The longer Monte Carlo measurements behind tests/mlp/dynamics_test.cpp (docs/mathematics.md section 9, issue 10):
# 1. one token, attention off: E<X_T, X_0> against e^{-kappa(1)(d-1)T/2} plus the derived step
#    bias (tests/mlp/step_bias.hpp), layer scheme and Heun, L = 8 .. 64 layers over T = 4;
# 2. two tokens: lambda_1 (E ln r) and lambda_bar (E r^2) from runs against docs/mathematics.md section 9 for relu,
#    gelu, silu, sigmoid and tanh with biases at d = 16 (L = 20, 40, 80: the derived step bias and
#    what it leaves), the paper's table rows (d = 5 and 64), and Heun at the same settings.
# Usage: [SCALE=1] [RANKS=2] [SECTIONS="1 2a 2b"] jobs/mlp/run_study.sh [build-dir] [output-file]
# (SCALE=0.1 for a quick pass; SECTIONS picks parts.)
# Every line prints the measurement, its standard error, the theory, the derived bias and the
# z-scores; seeds are fixed, so a rerun reproduces the file on any machine and rank count.
set -euo pipefail
build=${1:-build}
output=${2:-jobs/mlp/results/study.txt}
tool=$build/tests/mlp/mlp_study
[[ -x $tool ]] || { echo "run_study.sh: error: $tool not built (target mlp_study)" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ranks=${RANKS:-2}
scale=${SCALE:-1}
sections=" ${SECTIONS:-1 2a 2b} "
section() { [[ $sections == *" $1 "* ]]; }
count() { awk -v n="$1" -v s="$scale" 'BEGIN { printf "%d", n * s }'; }
temporary=$(mktemp "${output}.XXXXXX")
trap 'rm -f "$temporary"' EXIT
say() { echo "$*" | tee -a "$temporary"; }
run() { say "\$ mlp_study $*"; mpiexec -n "$ranks" --oversubscribe "$tool" "$@" | tee -a "$temporary"; }

say "# attnflow MLP study $(date -u +%Y-%m-%dT%H:%M:%SZ), revision $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown), $ranks ranks, scale $scale"
if section 1; then
say "## 1. One-point law (attention off): tanh d=5 sigma_U=0.3 sigma_W=0.2 m=64, T = 4"
for integrator in layer heun; do
  for layers in 8 16 32 64; do
    run --mode one-point --integrator "$integrator" --activation tanh --dimension 5 --width 64 \
      --bias-u 0.3 --bias-w 0.2 --layers "$layers" --horizon 4 --realisations "$(count 40000)"
  done
done
fi
if section 2a; then
say "## 2a. Two-token exponents at d = 16, m = 16, T = 0.4 / (kappa(1) + kappa'(1))"
for setting in "relu 0.2 0.2 3.3" "sigmoid 0.2 0.1 1.3" "tanh 0.3 0.2 2.0" "gelu 0.2 0.1 6.8" \
               "silu 0.2 0.1 7.3"; do
  set -- $setting
  for integrator in layer heun; do
    for layers in 20 40 80; do
      run --mode exponents --integrator "$integrator" --activation "$1" --dimension 16 --width 16 \
        --bias-u "$2" --bias-w "$3" --layers "$layers" --horizon "$4" --realisations "$(count 4000)"
    done
  done
done
fi
if section 2b; then
say "## 2b. The paper's table rows (sigma_U = sigma_W = s), layer scheme, kappa(1) d h <= 0.1 (and 0.05)"
for setting in "relu 5 0 2.0 80" "relu 64 0.1 13 200" "relu 64 0.1 13 400" "sigmoid 5 0 1.5 80" \
               "tanh 64 0.1 8.1 200" "tanh 64 0.1 8.1 400"; do
  set -- $setting
  run --mode exponents --integrator layer --activation "$1" --dimension "$2" --width 16 \
    --bias-u "$3" --bias-w "$3" --layers "$5" --horizon "$4" --realisations "$(count 2000)"
done
fi
mv "$temporary" "$output"
trap - EXIT

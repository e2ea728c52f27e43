#!/bin/bash
# The longer Monte Carlo measurements behind tests/mlp/dynamics_test.cpp (docs/mathematics.md section 9, issue 10):
# 1. one token, attention off: E<X_T, X_0> against e^{-kappa(1)(d-1)T/2} plus the derived step
#    bias (tests/mlp/step_bias.hpp), layer scheme and Heun, L = 8 .. 64 layers over T = 4;
# 2. two tokens: lambda_1 (E ln r) and lambda_bar (E r^2) from runs against docs/mathematics.md section 9 for relu,
#    gelu, silu, sigmoid and tanh with biases at d = 16 (L = 20, 40, 80: the derived step bias and
#    what it leaves), the paper's table rows (d = 5 and 64), and Heun at the same settings.
# 3. the paper's depth study (arXiv 2604.26898; README "Transformer layers with MLP blocks"):
#    attnflow-particles runs of N = 64 iid tokens, L = 150 layers over T = 5, beta = 1,
#    d in {5, 64, 128}, sigma_U = sigma_W in {0, 0.1}, relu, silu, sigmoid, tanh and no MLP,
#    attention sign +1, 0, -1, SEEDS seeds each; jobs/mlp/depth_study.py averages them into
#    pairwise-cosine and E_A curves against depth and fits the energy decay rates against
#    lambda_bar'(beta) and lambda_bar (results in jobs/mlp/results/depth_*);
# 4. the S^3 figure: N = 64 tokens, d = 4, L = 2000 layers over T = 20, attention off, m = 2048,
#    relu against tanh with zero biases (one point against an antipodal pair);
# 5. the study at scale: N = TOKENS (1e5) tokens on S^2 on RANKS ranks, spectral attention at
#    beta = 20 (metastable clusters), layer scheme h = 0.2 to T = HORIZON, logarithmic
#    diagnostics (cluster count against log depth): no MLP, relu and tanh (odd) with zero biases,
#    m = WIDTH, seed 1; jobs/mlp/depth_study.py writes jobs/mlp/results/scale_clusters_n<N>.*
#    (its log: jobs/mlp/results/scale_study.txt unless output-file is given);
# 6. the coercive contrast at scale: no MLP block is coercive on S^2 (lambda_bar = 2 kappa'(1) > 0
#    at d = 3), so section 5's runs again on S^3 (d = 4), where relu with sigma_U = sigma_W = 0.5
#    is coercive (lambda_bar = -0.125): N = TOKENS (1e4) tokens on RANKS ranks, direct attention
#    (no spectral engine at d = 4), beta = 20, the same layer scheme, diagnostics and seed, no MLP
#    and that relu block, and that block again from the no-MLP run's last state (its metastable
#    clusters); jobs/mlp/results/scale_clusters_d4_n<N>.* (its log:
#    jobs/mlp/results/scale_coercive_study.txt unless output-file is given).
# Usage: [SCALE=1] [RANKS=2] [SECTIONS="1 2a 2b"] [SEEDS="1 2 3 4"] [WIDTH=256] [RUNS=dir]
#        [TOKENS=100000 (section 5), 10000 (6)] [HORIZON=200] jobs/mlp/run_study.sh [build-dir]
#        [output-file]
# (SCALE=0.1 for a quick pass; SECTIONS picks parts; sections 3 and 4 run attnflow-particles on
# one rank, write their HDF5 runs to RUNS (default build-dir/mlp_depth_runs), their CSVs and PNGs
# to jobs/mlp/results/, and their log to jobs/mlp/results/depth_study.txt unless output-file is
# given: SECTIONS="3 4" jobs/mlp/run_study.sh build took 556 s + 49 s wall on one rank of the
# shared 2-core machine at load 5-7, 2026-12-01; section 5 runs on RANKS ranks, and
# SECTIONS=5 took 2663 s wall there at load 6-12; finished runs are reused unless FRESH=1.)
# Every line prints the measurement, its standard error, the theory, the derived bias and the
# z-scores; seeds are fixed, so a rerun reproduces the file on any machine and rank count.
set -euo pipefail
build=${1:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ranks=${RANKS:-2}
scale=${SCALE:-1}
sections=" ${SECTIONS:-1 2a 2b} "
section() { [[ $sections == *" $1 "* ]]; }
monte_carlo=false
for part in 1 2a 2b; do section "$part" && monte_carlo=true; done
depth=false
for part in 3 4 5 6; do section "$part" && depth=true; done
if $monte_carlo; then
  output=${2:-jobs/mlp/results/study.txt}
  tool=$build/tests/mlp/mlp_study
  [[ -x $tool ]] || { echo "run_study.sh: error: $tool not built (target mlp_study)" >&2; exit 2; }
elif section 3 || section 4; then
  output=${2:-jobs/mlp/results/depth_study.txt}
elif section 5; then
  output=${2:-jobs/mlp/results/scale_study.txt}
else
  output=${2:-jobs/mlp/results/scale_coercive_study.txt}
fi
if $depth; then
  particles=$build/apps/attnflow-particles
  [[ -x $particles ]] ||
    { echo "run_study.sh: error: $particles not built (target attnflow-particles)" >&2; exit 2; }
  runs=${RUNS:-$build/mlp_depth_runs}
  mkdir -p "$runs"
  seeds=${SEEDS:-1 2 3 4}
  width=${WIDTH:-256}
  results=$(dirname "$output")
fi
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
# One particle run per line of "name options...": RUNS/name.h5 (skipped when it exists and
# FRESH is unset, so an interrupted study resumes; reused says which), started by the command in
# the array launch (empty: one rank).
launch=()
particle_run() {
  local name=$1
  shift
  reused=true
  [[ -z ${FRESH:-} && -f $runs/$name.h5 ]] && return 0
  reused=false
  "${launch[@]}" "$particles" --quiet --overwrite --output "$runs/$name.h5" "$@"
}
if section 3; then
say "## 3. The paper's depth study: N = 64 iid tokens, L = 150 layers over T = 5, beta = 1, m = $width, seeds $seeds"
say "\$ attnflow-particles --tokens 64 --dimension d --beta 1 [--mlp a --mlp-width $width --mlp-bias-u s --mlp-bias-w s] --attention-sign c --layers 150 --final-time 5 --output-every E --seed k"
say "#   (E = 5 layers for d = 5, 64 and 10 for d = 128, where the phase columns cost 0.1 s a row)"
started=$SECONDS
for dimension in 5 64 128; do
  every=5
  [[ $dimension -ge 128 ]] && every=10
  for sign in 1 0 -1; do
    for activation in none relu silu sigmoid tanh; do
      for bias in 0 0.1; do
        [[ $activation == none && $bias != 0 ]] && continue
        block=()
        [[ $activation != none ]] &&
          block=(--mlp "$activation" --mlp-width "$width" --mlp-bias-u "$bias" --mlp-bias-w "$bias")
        for seed in $seeds; do
          particle_run "grid_d${dimension}_${activation}_s${bias}_a${sign}_seed${seed}" \
            --tokens 64 --dimension "$dimension" --beta 1 "${block[@]}" --attention-sign "$sign" \
            --layers 150 --final-time 5 --output-every "$every" --snapshot-every 150 --seed "$seed"
        done
      done
    done
  done
  say "#   d = $dimension done after $((SECONDS - started)) s"
done
fi
if section 4; then
say "## 4. S^3: N = 64, d = 4, L = 2000 layers over T = 20, attention off, m = 2048, zero biases, seeds $seeds"
say "\$ attnflow-particles --tokens 64 --dimension 4 --beta 1 --mlp relu|tanh --mlp-width 2048 --attention-sign 0 --layers 2000 --final-time 20 --output-every 20 --snapshot-every 500 --seed k"
started=$SECONDS
for activation in relu tanh; do
  for seed in $seeds; do
    particle_run "sphere_${activation}_seed${seed}" --tokens 64 --dimension 4 --beta 1 \
      --mlp "$activation" --mlp-width 2048 --attention-sign 0 --layers 2000 --final-time 20 \
      --output-every 20 --snapshot-every 500 --seed "$seed"
  done
done
say "#   done after $((SECONDS - started)) s"
fi
# The scale studies (sections 5 and 6): N = tokens, beta = 20, the layer scheme h = 0.2 to
# T = horizon, logarithmic diagnostics, cluster tolerance 1e-5, seed 1, on RANKS ranks.
horizon=${HORIZON:-200}
layers=$(awk -v t="$horizon" 'BEGIN { printf "%d", t / 0.2 + 0.5 }')
scale_command="--beta 20 --integrator layer --step-size 0.2 --final-time $horizon --output-times logarithmic --output-first-time 0.2 --output-factor 1.3 --snapshot-factor 10 --cluster-tolerance 1e-5 --seed 1"
# scale_run name label options...: one run of a scale study, its wall time (or reuse) logged.
scale_run() {
  local name=$1 label=$2 started=$SECONDS
  shift 2
  launch=(mpiexec -n "$ranks" --oversubscribe)
  particle_run "$name" --tokens "$tokens" "$@" $scale_command
  launch=()
  if $reused; then say "#   $label: reused $runs/$name.h5"
  else say "#   $label: $((SECONDS - started)) s wall"; fi
}
if section 5; then
tokens=${TOKENS:-100000}
say "## 5. At scale: N = $tokens on S^2, $ranks ranks, spectral attention, beta = 20, L = $layers layers over T = $horizon (h = 0.2), m = $width, zero biases, seed 1"
say "\$ mpiexec -n $ranks attnflow-particles --tokens $tokens --dimension 3 --engine spectral [--mlp relu|tanh --mlp-width $width] $scale_command"
for activation in none relu tanh; do
  block=()
  [[ $activation != none ]] && block=(--mlp "$activation" --mlp-width "$width")
  scale_run "scale_n${tokens}_${activation}" "$activation" --dimension 3 --engine spectral \
    "${block[@]}"
done
fi
if section 6; then
tokens=${TOKENS:-10000}
coercive=(--mlp relu --mlp-width "$width" --mlp-bias-u 0.5 --mlp-bias-w 0.5)
say "## 6. Coercive contrast at scale: N = $tokens on S^3, $ranks ranks, direct attention, beta = 20, L = $layers layers over T = $horizon (h = 0.2), no MLP and relu m = $width, sigma_U = sigma_W = 0.5, seed 1"
say "\$ mpiexec -n $ranks attnflow-particles --tokens $tokens --dimension 4 --engine direct [${coercive[*]}] $scale_command"
scale_run "scale_d4_n${tokens}_none" none --dimension 4 --engine direct
scale_run "scale_d4_n${tokens}_relu" "relu, sigma_U = sigma_W = 0.5" --dimension 4 \
  --engine direct "${coercive[@]}"
say "#   and the same relu block from the no-MLP run's last state: --initial file --initial-file RUNS/scale_d4_n${tokens}_none.h5"
scale_run "scale_d4_n${tokens}_relu_metastable" "relu from the no-MLP run's last state" \
  --dimension 4 --engine direct "${coercive[@]}" --initial file \
  --initial-file "$runs/scale_d4_n${tokens}_none.h5"
fi
if $depth; then
  say "\$ /usr/bin/python3 jobs/mlp/depth_study.py $runs $results"
  /usr/bin/python3 "$(dirname "$0")/depth_study.py" "$runs" "$results" | tee -a "$temporary"
fi
mv "$temporary" "$output"
trap - EXIT

#!/usr/bin/env bash
# The three phases of the moderate regime (docs/mathematics.md section 10; arXiv 2509.25040):
#   alignment  S^2, V = [[1,-1/2,0],[1/2,1,0],[0,0,0]] (M = V): the mass outside the leading plane
#              of M decays like e^{-2 (Re lambda_1 - Re lambda_3) t} = e^{-2t} at beta = infinity,
#              the plane turns at Im lambda_1 = 1/2 (a uniform ring: b I_1(beta)/I_0(beta));
#   heat       circle, forward heat V = -I from a wrapped normal of deviation s (the variance grows
#              by 2/beta per unit time: it doubles at beta s^2 / 2), and backward heat V = I from
#              iid tokens (modes grow at gamma_k of attnflow-theory, clusters near ln N/(2 gamma_max));
#   pairing    circle, V = I, adaptive steps and logarithmic output times: the cluster list and the
#              merge log (cluster_log.py), each merge against the asymptotic time of section 10.3,
#              and the staircase E_A e^{-beta} and cluster count against log t.
# phase_analysis.py then writes the PNGs, phase_results.csv (measured against predicted) and
# phase_results.txt.
# Usage: SIZE=tiny|paper|large jobs/phases/run_phase_study.sh [build-dir] [out-dir]
#   tiny  (default, seconds): the same runs, small;
#   paper (minutes): the paper's figures: alignment N = 1e4, beta = 30; forward heat 5e4 tokens,
#         beta = 50; backward heat 5e4 tokens, beta = 50; pairing N = 128, beta = 8 to t = 1e5;
#   large (about 17 minutes on 2 loaded cores): N = 1e6, beta = N^alpha for ALPHAS (default
#         "1/4 1/3 1/2"): alignment on S^2 (spectral below beta = 0.3 sqrt(N), large-beta above, the
#         README's engine table) to ALIGNMENT_TIME, and backward heat on the circle (spectral) to
#         HEAT_TIME; positions are analysed from the snapshots (the diagnostics rows cost ~30 s
#         each at this N); no pairing (its times are e^{c beta}: see the README).
# RANKS (default 1; large: 2) ranks per run. Wall times go to wall_times.csv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
size="${SIZE:-tiny}"
out="${2:-$here/results/$size}"
app="$build/apps/attnflow-particles"
theory="$build/apps/attnflow-theory"
plane="1 -0.5 0 0.5 1 0 0 0 0"
case "$size" in
  tiny | paper | large) ;;
  *) echo "run_phase_study.sh: error: SIZE=$size: unknown size; accepted: tiny, paper, large" >&2
     exit 2 ;;
esac
mkdir -p "$out"
: > "$out/runs.txt"
echo "name,wall_seconds" > "$out/wall_times.csv"

# run NAME KIND OPTIONS...: one particle run to $out/NAME.h5, listed in runs.txt with its kind,
# its wall time in wall_times.csv.
run() {
  local name=$1 kind=$2; shift 2
  local start; start=$(date +%s.%N)
  mpiexec -n "$ranks" "$app" --quiet --overwrite --output "$out/$name.h5" "$@"
  echo "$name,$(echo "$(date +%s.%N) - $start" | bc)" >> "$out/wall_times.csv"
  echo "$kind $name" >> "$out/runs.txt"
}
# gamma NAME BETA-OPTIONS...: the circle's linear growth rates and t* for the run NAME.
gamma() {
  local name=$1; shift
  "$theory" --dimension 2 --model sa "$@" > "$out/$name.theory.txt"
}
# alignment NAME TOKENS ENGINE STEP FINAL OUTPUT-EVERY SNAPSHOT-EVERY BETA-OPTIONS...
alignment() {
  local name=$1 tokens=$2 engine=$3 step=$4 final=$5 rows=$6 snapshots=$7; shift 7
  run "$name" alignment --tokens "$tokens" --dimension 3 --value "$plane" --engine "$engine" \
      --engine-tolerance "$tolerance" --integrator "$integrator" --step-size "$step" \
      --final-time "$final" --output-every "$rows" --snapshot-every "$snapshots" \
      --skip-pair-diagnostics "$@"
}
# forward_heat NAME TOKENS BETA DEVIATION STEP FINAL
forward_heat() {
  local name=$1 tokens=$2 beta=$3 deviation=$4 step=$5 final=$6
  run "$name" forward_heat --tokens "$tokens" --dimension 2 --beta "$beta" --value "-1 0 0 -1" \
      --initial wrapped-normal --wrapped-deviations "$deviation" --engine spectral \
      --integrator rk4 --step-size "$step" --final-time "$final" --output-every 2 \
      --snapshot-every 1000000 --skip-pair-diagnostics
}
# clustering NAME TOKENS STEP FINAL SNAPSHOT-EVERY BETA-OPTIONS...: backward heat from iid tokens.
clustering() {
  local name=$1 tokens=$2 step=$3 final=$4 snapshots=$5; shift 5
  gamma "$name" --tokens "$tokens" "$@"
  run "$name" clustering --tokens "$tokens" --dimension 2 --engine spectral \
      --engine-tolerance "$tolerance" --integrator "$integrator" --step-size "$step" \
      --final-time "$final" --output-every 1000000 --snapshot-every "$snapshots" \
      --skip-pair-diagnostics "$@"
}
# pairing NAME TOKENS BETA FINAL
pairing() {
  local name=$1 tokens=$2 beta=$3 final=$4
  run "$name" pairing --tokens "$tokens" --dimension 2 --beta "$beta" --adaptive-tolerance 1e-7 \
      --step-size 20 --final-time "$final" --output-times logarithmic --output-first-time 0.1 \
      --output-factor 1.2 --snapshot-factor 1.2
  /usr/bin/python3 "$here/cluster_log.py" "$out/$name.h5" > /dev/null
}

tolerance=1e-10 integrator=rk4 ranks="${RANKS:-1}"
case "$size" in
  tiny)
    alignment alignment 300 direct 0.02 4 10 50 --beta 30
    forward_heat forward_heat 2000 50 0.3 0.1 6
    clustering clustering 2000 0.1 12 5 --beta 50
    pairing pairing 64 12 3000 ;;
  paper)
    alignment alignment 10000 spectral 0.05 4 4 4 --beta 30
    forward_heat forward_heat 50000 50 0.3 0.1 10
    clustering clustering 50000 0.1 12 2 --beta 50
    pairing pairing 128 8 100000 ;;
  large)
    tolerance=1e-6 integrator=heun ranks="${RANKS:-2}"
    tokens=1000000 step=0.25
    for alpha in ${ALPHAS:-1/4 1/3 1/2}; do
      exponent=$(awk "BEGIN { printf \"%.15g\", $alpha }") label=${alpha//\//_}
      engine=$(awk -v a="$exponent" -v n="$tokens" \
        'BEGIN { print (exp(a * log(n)) > 0.3 * sqrt(n) ? "large-beta" : "spectral") }')
      beta_options=(--beta-scale 1 --beta-exponent "$exponent")
      alignment "alignment_alpha_$label" "$tokens" "$engine" "$step" "${ALIGNMENT_TIME:-1.5}" \
          1000000 1 "${beta_options[@]}"
      clustering "clustering_alpha_$label" "$tokens" "$step" "${HEAT_TIME:-12}" 2 \
          "${beta_options[@]}"
    done ;;
esac
/usr/bin/python3 "$here/phase_analysis.py" "$out"

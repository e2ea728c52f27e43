#!/bin/bash
# Forward heat on the circle (issue 11; docs/mathematics.md sections 4.2, 7.3, 10.2): SA with
# V = -I, beta = 20, from (1 + eps cos(k t)) / (2 pi), eps = 0.2, k = 2, to T = 10 (|m_2| falls
# from 0.1 to 0.016). Particles (N = 1e4, quantile placement, spectral engine, RK4 h = 0.1) against
# the continuum at M = 128 and 256 cells; the continuum, not the heat formula, is the reference.
#
# Error sources of W1(particles, continuum):
# - sampling: quantile particles are the exact flow of their own (spectrally accurate, midpoint
#   rule) field and the 1-D flow keeps their order, so W1(particles, exact) = pi / (2N) at every
#   time (docs/mathematics.md section 7.1), up to relative O(N^-2);
# - grid: the second-order MUSCL continuum's CDF is off by delta = O(M^-2). While |delta| <
#   1/(2N) it only tilts the particles' sawtooth: on each particle's interval
#   int |saw + delta| = int |saw| + N delta^2 ..., so W1 = pi/(2N) + N int delta^2 >= pi/(2N),
#   and the excess falls like M^{-2p} (p the grid order: 16x per doubling for p = 2).
# Checked at every matched time: W1 >= pi/(2N) (1 - 1e-6), and the excess at 2M within
# [1/32, 1/8] of the excess at M (observed order of delta in [1.5, 2.5]); so
# W1(2M) <= pi/(2N) + (W1(M) - pi/(2N)) / 8 is the tolerance.
# The mode |m_2| of quantile particles is exact to rounding, so |m_2| particles minus continuum is
# the grid error itself (it includes the cell-centre quadrature of the diagnostic, (k h)^2/24):
# its observed order at T in [1.5, 2.5].
# The heat formula (eps/2) e^{-k^2 T / beta} is the beta -> infinity limit of the linear decay
# (eps/2) e^{-gamma_k T}, gamma_k = k^2 I_k(beta) / (beta I_0(beta)) (attnflow-theory; V = -I
# turns section 4.2's growth into decay). 1 - I_k/I_0 = k^2/(2 beta) (1 - 1/(2 beta)) + ...:
# the heat formula decays faster, by ln(m_2 / heat) = (k^2/beta - gamma_k) T ~ k^4 T / (2 beta^2)
# = 0.2. Checked for both solvers: ln(m_2 / linear) within eps^2/4 (the mode's cubic
# self-interaction, relative O((eps/2)^2)) plus the grid error; ln(m_2 / heat) at least 10 times
# that tolerance.
# Arguments: attnflow-particles attnflow-continuum attnflow-compare attnflow-theory directory
set -u
particles=$1 continuum=$2 compare=$3 theory=$4 directory=$5
rm -rf "$directory" && mkdir -p "$directory" || exit 1
beta=20 mode=2 amplitude=0.2 final_time=10 tokens=10000 step=0.1 coarse=128 fine=256
steps=100 every=20 interval=2
model=(--dimension 2 --model sa --beta "$beta" --value=-1,0,0,-1
       --initial circle-density --density-amplitude "$amplitude" --density-mode "$mode")

"$particles" "${model[@]}" --tokens "$tokens" --placement quantile --engine spectral \
  --integrator rk4 --step-size "$step" --steps "$steps" --snapshot-every "$every" \
  --output-every "$every" --skip-pair-diagnostics --output "$directory/particles.h5" --quiet ||
  { echo "FAIL: particle run"; exit 1; }
for cells in $coarse $fine; do
  "$continuum" "${model[@]}" --cells "$cells" --final-time "$final_time" \
    --output-interval "$interval" --output "$directory/continuum_$cells.h5" --quiet ||
    { echo "FAIL: continuum run at $cells cells"; exit 1; }
  "$compare" --particles "$directory/particles.h5" --continuum "$directory/continuum_$cells.h5" \
    --output "$directory/comparison_$cells.csv" > /dev/null ||
    { echo "FAIL: attnflow-compare at $cells cells"; exit 1; }
done
gamma=$("$theory" --dimension 2 --model sa --beta "$beta" --max-degree "$mode" |
  awk -v k="$mode" '$1 == k { print $2 }')
[ -n "$gamma" ] || { echo "FAIL: no gamma_$mode from attnflow-theory"; exit 1; }

# column FILE NAME: the values of one CSV column (header by name, '#' lines skipped), one a line.
column() {
  awk -F, -v name="$2" '/^#/ { next }
    !found { for (i = 1; i <= NF; ++i) if ($i == name) found = i; next }
    { print $found }' "$1"
}
last() { column "$1" "$2" | tail -1; }

paste -d' ' <(column "$directory/comparison_$coarse.csv" time) \
  <(column "$directory/comparison_$coarse.csv" wasserstein_1) \
  <(column "$directory/comparison_$fine.csv" wasserstein_1) > "$directory/distances.txt"
awk -v N="$tokens" -v coarse="$coarse" -v fine="$fine" '
  BEGIN { sampling = atan2(1, 1) * 2 / N; status = 0
          printf "sampling error pi/(2N) = %.6e\n", sampling
          printf "%6s %14s %14s %12s %12s %7s\n", "time", "W1(" coarse ")", "W1(" fine ")",
                 "excess(" coarse ")", "excess(" fine ")", "order" }
  { coarse_excess = $2 - sampling; fine_excess = $3 - sampling
    order = fine_excess > 0 && coarse_excess > 0 ? log(coarse_excess / fine_excess) / log(2) / 2 : -1
    printf "%6g %14.8e %14.8e %12.4e %12.4e %7.3f\n", $1, $2, $3, coarse_excess, fine_excess, order
    if ($2 < sampling * (1 - 1e-6) || $3 < sampling * (1 - 1e-6)) {
      print "FAIL: W1 below the sampling error pi/(2N) at time " $1; status = 1 }
    if (order < 1.5 || order > 2.5) {
      print "FAIL: W1 excess over pi/(2N) does not fall like M^-4 (grid order " order ") at time " $1
      status = 1 }
    ++rows }
  END { if (rows < 6) { print "FAIL: " rows " matched times, expected 6"; status = 1 }
        exit status }' "$directory/distances.txt" || exit 1

awk -v eps="$amplitude" -v k="$mode" -v beta="$beta" -v T="$final_time" -v gamma="$gamma" \
    -v coarse_difference="$(last "$directory/comparison_$coarse.csv" fourier_modulus_2_difference)" \
    -v fine_difference="$(last "$directory/comparison_$fine.csv" fourier_modulus_2_difference)" \
    -v continuum_mode="$(last "$directory/continuum_$fine.csv" fourier_modulus_2)" \
    -v particle_mode="$(last "$directory/particles.csv" fourier_modulus_2)" \
    -v particle_time="$(last "$directory/particles.csv" time)" '
  function abs(x) { return x < 0 ? -x : x }
  BEGIN {
    status = 0
    if (abs(particle_time - T) > 1e-9) { print "FAIL: particle run ends at " particle_time; exit 1 }
    order = log(abs(coarse_difference) / abs(fine_difference)) / log(2)
    printf "|m_%d| particles - continuum at T = %g: %.4e (M coarse), %.4e (M fine), order %.3f\n",
           k, T, coarse_difference, fine_difference, order
    if (!(order >= 1.5 && order <= 2.5)) { print "FAIL: grid order of |m_k| outside [1.5, 2.5]"; status = 1 }
    linear = eps / 2 * exp(-gamma * T); heat = eps / 2 * exp(-k * k / beta * T)
    correction = (k * k / beta - gamma) * T
    tolerance = eps * eps / 4 + abs(fine_difference) / continuum_mode
    printf "gamma_%d = %.8g, heat rate k^2/beta = %g: relative shortfall %.4f (k^2/(2 beta) = %g)\n",
           k, gamma, k * k / beta, 1 - gamma * beta / (k * k), k * k / (2 * beta)
    printf "|m_%d(T)|: continuum %.8f, particles %.8f, linear %.8f, heat %.8f\n",
           k, continuum_mode, particle_mode, linear, heat
    printf "ln(m/heat) predicted (k^2/beta - gamma_k) T = %.4f (leading k^4 T/(2 beta^2) = %.4f); tolerance %.4f\n",
           correction, k ^ 4 * T / (2 * beta * beta), tolerance
    split("continuum particles", name, " "); value["continuum"] = continuum_mode
    value["particles"] = particle_mode
    for (i = 1; i <= 2; ++i) {
      m = value[name[i]]
      printf "%s: ln(m/linear) = %.3e, ln(m/heat) = %.4f\n", name[i], log(m / linear), log(m / heat)
      if (abs(log(m / linear)) > tolerance) { print "FAIL: " name[i] " off the linear decay"; status = 1 }
      if (abs(log(m / heat) - correction) > tolerance) { print "FAIL: " name[i] " heat deviation off (k^2/beta - gamma_k) T"; status = 1 }
      if (log(m / heat) < 10 * tolerance) { print "FAIL: " name[i] " not clearly off the heat formula"; status = 1 }
    }
    exit status }' || exit 1
echo "forward heat: particles match the continuum within pi/(2N) plus the grid error; both differ from the heat formula by (k^2/beta - gamma_k) T"

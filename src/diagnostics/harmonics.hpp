#pragma once
// Empirical moments of a token cloud: Fourier moments on the circle and orthonormal real spherical
// harmonics on S^2, the quantities whose growth MATH.md section 4 predicts.
#include <complex>
#include <span>
#include <vector>

namespace attnflow::diagnostics {

// Real orthonormal spherical harmonics Y_lm(x), l = 0..max_degree, m = -l..l, at a unit vector x
// in R^3, stored at index l*l + l + m. Normalisation: int_{S^2} Y_lm Y_l'm' dsigma = delta delta,
// so Y_00 = 1/sqrt(4 pi) and sum_m Y_lm(x)^2 = (2l+1)/(4 pi) (the addition theorem). m > 0 uses
// sqrt(2) cos(m phi), m < 0 sqrt(2) sin(|m| phi); no Condon-Shortley phase. The associated
// Legendre functions come from the fully normalised three-term recurrence in l (stable for all
// degrees used here), with the sin^m(theta) e^{i m phi} factor taken as (x + i y)^m so that the
// poles need no special case.
void real_spherical_harmonics(std::span<const double> x, int max_degree, std::span<double> values);

// Harmonic power C_l = (1/(2l+1)) sum_m |a_lm|^2 with a_lm = (1/N) sum_j Y_lm(x_j), l = 0..max_degree,
// summed over `points` (count x 3, row-major) in order; `token_count` = N. For one point mass
// C_l = 1/(4 pi) for every l; for the uniform density C_0 = 1/(4 pi) and C_l = 0 for l >= 1; for N iid
// uniform tokens E C_l = 1/(4 pi N) for l >= 1.
std::vector<double> harmonic_power(std::span<const double> points, double token_count, int max_degree);

// |m_k| for k = 1..max_mode with m_k = (1/N) sum_j e^{-i k t_j}, x_j = (cos t_j, sin t_j), summed
// over `points` (count x 2) in order.
std::vector<double> fourier_moduli(std::span<const double> points, double token_count, int max_mode);

}  // namespace attnflow::diagnostics

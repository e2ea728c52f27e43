#pragma once
// The harmonic bases of the domains, the one implementation used by the diagnostics, the
// spectral engine, the continuum's initial densities and moments: real orthonormal spherical
// harmonics on S^2 and Fourier moments on the circle (docs/mathematics.md sections 4 and 5).
//
// Y_lm(x), l = 0..L, m = -l..l, at a unit vector x in R^3, stored at index l*l + l + m.
// Normalisation: int_{S^2} Y_lm Y_l'm' dsigma = delta delta, so Y_00 = 1/sqrt(4 pi) and
// sum_m Y_lm(x)^2 = (2l+1)/(4 pi) (the addition theorem). m > 0 uses sqrt(2) cos(m phi), m < 0
// sqrt(2) sin(|m| phi); no Condon-Shortley phase. The associated Legendre functions come from the
// fully normalised three-term recurrence in l (stable for all degrees used here), with the
// sin^m(theta) e^{i m phi} factor taken as (x + i y)^m so that the poles need no special case.
#include <cstddef>
#include <span>
#include <vector>

namespace attnflow::domain {

// The recurrence coefficients tabulated once per degree L; evaluate() fills (L+1)^2 values.
class SphericalHarmonics {
 public:
  explicit SphericalHarmonics(int degree);
  int degree() const { return degree_; }
  std::size_t size() const { return static_cast<std::size_t>(degree_ + 1) * (degree_ + 1); }
  void evaluate(const double* x, double* values) const;
  // Four points at once (x: 4 x 3 row-major; values[s * 4 + b] = Y_s(x_b)): the recurrences run
  // side by side in vector registers.
  static constexpr int batch = 4;
  void evaluate_batch(const double* x, double* values) const;

 private:
  int degree_;
  std::vector<double> diagonal_;  // y_mm = normalised P_m^m / sin^m
  std::vector<double> a_, b_;     // three-term recurrence in l, index l^2 + l + m (m >= 0)
};

// One point's Y_lm, l <= degree (values.size() >= (degree + 1)^2).
void real_spherical_harmonics(std::span<const double> x, int degree, std::span<double> values);

// The sums behind the moments, for weighted points summed by the caller over any distribution
// (empty weights: weight 1 each): sums[l^2 + l + m] += w_j Y_lm(x_j) (points count x 3), and
// sums[2(k-1)], sums[2(k-1)+1] += w_j (Re, Im) e^{-i k t_j}, k = 1..K (points count x 2).
void add_harmonic_sums(std::span<const double> points, std::span<const double> weights,
                       const SphericalHarmonics& harmonics, std::span<double> sums);
void add_fourier_sums(std::span<const double> points, std::span<const double> weights,
                      int max_mode, std::span<double> sums);
// C_l, l = 0..L, and |m_k|, k = 1..K, from the summed sums and the total weight.
std::vector<double> harmonic_power_of_sums(std::span<const double> sums, double total,
                                           int max_degree);
std::vector<double> fourier_moduli_of_sums(std::span<const double> sums, double total,
                                           int max_mode);

// Harmonic power C_l = (1/(2l+1)) sum_m |a_lm|^2 with a_lm = (1/N) sum_j Y_lm(x_j), l = 0..L,
// summed over `points` (count x 3, row-major) in order; `token_count` = N. For one point mass
// C_l = 1/(4 pi) for every l; for the uniform density C_0 = 1/(4 pi) and C_l = 0 for l >= 1; for
// N iid uniform tokens E C_l = 1/(4 pi N) for l >= 1.
std::vector<double> harmonic_power(std::span<const double> points, double token_count, int max_degree);

// |m_k| for k = 1..K with m_k = (1/N) sum_j e^{-i k t_j}, x_j = (cos t_j, sin t_j), summed over
// `points` (count x 2) in order.
std::vector<double> fourier_moduli(std::span<const double> points, double token_count, int max_mode);

}  // namespace attnflow::domain

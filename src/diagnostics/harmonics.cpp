#include "diagnostics/harmonics.hpp"

#include <cmath>
#include <numbers>

namespace attnflow::diagnostics {

void real_spherical_harmonics(std::span<const double> x, int max_degree, std::span<double> values) {
  const int L = max_degree;
  const double z = x[2];
  // q[l][m]: the fully normalised associated Legendre function divided by sin^m(theta).
  std::vector<double> q((L + 1) * (L + 1), 0.0);
  auto at = [L](int l, int m) { return l * (L + 1) + m; };
  q[at(0, 0)] = 1.0 / std::sqrt(4.0 * std::numbers::pi);
  for (int m = 1; m <= L; ++m)
    q[at(m, m)] = std::sqrt((2.0 * m + 1.0) / (2.0 * m)) * q[at(m - 1, m - 1)];
  for (int m = 0; m < L; ++m) {
    q[at(m + 1, m)] = std::sqrt(2.0 * m + 3.0) * z * q[at(m, m)];
    for (int l = m + 2; l <= L; ++l) {
      const double a = std::sqrt((4.0 * l * l - 1.0) / (double(l) * l - double(m) * m));
      const double b = std::sqrt((double(l - 1) * (l - 1) - double(m) * m) /
                                 (4.0 * (l - 1) * (l - 1) - 1.0));
      q[at(l, m)] = a * (z * q[at(l - 1, m)] - b * q[at(l - 2, m)]);
    }
  }
  // (x + i y)^m = sin^m(theta) e^{i m phi}.
  const std::complex<double> xy(x[0], x[1]);
  std::complex<double> power(1.0, 0.0);
  for (int m = 0; m <= L; ++m) {
    for (int l = m; l <= L; ++l) {
      if (m == 0) {
        values[l * l + l] = q[at(l, 0)];
      } else {
        values[l * l + l + m] = std::numbers::sqrt2 * q[at(l, m)] * power.real();
        values[l * l + l - m] = std::numbers::sqrt2 * q[at(l, m)] * power.imag();
      }
    }
    power *= xy;
  }
}

std::vector<double> harmonic_power(std::span<const double> points, double token_count, int max_degree) {
  const int L = max_degree;
  const std::size_t count = points.size() / 3;
  std::vector<double> sums((L + 1) * (L + 1), 0.0), values(sums.size());
  for (std::size_t j = 0; j < count; ++j) {
    real_spherical_harmonics(points.subspan(3 * j, 3), L, values);
    for (std::size_t k = 0; k < sums.size(); ++k) sums[k] += values[k];
  }
  std::vector<double> power(L + 1, 0.0);
  for (int l = 0; l <= L; ++l) {
    double s = 0;
    for (int m = -l; m <= l; ++m) {
      const double a = sums[l * l + l + m] / token_count;
      s += a * a;
    }
    power[l] = s / (2.0 * l + 1.0);
  }
  return power;
}

std::vector<double> fourier_moduli(std::span<const double> points, double token_count, int max_mode) {
  const std::size_t count = points.size() / 2;
  std::vector<std::complex<double>> sums(max_mode, 0.0);
  for (std::size_t j = 0; j < count; ++j) {
    // e^{-i t} from the point itself (normalised, so drift off the circle does not leak in).
    const double r = std::hypot(points[2 * j], points[2 * j + 1]);
    const std::complex<double> unit(points[2 * j] / r, -points[2 * j + 1] / r);
    std::complex<double> power = unit;
    for (int k = 0; k < max_mode; ++k) {
      sums[k] += power;
      power *= unit;
    }
  }
  std::vector<double> moduli(max_mode);
  for (int k = 0; k < max_mode; ++k) moduli[k] = std::abs(sums[k]) / token_count;
  return moduli;
}

}  // namespace attnflow::diagnostics

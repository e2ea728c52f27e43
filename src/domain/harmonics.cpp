#include "domain/harmonics.hpp"

#include <cmath>
#include <complex>
#include <cstring>
#include <numbers>

#include "simd/lanes.hpp"

namespace attnflow::domain {

SphericalHarmonics::SphericalHarmonics(int degree) : degree_(degree) {
  diagonal_.resize(degree + 1);
  a_.assign(size(), 0.0);
  b_.assign(size(), 0.0);
  diagonal_[0] = 1.0 / std::sqrt(4 * std::numbers::pi);
  for (int m = 1; m <= degree; ++m)
    diagonal_[m] = diagonal_[m - 1] * std::sqrt((2.0 * m + 1) / (2.0 * m));
  for (int m = 0; m <= degree; ++m)
    for (int l = m + 2; l <= degree; ++l) {
      const double l2 = static_cast<double>(l) * l, m2 = static_cast<double>(m) * m;
      a_[l * l + l + m] = std::sqrt((4 * l2 - 1) / (l2 - m2));
      b_[l * l + l + m] = std::sqrt(((l - 1.0) * (l - 1.0) - m2) / (4 * (l - 1.0) * (l - 1.0) - 1));
    }
}

void SphericalHarmonics::evaluate(const double* x, double* values) const {
  // Normalised associated Legendre functions divided by sin^m(theta) (polynomials in
  // z = cos theta), times Re / Im (x_0 + i x_1)^m = sin^m(theta) (cos, sin)(m phi); no angles.
  const double z = x[2];
  const double sqrt2 = std::numbers::sqrt2;
  double power_re = 1, power_im = 0;  // (x_0 + i x_1)^m
  for (int m = 0; m <= degree_; ++m) {
    if (m > 0) {
      const double re = power_re * x[0] - power_im * x[1];
      power_im = power_re * x[1] + power_im * x[0];
      power_re = re;
    }
    double previous = 0, current = diagonal_[m];
    const double cosine = sqrt2 * power_re, sine = sqrt2 * power_im;
    for (int l = m; l <= degree_; ++l) {
      const int centre = l * l + l;
      if (l == m + 1) {
        previous = current;
        current = std::sqrt(2.0 * m + 3) * z * current;
      } else if (l > m + 1) {
        const double next = a_[centre + m] * (z * current - b_[centre + m] * previous);
        previous = current;
        current = next;
      }
      if (m == 0) {
        values[centre] = current;
      } else {
        values[centre + m] = current * cosine;
        values[centre - m] = current * sine;
      }
    }
  }
}

using simd::load4;
using simd::splat;
using simd::store4;
using simd::Vec4;
static_assert(SphericalHarmonics::batch == 4);

void SphericalHarmonics::evaluate_batch(const double* x, double* values) const {
  constexpr int B = batch;
  const Vec4 x0{x[0], x[3], x[6], x[9]}, x1{x[1], x[4], x[7], x[10]};
  const Vec4 z{x[2], x[5], x[8], x[11]};
  Vec4 power_re = splat(1.0), power_im = splat(0.0);
  for (int m = 0; m <= degree_; ++m) {
    if (m > 0) {
      const Vec4 re = power_re * x0 - power_im * x1;
      power_im = power_re * x1 + power_im * x0;
      power_re = re;
    }
    Vec4 previous = splat(0.0), current = splat(diagonal_[m]);
    const Vec4 cosine = std::numbers::sqrt2 * power_re, sine = std::numbers::sqrt2 * power_im;
    for (int l = m; l <= degree_; ++l) {
      const int centre = l * l + l;
      if (l == m + 1) {
        previous = current;
        current = std::sqrt(2.0 * m + 3) * z * current;
      } else if (l > m + 1) {
        const Vec4 next = a_[centre + m] * (z * current - b_[centre + m] * previous);
        previous = current;
        current = next;
      }
      if (m == 0) {
        store4(values + centre * B, current);
      } else {
        store4(values + (centre + m) * B, current * cosine);
        store4(values + (centre - m) * B, current * sine);
      }
    }
  }
}

void real_spherical_harmonics(std::span<const double> x, int degree, std::span<double> values) {
  SphericalHarmonics(degree).evaluate(x.data(), values.data());
}

void add_harmonic_sums(std::span<const double> points, std::span<const double> weights,
                       const SphericalHarmonics& harmonics, std::span<double> sums) {
  std::vector<double> values(harmonics.size());
  for (std::size_t j = 0; j < points.size() / 3; ++j) {
    harmonics.evaluate(points.data() + 3 * j, values.data());
    if (weights.empty()) {
      for (std::size_t h = 0; h < values.size(); ++h) sums[h] += values[h];
    } else {
      for (std::size_t h = 0; h < values.size(); ++h) sums[h] += weights[j] * values[h];
    }
  }
}

void add_fourier_sums(std::span<const double> points, std::span<const double> weights,
                      int max_mode, std::span<double> sums) {
  for (std::size_t j = 0; j < points.size() / 2; ++j) {
    // e^{-i t} from the point itself (normalised, so drift off the circle does not leak in).
    const double r = std::hypot(points[2 * j], points[2 * j + 1]);
    const std::complex<double> unit(points[2 * j] / r, -points[2 * j + 1] / r);
    std::complex<double> power = unit;
    for (int k = 0; k < max_mode; ++k) {
      const std::complex<double> term = weights.empty() ? power : weights[j] * power;
      sums[2 * k] += term.real();
      sums[2 * k + 1] += term.imag();
      power *= unit;
    }
  }
}

std::vector<double> harmonic_power_of_sums(std::span<const double> sums, double total,
                                           int max_degree) {
  std::vector<double> power(max_degree + 1, 0.0);
  for (int l = 0; l <= max_degree; ++l) {
    double s = 0;
    for (int m = -l; m <= l; ++m) {
      const double a = sums[l * l + l + m] / total;
      s += a * a;
    }
    power[l] = s / (2.0 * l + 1.0);
  }
  return power;
}

std::vector<double> fourier_moduli_of_sums(std::span<const double> sums, double total,
                                           int max_mode) {
  std::vector<double> moduli(max_mode);
  for (int k = 0; k < max_mode; ++k)
    moduli[k] = std::abs(std::complex<double>(sums[2 * k], sums[2 * k + 1])) / total;
  return moduli;
}

std::vector<double> harmonic_power(std::span<const double> points, double token_count,
                                   int max_degree) {
  const SphericalHarmonics harmonics(max_degree);
  std::vector<double> sums(harmonics.size(), 0.0);
  add_harmonic_sums(points, {}, harmonics, sums);
  return harmonic_power_of_sums(sums, token_count, max_degree);
}

std::vector<double> fourier_moduli(std::span<const double> points, double token_count,
                                   int max_mode) {
  std::vector<double> sums(2 * max_mode, 0.0);
  add_fourier_sums(points, {}, max_mode, sums);
  return fourier_moduli_of_sums(sums, token_count, max_mode);
}

}  // namespace attnflow::domain

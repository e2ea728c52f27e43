#include "continuum/spherical_harmonics.hpp"

#include <cmath>
#include <numbers>

namespace attnflow::continuum {

double real_spherical_harmonic(std::span<const double> x, int degree, int order) {
  const int m = order < 0 ? -order : order;
  const double z = x[2];
  const double s = std::hypot(x[0], x[1]);
  // Fully normalised associated Legendre functions by the three-term recurrence in l, which is
  // stable (the unnormalised one overflows for large l).
  double p_mm = std::sqrt(1.0 / (4 * std::numbers::pi));
  for (int k = 1; k <= m; ++k) p_mm *= std::sqrt((2.0 * k + 1) / (2.0 * k)) * s;
  double value = p_mm;
  if (degree > m) {
    double previous = p_mm;
    double current = std::sqrt(2.0 * m + 3) * z * p_mm;
    for (int l = m + 2; l <= degree; ++l) {
      const double a = std::sqrt((4.0 * l * l - 1) / (static_cast<double>(l) * l - m * m));
      const double b = std::sqrt(((l - 1.0) * (l - 1.0) - m * m) / (4.0 * (l - 1.0) * (l - 1.0) - 1));
      const double next = a * (z * current - b * previous);
      previous = current;
      current = next;
    }
    value = current;
  }
  if (m == 0) return value;
  const double phi = std::atan2(x[1], x[0]);
  return std::sqrt(2.0) * value * (order > 0 ? std::cos(m * phi) : std::sin(m * phi));
}

}  // namespace attnflow::continuum

#include "geometry/sphere.hpp"

#include <cmath>
#include <stdexcept>

#include "config/error.hpp"

namespace attnflow::geometry {

double dot(std::span<const double> a, std::span<const double> b) {
  double sum = 0;
  for (std::size_t k = 0; k < a.size(); ++k) sum += a[k] * b[k];
  return sum;
}

double norm(std::span<const double> a) { return std::sqrt(dot(a, a)); }

void project_tangent(std::span<const double> x, std::span<double> y) {
  const double c = dot(x, y);
  for (std::size_t k = 0; k < x.size(); ++k) y[k] -= c * x[k];
}

void normalise(std::span<double> x) {
  const double n = norm(x);
  if (!(n > 0) || !std::isfinite(n))
    throw std::domain_error("cannot normalise a zero or non-finite vector");
  for (auto& v : x) v /= n;
}

void normalise_rows(std::span<double> points, int dimension) {
  for (std::size_t i = 0; i < points.size(); i += dimension)
    normalise(points.subspan(i, dimension));
}

double max_norm_defect(std::span<const double> points, int dimension) {
  double worst = 0;
  for (std::size_t i = 0; i < points.size(); i += dimension)
    worst = std::max(worst, std::abs(norm(points.subspan(i, dimension)) - 1.0));
  return worst;
}

std::vector<std::int64_t> nearest_centres(std::span<const double> points,
                                          std::span<const double> centres, int dimension) {
  const std::size_t d = std::size_t(dimension);
  const std::size_t n = points.size() / d, m = centres.size() / d;
  config::require(m > 0, "nearest centres: no cells");
  std::vector<std::int64_t> nearest(n);
  for (std::size_t i = 0; i < n; ++i) {
    double best = -INFINITY;
    std::size_t index = 0;
    for (std::size_t c = 0; c < m; ++c) {
      double inner = 0;
      for (std::size_t k = 0; k < d; ++k) inner += points[i * d + k] * centres[c * d + k];
      if (inner > best) {
        best = inner;
        index = c;
      }
    }
    nearest[i] = std::int64_t(index);
  }
  return nearest;
}

}  // namespace attnflow::geometry

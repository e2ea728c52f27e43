#include "geometry/sphere.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "errors/errors.hpp"

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

namespace {

// The inner product of the nearest-centre search, one expression for every path (this file is
// compiled without FMA contraction: src/CMakeLists.txt), so that the grid search and the brute
// force compare the same numbers and break ties alike.
double inner3(const double* x, const double* c) { return x[0] * c[0] + x[1] * c[1] + x[2] * c[2]; }

// Unit vectors (cells x 3) bucketed in a uniform grid over the cube [-1, 1]^3. On the sphere the
// largest inner product is the smallest chord |x - c| = sqrt(2 - 2 <x, c>), a Euclidean nearest
// neighbour: buckets are searched in shells of growing Chebyshev radius around the point's bucket
// until the unsearched shells, at least radius * bucket size away, are farther than the best chord.
// Buckets of about two centre spacings hold a few centres each, so a search usually ends after
// the 27 buckets of radius 1: O(1) per point after O(cells) set-up.
class CentreGrid {
 public:
  explicit CentreGrid(std::span<const double> centres) : centres_(centres) {
    const double cells = double(centres.size() / 3);
    constexpr int largest_count = 96;  // at most ~9e5 buckets, whatever the number of centres
    size_ = std::max(2.0 / largest_count, 2 * std::sqrt(4 * std::numbers::pi / cells));
    count_ = std::max(1, int(std::ceil(2 / size_)));
    start_.assign(std::size_t(count_) * count_ * count_ + 1, 0);
    std::vector<std::size_t> bucket_of(centres.size() / 3);
    for (std::size_t c = 0; c < bucket_of.size(); ++c) {
      bucket_of[c] = index(bucket(centres[3 * c]), bucket(centres[3 * c + 1]), bucket(centres[3 * c + 2]));
      ++start_[bucket_of[c] + 1];
    }
    for (std::size_t b = 1; b < start_.size(); ++b) start_[b] += start_[b - 1];
    items_.resize(bucket_of.size());
    std::vector<std::int64_t> fill(start_.begin(), start_.end() - 1);
    for (std::size_t c = 0; c < bucket_of.size(); ++c) items_[std::size_t(fill[bucket_of[c]]++)] = std::int64_t(c);
  }

  // The centre with the largest inner product with x (ties: the smallest index), as the brute
  // force finds it.
  std::int64_t nearest(const double* x) const {
    if (!std::isfinite(x[0]) || !std::isfinite(x[1]) || !std::isfinite(x[2])) return 0;
    const int bx = bucket(x[0]), by = bucket(x[1]), bz = bucket(x[2]);
    double best = -INFINITY;
    std::int64_t found = -1;
    for (int radius = 0; radius <= count_; ++radius) {
      for (int i = std::max(0, bx - radius); i <= std::min(count_ - 1, bx + radius); ++i)
        for (int j = std::max(0, by - radius); j <= std::min(count_ - 1, by + radius); ++j)
          for (int k = std::max(0, bz - radius); k <= std::min(count_ - 1, bz + radius); ++k) {
            if (std::max({std::abs(i - bx), std::abs(j - by), std::abs(k - bz)}) != radius) continue;
            const std::size_t b = index(i, j, k);
            for (std::int64_t n = start_[b]; n < start_[b + 1]; ++n) {
              const std::int64_t c = items_[std::size_t(n)];
              const double inner = inner3(x, centres_.data() + 3 * c);
              if (inner > best || (inner == best && c < found)) {
                best = inner;
                found = c;
              }
            }
          }
      // Unsearched centres are >= radius * size_ away; the margin covers rounding (~1e-16) and
      // keeps every centre tied with the best within the searched shells.
      if (found >= 0 && radius * size_ > std::sqrt(std::max(0.0, 2 - 2 * best)) + 1e-9) break;
    }
    return found < 0 ? 0 : found;
  }

 private:
  int bucket(double coordinate) const {
    return std::clamp(int(std::floor((coordinate + 1) / size_)), 0, count_ - 1);
  }
  std::size_t index(int i, int j, int k) const {
    return (std::size_t(i) * std::size_t(count_) + std::size_t(j)) * std::size_t(count_) + std::size_t(k);
  }

  std::span<const double> centres_;
  double size_ = 2;
  int count_ = 1;
  std::vector<std::int64_t> start_, items_;
};

}  // namespace

std::vector<std::int64_t> nearest_centres(std::span<const double> points,
                                          std::span<const double> centres, int dimension) {
  const std::size_t d = std::size_t(dimension);
  const std::size_t n = points.size() / d, m = centres.size() / d;
  errors::require(m > 0, "nearest centres: no cells");
  std::vector<std::int64_t> nearest(n);
  if (dimension == 3) {
    const CentreGrid grid(centres);
    for (std::size_t i = 0; i < n; ++i) nearest[i] = grid.nearest(points.data() + 3 * i);
    return nearest;
  }
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

#include "domain/domain.hpp"

#include <cmath>
#include <complex>
#include <numbers>

#include "domain/harmonics.hpp"
#include "errors/errors.hpp"
#include "geometry/triangles.hpp"

namespace attnflow::domain {

double Domain::measure() const {
  const double half = 0.5 * dimension_;
  return 2 * std::pow(std::numbers::pi, half) / std::tgamma(half);
}

double Domain::mode(std::span<const double>, int, int) const {
  throw errors::InternalError("domain " + name() + ": no harmonic modes");
}

Domain::Location Domain::locate(std::span<const double>, const Cells&) const {
  throw errors::InternalError("domain " + name() + ": no continuum cells to locate points in");
}

namespace {

// S^1 = {(cos t, sin t)}: Fourier moduli |m_k| = |sum_j w_j e^{-i k t_j}| / W, k = 1..16.
class Circle final : public Domain {
 public:
  Circle() : Domain(2) {}
  std::string name() const override { return "circle"; }
  std::vector<std::string> moment_columns() const override {
    std::vector<std::string> names;
    for (int k = 1; k <= fourier_modes; ++k) names.push_back("fourier_modulus_" + std::to_string(k));
    return names;
  }
  std::size_t moment_sum_size() const override { return 2 * fourier_modes; }
  void add_moment_sums(std::span<const double> points, std::span<const double> weights,
                       std::span<double> sums) const override {
    add_fourier_sums(points, weights, fourier_modes, sums);
  }
  std::vector<double> moments(std::span<const double> sums, double total) const override {
    return fourier_moduli_of_sums(sums, total, fourier_modes);
  }
  std::size_t moment_count(int order) const override { return std::size_t(order); }
  double mode(std::span<const double> x, int degree, int order) const override {
    const double theta = std::atan2(x[1], x[0]);
    return order >= 0 ? std::cos(degree * theta) : std::sin(degree * theta);
  }
  Location locate(std::span<const double> points, const Cells& cells) const override {
    Location location;
    const double width = 2 * std::numbers::pi / static_cast<double>(cells.count);
    for (std::size_t j = 0; j + 1 < points.size(); j += 2) {
      double theta = std::atan2(points[j + 1], points[j]);
      if (theta < 0) theta += 2 * std::numbers::pi;
      // theta / width can round up to `count` for an angle just below 2 pi.
      location.cells.push_back(
          std::min<std::int64_t>(static_cast<std::int64_t>(theta / width), cells.count - 1));
    }
    return location;
  }
};

// S^2: harmonic power C_l = (1/(2l+1)) sum_m (a_lm)^2, a_lm = sum_j w_j Y_lm(x_j) / W, l <= 16.
class Sphere final : public Domain {
 public:
  Sphere() : Domain(3), harmonics_(harmonic_degrees) {}
  std::string name() const override { return "sphere"; }
  std::vector<std::string> moment_columns() const override {
    std::vector<std::string> names;
    for (int l = 0; l <= harmonic_degrees; ++l) names.push_back("harmonic_power_" + std::to_string(l));
    return names;
  }
  std::size_t moment_sum_size() const override { return harmonics_.size(); }
  void add_moment_sums(std::span<const double> points, std::span<const double> weights,
                       std::span<double> sums) const override {
    add_harmonic_sums(points, weights, harmonics_, sums);
  }
  std::vector<double> moments(std::span<const double> sums, double total) const override {
    return harmonic_power_of_sums(sums, total, harmonic_degrees);
  }
  std::size_t moment_count(int order) const override { return std::size_t(order) + 1; }
  double mode(std::span<const double> x, int degree, int order) const override {
    std::vector<double> values(std::size_t(degree + 1) * (degree + 1));
    real_spherical_harmonics(x, degree, values);
    return std::sqrt(4 * std::numbers::pi) * values[degree * degree + degree + order];
  }
  Location locate(std::span<const double> points, const Cells& cells) const override {
    const auto found = geometry::containing_triangles(points, cells.centres, cells.vertices);
    return {found.cells, found.unlocated};
  }

 private:
  SphericalHarmonics harmonics_;
};

// S^{d-1}, d >= 4: the particle solver's domain; no moments are reported (none would be cheap
// and interpretable in every dimension) and there is no continuum mesh.
class Hypersphere final : public Domain {
 public:
  explicit Hypersphere(int dimension) : Domain(dimension) {}
  std::string name() const override { return "S^" + std::to_string(dimension() - 1); }
  std::vector<std::string> moment_columns() const override { return {}; }
  std::size_t moment_sum_size() const override { return 0; }
  void add_moment_sums(std::span<const double>, std::span<const double>,
                       std::span<double>) const override {}
  std::vector<double> moments(std::span<const double>, double) const override { return {}; }
};

}  // namespace

std::unique_ptr<Domain> make_domain(int dimension) {
  errors::require(dimension >= 2, "--dimension: must be >= 2 (tokens on S^{d-1}), got " +
                                      std::to_string(dimension));
  if (dimension == 2) return std::make_unique<Circle>();
  if (dimension == 3) return std::make_unique<Sphere>();
  return std::make_unique<Hypersphere>(dimension);
}

}  // namespace attnflow::domain

// Geometry of S^{d-1}: the tangent projection, renormalisation, moments of uniform sampling, and
// the nearest of a set of centres.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "geometry/sphere.hpp"
#include "particles/initial_state.hpp"

using namespace attnflow;

TEST_CASE("P_x y is tangent and P_x is idempotent", "[geometry]") {
  std::vector<double> x = {1, 2, -2, 0.5}, y = {0.3, -1, 4, 2};
  geometry::normalise(x);
  REQUIRE(geometry::norm(x) == Approx(1).epsilon(1e-15));
  auto p = y;
  geometry::project_tangent(x, p);
  REQUIRE(std::abs(geometry::dot(x, p)) < 1e-14);
  auto q = p;
  geometry::project_tangent(x, q);
  for (int k = 0; k < 4; ++k) REQUIRE(q[k] == Approx(p[k]).margin(1e-15));
  // y = P_x y + <x,y> x
  for (int k = 0; k < 4; ++k) REQUIRE(p[k] + geometry::dot(x, y) * x[k] == Approx(y[k]));
}

TEST_CASE("Renormalisation rejects zero and non-finite vectors", "[geometry]") {
  std::vector<double> zero = {0, 0, 0}, bad = {NAN, 1, 0};
  REQUIRE_THROWS_AS(geometry::normalise(zero), std::domain_error);
  REQUIRE_THROWS_AS(geometry::normalise(bad), std::domain_error);
}

TEST_CASE("Uniform samples on S^{d-1} have mean 0 and second moment I/d", "[geometry]") {
  // For uniform x on S^{d-1}: E x = 0, E x x^T = I/d. Each sample entry has variance <= 1, so the
  // sample mean of M draws has standard deviation <= 1/sqrt(M); allow 5 standard deviations.
  const std::int64_t samples = 40000;
  for (int d : {2, 3, 5, 16}) {
    const auto s = particles::uniform_state(samples, d, 7, MPI_COMM_SELF);
    REQUIRE(geometry::max_norm_defect(s.positions, d) < 1e-14);
    std::vector<double> mean(d, 0.0), second(d * d, 0.0);
    for (std::int64_t i = 0; i < samples; ++i)
      for (int a = 0; a < d; ++a) {
        mean[a] += s.positions[i * d + a] / samples;
        for (int b = 0; b < d; ++b)
          second[a * d + b] += s.positions[i * d + a] * s.positions[i * d + b] / samples;
      }
    const double tolerance = 5.0 / std::sqrt(double(samples));
    for (int a = 0; a < d; ++a) {
      REQUIRE(std::abs(mean[a]) < tolerance);
      for (int b = 0; b < d; ++b)
        REQUIRE(std::abs(second[a * d + b] - (a == b ? 1.0 / d : 0.0)) < tolerance);
    }
  }
}

TEST_CASE("nearest centres by largest inner product", "[geometry]") {
  // The six octahedron vertices: a point is nearest the vertex of its largest signed coordinate.
  const std::vector<double> centres = {1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1};
  const double s = 1 / std::sqrt(3.0);
  const std::vector<double> points = {0.9, 0.3, std::sqrt(1 - 0.9), 0.1, -0.99, std::sqrt(1 - 0.99 - 0.01), -s, s * 0.5, -s};
  const auto nearest = geometry::nearest_centres(points, centres, 3);
  REQUIRE(nearest.size() == 3);
  CHECK(nearest[0] == 0);
  CHECK(nearest[1] == 3);
  CHECK(nearest[2] == 1);  // -s ties between -x and -z: the smaller index
}

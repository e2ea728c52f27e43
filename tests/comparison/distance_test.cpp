// Facts about the circle Wasserstein-1 distance and the histogram L1 distance (docs/mathematics.md section 7).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "comparison/distance.hpp"
#include "errors/errors.hpp"

using namespace attnflow;
using namespace attnflow::comparison;

namespace {

constexpr double pi = std::numbers::pi;

// Cells of the density (1 + eps cos(k t)) / (2 pi) on M equal cells: exact masses from the CDF.
CircleMeasure density_cells(int cells_count, double eps, int k) {
  auto cdf = [&](double t) { return (t + eps * std::sin(k * t) / k) / (2 * pi); };
  std::vector<double> edges(static_cast<std::size_t>(cells_count) + 1), masses(static_cast<std::size_t>(cells_count));
  for (int i = 0; i <= cells_count; ++i) edges[std::size_t(i)] = 2 * pi * i / cells_count;
  for (int i = 0; i < cells_count; ++i)
    masses[std::size_t(i)] = cdf(edges[std::size_t(i) + 1]) - cdf(edges[std::size_t(i)]);
  return cells(edges, masses);
}

// Atoms at the quantiles (j + 1/2) / N of the same density (Newton on the CDF).
CircleMeasure quantile_atoms(int n, double eps, int k) {
  std::vector<double> angles(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    const double u = (j + 0.5) / n;
    double t = 2 * pi * u;
    for (int it = 0; it < 60; ++it)
      t -= ((t + eps * std::sin(k * t) / k) / (2 * pi) - u) / ((1 + eps * std::cos(k * t)) / (2 * pi));
    angles[std::size_t(j)] = t;
  }
  return atoms(angles);
}

}  // namespace

TEST_CASE("W1 between identical measures is zero", "[comparison]") {
  const std::vector<double> angles = {0.1, 2.0, 2.0, 5.5, -1.0};
  CHECK(circle_wasserstein(atoms(angles), atoms(angles)) == Approx(0).margin(1e-14));
  const auto c = density_cells(64, 0.5, 3);
  CHECK(circle_wasserstein(c, c) == Approx(0).margin(1e-14));
}

TEST_CASE("W1 of two point masses is their arc distance", "[comparison]") {
  // With total mass 1, moving one Dirac to another costs the geodesic distance min(delta, 2 pi - delta).
  for (double t : {0.0, 1.3, 5.9}) {
    for (double delta : {0.01, 0.5, 2.0, pi - 0.1, pi + 0.1, 4.5, 6.2}) {
      const std::vector<double> a = {t}, b = {t + delta};
      CHECK(circle_wasserstein(atoms(a), atoms(b)) ==
            Approx(std::min(delta, 2 * pi - delta)).epsilon(1e-12));
    }
  }
}

TEST_CASE("W1 of a point mass and the uniform measure is pi / 2", "[comparison]") {
  // D(t) = 1 - t / (2 pi); the median shift is 1/2 and int |1/2 - t/(2 pi)| dt = 2 pi / 4.
  // Independent of the number of cells (the uniform density is exact on any mesh) and of the
  // Dirac's position relative to the cell edges.
  for (int m : {1, 7, 100}) {
    for (double t : {0.0, 0.3, 4.0}) {
      const std::vector<double> a = {t};
      CHECK(circle_wasserstein(atoms(a), density_cells(m, 0.0, 1)) == Approx(pi / 2).epsilon(1e-12));
    }
  }
}

TEST_CASE("W1 of quantile-placed particles and the uniform density is pi / (2N)", "[comparison]") {
  // F_N - F is a sawtooth between -1/(2N) and 1/(2N): median 0, mean modulus 1/(4N), times 2 pi.
  for (int n : {1, 10, 1000}) {
    CHECK(circle_wasserstein(quantile_atoms(n, 0.0, 1), density_cells(50, 0.0, 1)) ==
          Approx(pi / (2 * n)).epsilon(1e-9));
  }
}

TEST_CASE("W1 of quantile particles of a smooth density is pi / (2N) + O(1/N^2 + h^2)", "[comparison]") {
  // Each quantile interval holds mass 1/N and contributes (1/(4N)) times its length: the sum is
  // pi / (2N) for any density; the density's curvature inside an interval adds O(1/N^2) and the
  // piecewise-linear cell CDF O(h^2) with h = 2 pi / M. N = 1000, M = 4000: both below 1 percent.
  for (int n : {500, 1000, 2000}) {
    const double w1 = circle_wasserstein(quantile_atoms(n, 0.5, 2), density_cells(4000, 0.5, 2));
    CHECK(w1 * 2 * n / pi == Approx(1).epsilon(0.01));
  }
}

TEST_CASE("W1 between cell discretisations of a smooth density converges like h^2", "[comparison]") {
  // Cell averages are exact, so the piecewise-linear CDFs agree at coarse edges and differ by
  // O(h^2 |rho'|) in between: halving h divides W1 by 4 (up to O(h) corrections).
  const auto fine = density_cells(8192, 0.5, 2);
  const double w32 = circle_wasserstein(density_cells(32, 0.5, 2), fine);
  const double w64 = circle_wasserstein(density_cells(64, 0.5, 2), fine);
  const double w128 = circle_wasserstein(density_cells(128, 0.5, 2), fine);
  CHECK(w32 / w64 == Approx(4).epsilon(0.1));
  CHECK(w64 / w128 == Approx(4).epsilon(0.1));
}

TEST_CASE("W1 normalises masses and rejects empty measures", "[comparison]") {
  const std::vector<double> a = {1.0, 2.0};
  auto heavy = atoms(a);
  heavy.atom_masses = {5.0, 5.0};
  CHECK(circle_wasserstein(atoms(a), heavy) == Approx(0).margin(1e-14));
  CircleMeasure empty;
  CHECK_THROWS_AS(circle_wasserstein(atoms(a), empty), errors::InputError);
}

TEST_CASE("histogram L1: identical 0, disjoint 2, scale-free", "[comparison]") {
  const std::vector<double> p = {1, 2, 3, 0}, q = {0, 0, 0, 7}, r = {3, 6, 9, 0};
  CHECK(histogram_l1(p, p) == 0);
  CHECK(histogram_l1(p, r) == Approx(0).margin(1e-15));
  CHECK(histogram_l1(p, q) == Approx(2).epsilon(1e-15));
  const std::vector<double> short_histogram = {1};
  CHECK_THROWS_AS(histogram_l1(p, short_histogram), errors::InputError);
}

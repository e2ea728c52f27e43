// The cube-sphere grid (spatial/cube_sphere.hpp): every point lies in the cap of its cell, and
// every cell holding a point within an angle of a centre is among cells_meeting_cap.
#include "spatial/cube_sphere.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <vector>

#include "benchmark/benchmark.hpp"
#include "errors/errors.hpp"

using namespace attnflow;

namespace {

double angle_between(const double* a, const double* b, int d) {
  double inner = 0;
  for (int k = 0; k < d; ++k) inner += a[k] * b[k];
  return std::acos(std::clamp(inner, -1.0, 1.0));
}

}  // namespace

TEST_CASE("Every point lies within the cap of its cube-sphere cell", "[spatial]") {
  for (int d : {2, 3, 4, 6, 11}) {
    for (int m : {1, 3, 8, 33}) {
      if (m > spatial::CubeSphereGrid::max_cells_per_edge(d)) continue;
      const spatial::CubeSphereGrid grid(d, m);
      const auto points = benchmark::random_sphere_points(0, 2000, d, 11);
      double worst = -1;  // largest angle to the cell centre minus the cap radius
      for (int i = 0; i < 2000; ++i) {
        const double* x = points.data() + i * d;
        const auto cap = grid.cap(grid.key(x));
        worst = std::max(worst, angle_between(x, cap.centre.data(), d) - cap.radius);
        CHECK(cap.radius <= grid.largest_cap_radius());
      }
      INFO("d = " << d << ", m = " << m);
      CHECK(worst <= 0);
    }
  }
}

TEST_CASE("cells_meeting_cap finds the cell of every point within the cap", "[spatial]") {
  for (int d : {2, 3, 4, 5}) {
    for (int m : {1, 2, 7, 20}) {
      if (d > 3 && m > 7) continue;  // 2d m^{d-1} cells: keep the big caps cheap
      const spatial::CubeSphereGrid grid(d, m);
      const auto centres = benchmark::random_sphere_points(0, 60, d, 5);
      const auto points = benchmark::random_sphere_points(0, 2000, d, 6);
      std::int64_t missing = 0, inside = 0;
      std::vector<spatial::CellKey> cells;
      for (double radius : {0.01, 0.2, 0.7, 1.6, 3.0}) {
        for (int c = 0; c < 60; ++c) {
          const double* centre = centres.data() + c * d;
          grid.cells_meeting_cap(centre, radius, cells);
          CHECK(std::is_sorted(cells.begin(), cells.end()));
          for (int i = 0; i < 2000; ++i) {
            const double* x = points.data() + i * d;
            if (angle_between(x, centre, d) > radius) continue;
            ++inside;
            missing += !std::binary_search(cells.begin(), cells.end(), grid.key(x));
          }
          // A point of the sphere exactly at the centre, and the cell of the centre itself.
          missing += !std::binary_search(cells.begin(), cells.end(), grid.key(centre));
        }
      }
      INFO("d = " << d << ", m = " << m << ": " << inside << " points within the caps");
      CHECK(inside > 0);
      CHECK(missing == 0);
    }
  }
}

TEST_CASE("cells_meeting_cap stays local: it returns about the cells of the cap", "[spatial]") {
  // On S^2 with m = 64 (cells ~ 0.025 rad wide) a cap of 0.1 rad meets about
  // pi (0.1 + 0.025)^2 / 0.025^2 ~ 80 cells, far from all 24576.
  const spatial::CubeSphereGrid grid(3, 64);
  const auto centres = benchmark::random_sphere_points(0, 50, 3, 8);
  std::vector<spatial::CellKey> cells;
  std::size_t largest = 0;
  for (int c = 0; c < 50; ++c) {
    grid.cells_meeting_cap(centres.data() + 3 * c, 0.1, cells);
    largest = std::max(largest, cells.size());
  }
  CHECK(largest < 200);
}

TEST_CASE("Cap area fractions match the closed forms", "[spatial]") {
  for (double theta : {0.1, 1.0, 2.5}) {
    CHECK(spatial::cap_area_fraction(2, theta) == Approx(theta / std::numbers::pi));
    CHECK(spatial::cap_area_fraction(3, theta) == Approx((1 - std::cos(theta)) / 2));
    // S^3: (theta - sin theta cos theta) / pi.
    CHECK(spatial::cap_area_fraction(4, theta) ==
          Approx((theta - std::sin(theta) * std::cos(theta)) / std::numbers::pi).epsilon(1e-9));
  }
  CHECK(spatial::cap_area_fraction(5, std::numbers::pi / 2) == Approx(0.5).epsilon(1e-9));
}

TEST_CASE("Cube-sphere grids reject what they cannot index", "[spatial]") {
  CHECK_THROWS_AS(spatial::CubeSphereGrid(1, 4), errors::InputError);
  CHECK_THROWS_AS(spatial::CubeSphereGrid(3, 0), errors::InputError);
  CHECK_THROWS_AS(spatial::CubeSphereGrid(3, spatial::CubeSphereGrid::max_cells_per_edge(3) + 1),
                  errors::InputError);
}

// The sphere finite-volume solver (S^2, DMPlex icosphere) against docs/mathematics.md sections 3 and 4.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <numbers>
#include <vector>

#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "continuum/sphere_support.hpp"
#include "geometry/triangles.hpp"
#include "parallel/partition.hpp"

using namespace attnflow;

using testing::gather_density_by_index;
using testing::sphere;
using testing::sphere_model;

TEST_CASE("Sphere mesh: areas sum to 4 pi, canonical indices cover every cell once",
          "[continuum][sphere]") {
  // The spherical triangles tile S^2 exactly (up to rounding), whatever the partition.
  auto solver = sphere(sphere_model(model::Attention::softmax, 2.0), 2, "mesh_", MPI_COMM_WORLD);
  const double total = parallel::ordered_sum(solver->measures(), MPI_COMM_WORLD);
  CHECK(solver->global_cells() == 320);
  CHECK(std::abs(total - 4 * std::numbers::pi) < 1e-12);
  // gather_by_index places each value at its canonical index and throws if one is out of range:
  // each cell reports its own index, so 320 distinct indices fill 0..319.
  const auto index = solver->global_indices();
  std::vector<double> local_index(index.begin(), index.end());
  const auto all = testing::gather_by_index(*solver, local_index);
  bool each_once = true;
  for (std::size_t k = 0; k < all.size(); ++k)
    each_once = each_once && all[k] == static_cast<double>(k);
  CHECK(static_cast<std::int64_t>(all.size()) == 320);
  CHECK(each_once);
}

TEST_CASE("Sphere mesh: cell vertices are counter-clockwise corners of the cell's triangle",
          "[continuum][sphere]") {
  // Solver::cell_vertices: per owned cell three unit vectors with det[a, b, c] > 0 (seen from
  // outside), whose normalised mean is the cell centre and whose spherical excess is the cell
  // area (the same formula with the corners in another order: equal to a few roundings, 1e-14
  // relative).
  auto solver = sphere(sphere_model(model::Attention::softmax, 2.0), 2, "vertices_", MPI_COMM_WORLD);
  const auto vertices = solver->cell_vertices();
  REQUIRE(static_cast<std::int64_t>(vertices.size()) == 9 * solver->local_cells());
  double worst_norm = 0, worst_centre = 0, worst_area = 0, smallest_orientation = HUGE_VAL;
  for (std::int64_t i = 0; i < solver->local_cells(); ++i) {
    std::array<geometry::Point3, 3> corner{};
    geometry::Point3 sum{};
    for (int k = 0; k < 3; ++k)
      for (int r = 0; r < 3; ++r) {
        corner[k][r] = vertices[9 * i + 3 * k + r];
        sum[r] += corner[k][r];
      }
    for (const auto& c : corner)
      worst_norm = std::max(worst_norm, std::abs(std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) - 1));
    const double length = std::sqrt(sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]);
    for (int r = 0; r < 3; ++r)
      worst_centre = std::max(worst_centre, std::abs(sum[r] / length - solver->centres()[3 * i + r]));
    const double area = geometry::spherical_triangle_area(corner[0], corner[1], corner[2]);
    worst_area = std::max(worst_area, std::abs(area - solver->measures()[i]) / solver->measures()[i]);
    smallest_orientation =
        std::min(smallest_orientation, geometry::orientation(corner[0], corner[1], corner[2]));
  }
  CHECK(worst_norm < 1e-15);
  CHECK(worst_centre < 1e-15);
  CHECK(worst_area < 1e-14);
  CHECK(smallest_orientation > 0);
}

TEST_CASE("Sphere: mass conserved, density >= 0, energy non-decreasing, rank independent",
          "[continuum][sphere][parallel]") {
  // White noise of amplitude 0.3 on 320 cells, SA beta = 6, through cluster formation, for first
  // order and the limited reconstruction with the most (mc: Barth-Jespersen) and the default
  // (van Leer) slopes. Each edge flux leaves one cell and enters the other (exact up to
  // rounding): mass to 1e-12. cfl = 0.8 <= 1 keeps every forward-Euler stage positive for every
  // limiter (the factor 3 of the reconstruction is in the forward-Euler limit). The same run on
  // MPI_COMM_SELF must agree with the distributed one cell by cell (canonical index): the engine
  // sums the sources in rank order and a ghost's gradient arrives from its owner, whose
  // neighbour order differs, so the two differ by rounding only: measured <= 2e-14 relative to
  // the peak after clustering; tolerance 1e-12.
  const auto m = sphere_model(model::Attention::softmax, 6.0);
  continuum::InitialDensity initial;
  initial.kind = "noise";
  initial.amplitude = 0.3;
  initial.seed = 5;
  const double end = 10.0;
  using continuum::Limiter;
  for (auto limiter : {Limiter::first_order, Limiter::van_leer, Limiter::mc}) {
    auto together = sphere(m, 2, "sphere_world_", MPI_COMM_WORLD, limiter);
    auto alone = sphere(m, 2, "sphere_self_", MPI_COMM_SELF, limiter);
    double worst_mass = 0, lowest = HUGE_VAL, worst_drop = 0;
    for (auto* solver : {together.get(), alone.get()}) {
      solver->set_density(continuum::initial_cell_averages(*solver, initial));
      auto previous = solver->diagnostics(4);
      const double mass = previous.mass;
      while (solver->time() < end) {
        solver->step(end - solver->time());
        const auto d = solver->diagnostics(4);
        worst_mass = std::max(worst_mass, std::abs(d.mass - mass) / mass);
        lowest = std::min(lowest, d.min_density);
        worst_drop =
            std::max(worst_drop, (previous.energy_scaled - d.energy_scaled) / d.energy_scaled);
        previous = d;
      }
    }
    const auto a = gather_density_by_index(*together), b = gather_density_by_index(*alone);
    double peak = 0, worst = 0;
    for (std::size_t k = 0; k < b.size(); ++k) {
      peak = std::max(peak, b[k]);
      worst = std::max(worst, std::abs(b[k] - a[k]));
    }
    std::cout << "sphere clustering " << continuum::limiter_name(limiter) << ": peak " << peak
              << " (uniform " << 1 / (4 * std::numbers::pi) << "), worst mass " << worst_mass
              << ", min density " << lowest << ", energy drop " << worst_drop
              << ", rank difference " << worst / peak << " of the peak, steps "
              << together->steps() << "\n";
    CHECK(peak > 5 / (4 * std::numbers::pi));  // clusters formed
    CHECK(worst_mass < 1e-12);
    CHECK(lowest >= 0);
    CHECK(worst_drop <= 1e-12);
    CHECK(worst <= 1e-12 * peak);
  }
}

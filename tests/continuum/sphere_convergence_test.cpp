// Order of accuracy of the sphere finite-volume scheme (limited reconstruction vs first order).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <random>
#include <vector>

#include "continuum/limiter.hpp"
#include "continuum/sphere_support.hpp"

using namespace attnflow;

using testing::gather_by_index;
using testing::gather_density_by_index;
using testing::sphere;
using testing::sphere_model;

TEST_CASE("Sphere limiters reduce to the circle's limited slopes in one dimension",
          "[continuum][sphere][limiter]") {
  // Cells i-1, i, i+1 on a line, central slope g = (b + f) / 2, face increments +-g/2, bounds
  // the min / max of the three averages: phi g must equal limited_slope(b, f) for every limiter
  // (limiter.hpp derives psi from this). Pure arithmetic: agreement to rounding, 1e-14.
  using continuum::Limiter;
  std::mt19937_64 generator(3);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  double worst = 0;
  for (auto limiter : {Limiter::minmod, Limiter::van_leer, Limiter::mc}) {
    for (int sample = 0; sample < 1000; ++sample) {
      const double b = uniform(generator), f = sample % 10 == 0 ? 0.0 : uniform(generator);
      const double value = 0.3, left = value - b, right = value + f;
      const double highest = std::max({left, value, right});
      const double lowest = std::min({left, value, right});
      const double slope = (b + f) / 2;
      double fraction = 1;
      for (double increment : {slope / 2, -slope / 2})
        fraction = std::min(fraction, continuum::face_fraction(limiter, value, lowest, highest,
                                                               increment));
      worst = std::max(worst, std::abs(fraction * slope - continuum::limited_slope(limiter, b, f)));
    }
  }
  CHECK(worst < 1e-14);
}

TEST_CASE("Sphere grid convergence: limited reconstruction ~2nd order, first order ~1",
          "[continuum][sphere][convergence]") {
  // rho_0 = (1 + 0.4 z + 0.6 x y) / (4 pi) (smooth, no symmetry of the mesh), SA beta = 2, up to
  // t = 2 (rho changes by O(10%), far from clusters), on refine 2, 3, 4 (320, 1280, 5120 cells).
  // Regular refinement numbers the children of canonical cell c as 4c..4c+3 and they tile it
  // exactly (checked: areas to 1e-12), so R (child masses / parent area) is exact for cell
  // averages. Successive differences d_r = sum_c A_c |rho_r - R rho_{r+1}| give the observed order
  // log2(d_2 / d_3). Measured (1 rank): van Leer 1.86, mc (Barth-Jespersen) 1.77, minmod 1.65,
  // first order 0.87; with refine 5 added the next orders are 1.92, 1.87, 1.68, 0.94, so the
  // coarse figures are pre-asymptotic (the unlimited least-squares reconstruction gives 1.80
  // there: the limiters cost little). Asked: >= 1.5 for every limiter (issue 3), and first order
  // within 0.25 of 1, which shows that the measurement discriminates. The initial cell averages
  // differ by O(h^3) between levels (3e-5, 3e-6: not the error measured), and dt is capped at 0.1
  // on the coarse levels: dt = 0.025 everywhere changes no order by more than 3e-4. The spectral
  // engine (tolerance 1e-10) keeps the test fast; its error is far below d_r.
  const auto m = sphere_model(model::Attention::softmax, 2.0);
  using continuum::Limiter;
  const double end = 2.0;
  for (auto limiter : {Limiter::van_leer, Limiter::mc, Limiter::minmod, Limiter::first_order}) {
    std::vector<std::vector<double>> solutions, areas;
    for (int refinements : {2, 3, 4}) {
      auto solver =
          sphere(m, refinements, "convergence_", MPI_COMM_WORLD, limiter, 0.1, "spectral");
      solver->set_density(solver->cell_averages([](std::span<const double> x) {
        return (1 + 0.4 * x[2] + 0.6 * x[0] * x[1]) / (4 * std::numbers::pi);
      }));
      solver->advance_to(end);
      solutions.push_back(gather_density_by_index(*solver));
      areas.push_back(gather_by_index(*solver, solver->measures()));
    }
    std::vector<double> differences;
    double worst_tiling = 0;
    for (std::size_t level = 0; level + 1 < solutions.size(); ++level) {
      const auto& coarse = solutions[level];
      const auto& fine = solutions[level + 1];
      double difference = 0;
      for (std::size_t c = 0; c < coarse.size(); ++c) {
        double mass = 0, area = 0;
        for (std::size_t k = 4 * c; k < 4 * c + 4; ++k) {
          mass += fine[k] * areas[level + 1][k];
          area += areas[level + 1][k];
        }
        worst_tiling = std::max(worst_tiling, std::abs(area - areas[level][c]) / areas[level][c]);
        difference += std::abs(coarse[c] - mass / area) * areas[level][c];
      }
      differences.push_back(difference);
    }
    const double order = std::log2(differences[0] / differences[1]);
    std::cout << "sphere grid convergence " << continuum::limiter_name(limiter)
              << " (L1 successive differences, refine 2/3 vs 3/4): " << differences[0] << " "
              << differences[1] << ", order " << order << ", tiling " << worst_tiling << "\n";
    CHECK(worst_tiling < 1e-12);
    if (limiter == Limiter::first_order)
      CHECK(std::abs(order - 1) < 0.25);
    else
      CHECK(order >= 1.5);
  }
}

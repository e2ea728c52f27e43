#pragma once
// Helpers of the SPDE tests (docs/mathematics.md section 9.4): a model with an MLP block, an SPDE
// solver, a mode's amplitude, and ensembles over noise realisations on MPI_COMM_SELF.
#include <mpi.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "mlp/ensemble.hpp"  // Estimate, estimate
#include "support/kernels.hpp"
#include "support/mpi_test.hpp"

namespace attnflow::testing {

// 4 standard errors: a correct code fails a two-sided check with probability 6e-5.
inline constexpr double standard_errors = 4.0;

inline model::Model field_model(int d, mlp::Activation activation, int width, double input_bias,
                                double output_bias, int attention_sign, double beta = 1.0) {
  auto m = identity_model(d, model::Attention::softmax, beta);
  m.attention_sign = attention_sign;
  m.mlp = model::MlpBlock{activation, width, input_bias, output_bias};
  return m;
}

// A circle (size = cells) or sphere (size = refinements) solver of the SPDE with layers of length
// h keyed by seed. cfl 0.4 on the circle (MUSCL's positivity limit is 0.5), 0.8 on the sphere
// (whose forward-Euler limit carries the reconstruction's factor: positive up to 1).
inline std::unique_ptr<continuum::Solver> spde_solver(const model::Model& m, int size, double h,
                                                      std::uint64_t seed,
                                                      const std::string& prefix, MPI_Comm comm) {
  continuum::Settings s;
  s.options_prefix = prefix;
  s.layer_length = h;
  s.seed = seed;
  s.cfl = m.dimension == 2 ? 0.4 : 0.8;
  return continuum::make_solver(m, m.dimension == 2 ? size : 0, m.dimension == 3 ? size : 0, s,
                                comm);
}

// <rho, f> / (mass <f, f> / |S|) for the basis function f of the initial mode (1 + a f) / |S|:
// a at the start (up to the cell quadrature), in expectation a e^{-kappa(1) l(l+d-2) t / 2}.
// Cell-centre quadrature of the cell masses. Collective.
inline double mode_amplitude(const continuum::Solver& solver, int degree, int order) {
  const auto rho = solver.density();
  const int d = solver.dimension();
  double sums[2] = {0, 0};
  for (std::size_t i = 0; i < rho.size(); ++i) {
    const double mass = rho[i] * solver.measures()[i];
    sums[0] += mass * solver.domain().mode(solver.centres().subspan(i * d, d), degree, order);
    sums[1] += mass;
  }
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, solver.comm());
  const double mean_square = d == 2 ? 0.5 : 1.0;  // <f, f> / |S|: cos^2 on S^1, 4 pi Y^2 on S^2
  return sums[0] / (sums[1] * mean_square);
}

// The mode amplitude at `end` of realisations r = 0 .. count-1 (seed first_seed + r), minus the
// amplitude that the same realisation produces from the uniform density (a control variate of
// mean zero, since the mean density from a uniform start stays uniform: most of one path's
// fluctuation is the compressible field piling up the uniform part, common to both runs; it
// divides the standard error by 2 (circle) to 4.5 (sphere) here). Each realisation runs on
// MPI_COMM_SELF, dealt round-robin to the ranks and gathered in realisation order on every rank,
// so the ensemble is the same whatever the rank count. `sizes` runs realisations on several
// grids (the same seed: the same noise path): all of them on the first, the first fine_count on
// the others; row r holds one amplitude per grid (0 where not run).
inline std::vector<std::vector<double>> ensemble(const model::Model& m,
                                                 const std::vector<int>& sizes, double h,
                                                 double end, int degree, double amplitude,
                                                 int count, int fine_count,
                                                 std::uint64_t first_seed) {
  const int rank = world_rank(), ranks = world_size();
  continuum::InitialDensity initial;
  initial.kind = "uniform-mode";
  initial.degree = degree;
  initial.order = 0;
  initial.amplitude = amplitude;
  const std::size_t width = sizes.size();
  std::vector<double> local(std::size_t(count) * width, 0.0), all(local.size());
  for (std::size_t g = 0; g < width; ++g) {
    // One solver per grid, reseeded per realisation (set_seed, set_density, time 0).
    auto solver = spde_solver(m, sizes[g], h, first_seed, "spde_ensemble_", MPI_COMM_SELF);
    const auto start = continuum::initial_cell_averages(*solver, initial);
    const std::vector<double> uniform(start.size(), 1 / solver->domain().measure());
    for (int r = rank; r < count; r += ranks) {
      if (r >= (g == 0 ? count : fine_count)) break;
      double amplitude_of[2];
      for (int from_uniform : {0, 1}) {
        solver->set_seed(first_seed + r);
        solver->set_density(from_uniform ? uniform : start);
        solver->set_time_and_step(0, 0);
        solver->advance_to(end);
        amplitude_of[from_uniform] = mode_amplitude(*solver, degree, 0);
      }
      local[std::size_t(r) * width + g] = amplitude_of[0] - amplitude_of[1];
    }
  }
  // Each entry is computed by exactly one rank (the others hold 0): the sum is that value.
  MPI_Allreduce(local.data(), all.data(), int(all.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  std::vector<std::vector<double>> rows(count);
  for (int r = 0; r < count; ++r) rows[r].assign(all.begin() + r * width, all.begin() + (r + 1) * width);
  return rows;
}

}  // namespace attnflow::testing

#pragma once
// Helpers shared by the circle solver tests: an identity-matrix model, a solver with its own
// PETSc options prefix, and the gathered density.
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "continuum/solver.hpp"
#include "parallel/partition.hpp"
#include "support/kernels.hpp"

namespace attnflow::testing {

inline model::Model circle_model(model::Attention attention, double beta) {
  return identity_model(2, attention, beta);
}

inline std::unique_ptr<continuum::Solver> circle(
    const model::Model& m, std::int64_t cells, const std::string& prefix, MPI_Comm comm,
    double max_time_step = 0.1, continuum::Limiter limiter = continuum::Limiter::van_leer) {
  continuum::Settings s;
  s.options_prefix = prefix;
  s.max_time_step = max_time_step;
  s.limiter = limiter;
  return continuum::make_solver(m, cells, 0, s, comm);
}

// All cell averages in global order on every rank.
inline std::vector<double> gather_density(const continuum::Solver& solver) {
  const auto local = solver.density();
  std::vector<int> counts, displacements;
  parallel::gather_layout(solver.local_cells(), 1, solver.comm(), counts, displacements);
  std::vector<double> all(solver.global_cells());
  MPI_Allgatherv(local.data(), static_cast<int>(local.size()), MPI_DOUBLE, all.data(),
                 counts.data(), displacements.data(), MPI_DOUBLE, solver.comm());
  return all;
}

}  // namespace attnflow::testing

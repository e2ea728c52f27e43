#pragma once
// Helpers shared by the sphere solver tests: an identity-matrix model, a solver with its own
// PETSc options prefix, and per-cell values gathered by canonical cell index.
#include <mpi.h>

#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "continuum/solver.hpp"
#include "parallel/partition.hpp"
#include "support/kernels.hpp"

namespace attnflow::testing {

inline model::Model sphere_model(model::Attention attention, double beta) {
  return identity_model(3, attention, beta);
}

// cfl = 0.8: positive for every limiter, whose factor is in the sphere's forward-Euler limit.
inline std::unique_ptr<continuum::Solver> sphere(
    const model::Model& m, int refinements, const std::string& prefix, MPI_Comm comm,
    continuum::Limiter limiter = continuum::Limiter::van_leer, double max_time_step = 0.1,
    const std::string& engine = "direct") {
  continuum::Settings s;
  s.options_prefix = prefix;
  s.max_time_step = max_time_step;
  s.cfl = 0.8;
  s.limiter = limiter;
  s.engine = engine;
  return continuum::make_solver(m, 0, refinements, s, comm);
}

// One value per owned cell (in the solver's order) -> all values indexed by canonical cell
// index, on every rank; NaN where no cell reported an index.
inline std::vector<double> gather_by_index(const continuum::Solver& solver,
                                           std::span<const double> local_values) {
  const auto index = solver.global_indices();
  std::vector<double> pairs;
  for (std::size_t i = 0; i < local_values.size(); ++i) {
    pairs.push_back(static_cast<double>(index[i]));
    pairs.push_back(local_values[i]);
  }
  std::vector<int> counts, displacements;
  parallel::gather_layout(static_cast<std::int64_t>(local_values.size()), 2, solver.comm(), counts,
                          displacements);
  std::vector<double> all(displacements.back() + counts.back());
  MPI_Allgatherv(pairs.data(), static_cast<int>(pairs.size()), MPI_DOUBLE, all.data(),
                 counts.data(), displacements.data(), MPI_DOUBLE, solver.comm());
  std::vector<double> out(solver.global_cells(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < all.size(); k += 2)
    out.at(static_cast<std::size_t>(all[k])) = all[k + 1];
  return out;
}

inline std::vector<double> gather_density_by_index(const continuum::Solver& solver) {
  return gather_by_index(solver, solver.density());
}

}  // namespace attnflow::testing

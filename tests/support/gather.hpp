#pragma once
// Gathers a distributed particle state on rank 0 (global order) for comparisons in tests.
#include <vector>

#include "particles/state.hpp"
#include "parallel/partition.hpp"

namespace attnflow::testing {

inline std::vector<double> gather_positions(const particles::State& state) {
  std::vector<int> counts, displacements;
  parallel::gather_layout(state.partition.count, state.dimension, state.comm, counts,
                          displacements);
  std::vector<double> all(state.partition.global_count * state.dimension);
  MPI_Gatherv(state.positions.data(), static_cast<int>(state.positions.size()), MPI_DOUBLE,
              all.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0, state.comm);
  return all;
}

}  // namespace attnflow::testing

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

// The block of `all` (N x d in global order) that this rank owns in the block partition.
inline particles::State block_state(const std::vector<double>& all, int d, MPI_Comm comm) {
  particles::State s;
  s.dimension = d;
  s.partition = parallel::block_partition(std::int64_t(all.size()) / d, comm);
  s.positions.assign(all.begin() + s.partition.first * d,
                     all.begin() + (s.partition.first + s.partition.count) * d);
  s.comm = comm;
  return s;
}

}  // namespace attnflow::testing

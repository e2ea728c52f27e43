#pragma once
// The distributed token state: this rank's block of the N tokens on S^{d-1} (row-major,
// partition.count x dimension), the simulated time and the step counter.
#include <mpi.h>

#include <cstdint>
#include <span>
#include <vector>

#include "parallel/partition.hpp"

namespace attnflow::particles {

struct State {
  int dimension = 3;
  parallel::Partition partition;
  std::vector<double> positions;  // owned tokens, global index partition.first + i
  double time = 0.0;               // simulated (for USA: rescaled) time
  std::int64_t step = 0;
  MPI_Comm comm = MPI_COMM_WORLD;

  std::span<double> row(std::int64_t i) { return {positions.data() + i * dimension, std::size_t(dimension)}; }
  std::span<const double> row(std::int64_t i) const {
    return {positions.data() + i * dimension, std::size_t(dimension)};
  }
  // Uniform source weights 1/N for the interaction engine.
  std::vector<double> weights() const {
    return std::vector<double>(partition.count, 1.0 / static_cast<double>(partition.global_count));
  }
};

// `tokens` tokens in blocks over the ranks of comm (parallel::block_partition), positions zero,
// time and step 0: the state an initial sampler fills.
inline State empty_state(std::int64_t tokens, int dimension, MPI_Comm comm) {
  State s;
  s.dimension = dimension;
  s.comm = comm;
  s.partition = parallel::block_partition(tokens, comm);
  s.positions.assign(std::size_t(s.partition.count * dimension), 0.0);
  return s;
}

}  // namespace attnflow::particles

#pragma once
// Pair statistics of a distributed token cloud: clusters (connected components of the graph linking
// tokens with <x_i, x_j> > 1 - tolerance) and the extreme pairwise inner products.
#include <mpi.h>

#include <cstdint>
#include <span>
#include <vector>

#include "particles/state.hpp"

namespace attnflow::diagnostics {

struct PairStatistics {
  std::int64_t clusters = 0;
  double max_inner = 0.0;  // over i != j (1 when N < 2)
  double min_inner = 0.0;
};

// Collective over comm. `all_points` holds all N tokens in global order (count x dimension, the same
// on every rank); this rank scans the pairs (i, j) for i in [first, first + count) and j in the next
// floor(N/2) indices cyclically, so every unordered pair is seen at least once and the work is
// O(N^2 / (2P)) per rank whatever the block. Links are merged into a per-rank union-find and the
// forests are combined up a binomial tree (exact: the join of partitions does not depend on the
// order), so the count is independent of the rank count, chains included. For N < 2 both inner
// products are reported as 1 (a lone token is at distance zero from itself) and clusters = N.
// With `labels` non-null, rank 0 also returns there each token's cluster (0, 1, ... numbered in
// the order of the clusters' smallest global index: the same on any rank count); the other ranks
// leave it empty.
PairStatistics pair_statistics(std::span<const double> all_points, int dimension, std::int64_t first,
                               std::int64_t count, double tolerance, MPI_Comm comm,
                               std::vector<std::int32_t>* labels = nullptr);

// The same for a distributed state (each rank its block of tokens).
PairStatistics pair_statistics(const particles::State& state, double tolerance,
                               std::vector<std::int32_t>* labels = nullptr);

// Disjoint-set forest over n items with path halving and union by size.
class UnionFind {
 public:
  explicit UnionFind(std::int64_t n);
  std::int64_t find(std::int64_t i);
  void unite(std::int64_t a, std::int64_t b);
  std::int64_t components() const { return components_; }
  // parent of every item after full compression: a representative label per item.
  std::vector<std::int64_t> labels();

 private:
  std::vector<std::int64_t> parent_, size_;
  std::int64_t components_;
};

}  // namespace attnflow::diagnostics

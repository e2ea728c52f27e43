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

// Serial: `all_points` holds all N tokens in global order (N x dimension). A dual-tree search on a
// k-d tree of the points (leaves of 16, median splits): a pair of nodes is skipped when the bounds
// of <x, y> over their boxes (widened by 4 (d + 1) 2^-53, more than the rounding of a computed
// inner product or bound) show that no pair inside can raise the maximum, lower the minimum or
// link; a node pair whose lower bound exceeds 1 - tolerance is linked whole. The results are those
// of the all-pairs scan: max_inner, min_inner the extreme computed <x_i, x_j> (i != j, coordinate
// order), clusters the connected components of <x_i, x_j> > 1 - tolerance. Cost: typically
// O(N log N) (near-coincident points prune as ties, tight clusters link whole); worst case
// O(N^2) for configurations at the threshold everywhere. For N < 2 both inner products are 1 and
// clusters = N. Labels: each token's cluster, numbered 0, 1, ... in the order of the clusters'
// smallest index.
// Collective over comm: every rank passes all N points and searches a share of the node pairs;
// the forests are merged up a binomial tree (exact) and the extremes all-reduced, so the results
// are the same for any rank count. With `labels` non-null, rank 0 gets each token's cluster
// (the other ranks an empty vector).
PairStatistics pair_statistics(std::span<const double> all_points, int dimension, double tolerance,
                               MPI_Comm comm, std::vector<std::int32_t>* labels = nullptr);

// The same for a distributed state (each rank its block of tokens): the positions are
// all-gathered (O(N d) memory per rank) and searched as above. Collective; the same result for any rank count.
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

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

// Collective over comm; every rank passes its block of the tokens (the block partition of
// parallel/partition.hpp: rank r the rows [first_r, first_r + count_r) of the global order,
// count x dimension values). No rank ever holds all N points: memory O(N/P) per rank.
// The results are those of the all-pairs scan, for any rank count: max_inner and min_inner the
// extreme computed <x_i, x_j> (i != j, summed in coordinate order), clusters the connected
// components of the graph linking <x_i, x_j> > 1 - tolerance. For N < 2 both inner products
// are 1 and clusters = N. With `labels` non-null, each rank gets its block's clusters, numbered
// 0, 1, ... in the order of the clusters' smallest global index.
// How: (1) the tokens move to the owners of their cube-sphere cells (a contiguous range of cell
// keys per rank, x and -x in one cell: a compact cap and its antipodal cap, so that the closest
// and the farthest pairs are mostly inside one rank; spatial/key_decomposition.hpp) and each rank
// runs a dual-tree
// search over the pairs inside its region: a k-d tree of its points (leaves of 16, median splits);
// a pair of nodes is skipped when the bounds of <x, y> over their caps and boxes (widened by
// 4 (d + 1) 2^-53, more than the rounding of a computed inner product or bound) show that no pair
// inside can raise the maximum, lower the minimum or link; a node pair whose lower bound exceeds
// 1 - tolerance is linked whole. (2) Every rank all-gathers the other ranks' frontier nodes
// (about sqrt(3e7 / (P d)) per rank, at most 1024: cap, box, count, one point), seeds the
// extremes with the inner products of those points and decides, from the bounds, which
// cross-rank node pairs matter; (3) for those one of the two ranks receives the other's node
// points and runs the same search on that pair; (4) the cross-rank links, as pairs of component
// names, are merged on rank 0. Cost: typically O((N/P) log N) per rank plus the points of the
// node pairs at the regions' boundaries; worst case O(N^2) for configurations at the threshold everywhere. d > 64 has
// no cube-sphere grid: the regions are then the blocks themselves (correct, but cross-rank pairs
// are pruned less).
PairStatistics pair_statistics(std::span<const double> points, int dimension, double tolerance,
                               MPI_Comm comm, std::vector<std::int32_t>* labels = nullptr);

// The same for a distributed state (each rank its block of tokens).
PairStatistics pair_statistics(const particles::State& state, double tolerance,
                               std::vector<std::int32_t>* labels = nullptr);

// Disjoint-set forest over n items with path halving and union by size.
class UnionFind {
 public:
  explicit UnionFind(std::int64_t n);
  // Appends `count` singletons (items n .. n + count - 1).
  void extend(std::int64_t count);
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

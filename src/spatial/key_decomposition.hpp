#pragma once
// Spatial decomposition by key ranges: items named by (cell key, tie) pairs (tie: e.g. a global
// index) are split among the ranks of a communicator in contiguous ranges of that order, so that
// each rank owns a compact region of the sphere (keys follow a Morton curve on each face,
// spatial/cube_sphere.hpp). A crowded cell may be split between consecutive ranks at a tie
// value. The splitters are weighted quantiles of items held anywhere, found by bisection: one
// MPI_Allreduce of P - 1 integers per bit, exact, the same on every rank.
#include <mpi.h>

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "spatial/cube_sphere.hpp"

namespace attnflow::spatial {

struct KeyPosition {
  CellKey key = 0;
  std::int64_t tie = 0;
  auto operator<=>(const KeyPosition&) const = default;
};

class KeyDecomposition {
 public:
  static constexpr std::int64_t lowest_tie = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t highest_tie = std::numeric_limits<std::int64_t>::max();

  // No splitters: every item belongs to rank 0 (valid on one rank; `balanced` replaces it).
  KeyDecomposition() = default;
  // Splitters such that each of the `ranks` ranges holds about 1/P of the total weight (up to
  // one item's weight). Each rank passes its own items, in any order; weights >= 0. Collective.
  static KeyDecomposition balanced(std::span<const KeyPosition> items,
                                   std::span<const std::int64_t> weights, MPI_Comm comm);
  // Splitters from a sample, in one all-gather (no sort of the items, no bisection): each rank
  // contributes up to `samples` of its items, evenly spaced in its input order, each standing for
  // count / samples items; the splitters are the weighted quantiles of the P samples. Each rank
  // then holds about 1/P of the items, to the sampling error (a few percent for 1024 samples per
  // rank when the input order is unrelated to the keys). Collective; the same on every rank.
  static KeyDecomposition sampled(std::span<const KeyPosition> items, MPI_Comm comm,
                                  int samples = 1024);

  bool defined() const { return defined_; }
  // The rank owning an item: the number of splitters <= it.
  int owner(const KeyPosition& item) const;
  // The ranks owning some item of cell `key` (consecutive: first..last).
  int first_owner(CellKey key) const { return owner({key, lowest_tie}); }
  int last_owner(CellKey key) const { return owner({key, highest_tie}); }
  const std::vector<KeyPosition>& splitters() const { return splitters_; }

 private:
  std::vector<KeyPosition> splitters_;  // P - 1, nondecreasing
  bool defined_ = false;
};

}  // namespace attnflow::spatial

#pragma once
// Points of one rank bucketed by the cells of a CubeSphereGrid: the points sorted by (cell key,
// tie-break such as a global index), the occupied cells with their ranges, and range queries
// (every point within an angle of a given point). Serves the large-beta engine's near-field
// sums and, through for_each_within, neighbour queries on the same cells.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "spatial/cube_sphere.hpp"

namespace attnflow::spatial {

class CellIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // keys[i]: the cell of point i; ties[i] orders the points within a cell (equal ties: input
  // order). Keeps no reference to the arguments.
  void build(std::span<const CellKey> keys, std::span<const std::int64_t> ties);

  // Positions of the points, sorted by (key, tie).
  const std::vector<std::size_t>& order() const { return order_; }
  // Occupied cells in increasing key order; cell c holds order()[begin(c) .. end(c)).
  std::size_t cell_count() const { return cell_keys_.size(); }
  CellKey cell_key(std::size_t cell) const { return cell_keys_[cell]; }
  std::size_t begin(std::size_t cell) const { return cell_starts_[cell]; }
  std::size_t end(std::size_t cell) const { return cell_starts_[cell + 1]; }
  // The occupied cell with this key, or npos.
  std::size_t find(CellKey key) const;

 private:
  std::vector<std::size_t> order_;
  std::vector<CellKey> cell_keys_;
  std::vector<std::size_t> cell_starts_;
};

// Calls visit(i) for every point i (rows of `points`, the points the index was built from) with
// angle(x, point i) <= angle, i.e. <x, point i> >= cos(angle) for unit vectors; cells in key
// order, points in index order within a cell. x must be a unit vector.
void for_each_within(const CubeSphereGrid& grid, const CellIndex& index,
                     std::span<const double> points, const double* x, double angle,
                     const std::function<void(std::size_t)>& visit);

}  // namespace attnflow::spatial

#include "spatial/cell_index.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "errors/errors.hpp"

namespace attnflow::spatial {

void CellIndex::build(std::span<const CellKey> keys, std::span<const std::int64_t> ties) {
  errors::ensure(keys.size() == ties.size(), "CellIndex::build: keys and ties differ in length");
  order_.resize(keys.size());
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
    return keys[a] != keys[b] ? keys[a] < keys[b] : ties[a] < ties[b];
  });
  cell_keys_.clear();
  cell_starts_.clear();
  for (std::size_t p = 0; p < order_.size(); ++p) {
    const CellKey key = keys[order_[p]];
    if (cell_keys_.empty() || cell_keys_.back() != key) {
      cell_keys_.push_back(key);
      cell_starts_.push_back(p);
    }
  }
  cell_starts_.push_back(order_.size());
}

std::size_t CellIndex::find(CellKey key) const {
  const auto it = std::lower_bound(cell_keys_.begin(), cell_keys_.end(), key);
  if (it == cell_keys_.end() || *it != key) return npos;
  return static_cast<std::size_t>(it - cell_keys_.begin());
}

void for_each_within(const CubeSphereGrid& grid, const CellIndex& index,
                     std::span<const double> points, const double* x, double angle,
                     const std::function<void(std::size_t)>& visit) {
  const int d = grid.dimension();
  const double threshold = std::cos(angle);
  std::vector<CellKey> candidates;
  grid.cells_meeting_cap(x, angle, candidates);
  for (const CellKey key : candidates) {
    const std::size_t cell = index.find(key);
    if (cell == CellIndex::npos) continue;
    for (std::size_t p = index.begin(cell); p < index.end(cell); ++p) {
      const std::size_t i = index.order()[p];
      double inner = 0;
      for (int k = 0; k < d; ++k) inner += x[k] * points[i * d + k];
      if (inner >= threshold) visit(i);
    }
  }
}

}  // namespace attnflow::spatial

#include "spatial/key_decomposition.hpp"

#include <algorithm>
#include <numeric>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"

namespace attnflow::spatial {

namespace {

// Items sorted, with prefix sums of their weights: weight_before(p) = sum over items < p.
struct SortedItems {
  std::vector<KeyPosition> items;
  std::vector<std::int64_t> prefix;  // prefix[i] = weight of items[0..i)

  std::int64_t weight_before(const KeyPosition& p) const {
    return prefix[std::lower_bound(items.begin(), items.end(), p) - items.begin()];
  }
  // Weight of the items whose key is <= key.
  std::int64_t weight_up_to(CellKey key) const {
    const auto it = std::upper_bound(items.begin(), items.end(), key,
                                     [](CellKey k, const KeyPosition& p) { return k < p.key; });
    return prefix[it - items.begin()];
  }
};

// Parallel bisection for every splitter at once: finds, for each target, the smallest value v in
// (low, high] with weight(s, v) >= target, given weight(low) < target <= weight(high).
template <class Value, class Weight>
std::vector<Value> bisect(std::vector<Value> low, std::vector<Value> high,
                          const std::vector<std::int64_t>& targets, const Weight& local_weight,
                          MPI_Comm comm) {
  const std::size_t count = targets.size();
  std::vector<std::int64_t> weights(count);
  for (;;) {
    bool done = true;
    std::vector<Value> middle(count);
    for (std::size_t s = 0; s < count; ++s) {
      middle[s] = low[s] + (high[s] - low[s]) / 2;
      if (high[s] - low[s] > 1) done = false;
    }
    if (done) return high;  // every rank sees the same low/high: all leave together
    for (std::size_t s = 0; s < count; ++s) weights[s] = local_weight(s, middle[s]);
    parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, weights.data(), static_cast<int>(count),
                                      MPI_INT64_T, MPI_SUM, comm),
                        "MPI_Allreduce(splitter weights)");
    for (std::size_t s = 0; s < count; ++s) {
      if (high[s] - low[s] <= 1) continue;
      (weights[s] >= targets[s] ? high[s] : low[s]) = middle[s];
    }
  }
}

}  // namespace

KeyDecomposition KeyDecomposition::balanced(std::span<const KeyPosition> items,
                                            std::span<const std::int64_t> weights,
                                            MPI_Comm comm) {
  errors::ensure(items.size() == weights.size(), "KeyDecomposition: items and weights differ");
  const int ranks = parallel::size_of(comm);
  KeyDecomposition result;
  result.defined_ = true;
  if (ranks == 1) return result;
  SortedItems sorted;
  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return items[a] < items[b]; });
  sorted.items.resize(items.size());
  sorted.prefix.assign(items.size() + 1, 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    sorted.items[i] = items[order[i]];
    errors::ensure(weights[order[i]] >= 0 && items[order[i]].tie >= 0 &&
                       items[order[i]].tie < (std::int64_t{1} << 62),
                   "KeyDecomposition: negative weight or tie outside [0, 2^62)");
    sorted.prefix[i + 1] = sorted.prefix[i] + weights[order[i]];
  }
  std::int64_t total = sorted.prefix.back();
  parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, comm),
                      "MPI_Allreduce(total weight)");
  const std::size_t count = static_cast<std::size_t>(ranks - 1);
  std::vector<std::int64_t> targets(count);
  for (std::size_t s = 0; s < count; ++s)
    targets[s] = total / ranks * static_cast<std::int64_t>(s + 1) +
                 total % ranks * static_cast<std::int64_t>(s + 1) / ranks;  // no overflow
  result.splitters_.assign(count, KeyPosition{0, lowest_tie});
  // Splitters with target 0 stay at the very start; the others bisect. Stage 1: the cell whose
  // items reach the target (weight of keys <= cell >= target).
  std::vector<std::int64_t> active_targets;
  std::vector<std::size_t> active;
  for (std::size_t s = 0; s < count; ++s)
    if (targets[s] > 0) {
      active.push_back(s);
      active_targets.push_back(targets[s]);
    }
  const std::size_t n = active.size();
  // Signed keys so that low = -1 means "below every key"; keys are below 2^62.
  std::vector<std::int64_t> low(n, -1), high(n, std::int64_t{1} << 62);
  const auto cells = bisect(
      low, high, active_targets,
      [&](std::size_t, std::int64_t key) { return sorted.weight_up_to(static_cast<CellKey>(key)); },
      comm);
  // Stage 2: within that cell, the smallest tie at which the weight before reaches the target
  // (ties are global indices, below 2^62).
  std::vector<std::int64_t> tie_low(n, 0), tie_high(n, std::int64_t{1} << 62);
  for (std::size_t a = 0; a < n; ++a)
    result.splitters_[active[a]].key = static_cast<CellKey>(cells[a]);
  const auto ties = bisect(
      tie_low, tie_high, active_targets,
      [&](std::size_t a, std::int64_t tie) {
        return sorted.weight_before({static_cast<CellKey>(cells[a]), tie});
      },
      comm);
  for (std::size_t a = 0; a < n; ++a) result.splitters_[active[a]].tie = ties[a];
  return result;
}

KeyDecomposition KeyDecomposition::sampled(std::span<const KeyPosition> items, MPI_Comm comm,
                                           int samples) {
  const int ranks = parallel::size_of(comm);
  KeyDecomposition result;
  result.defined_ = true;
  if (ranks == 1) return result;
  // Rows of three 64-bit integers: key, tie, and the number of items the sample stands for.
  const std::size_t count = items.size();
  const std::size_t taken = std::min(count, static_cast<std::size_t>(std::max(samples, 1)));
  std::vector<std::int64_t> mine(3 * taken);
  for (std::size_t j = 0; j < taken; ++j) {
    const std::size_t at = (2 * j + 1) * count / (2 * taken);
    mine[3 * j] = static_cast<std::int64_t>(items[at].key);
    mine[3 * j + 1] = items[at].tie;
    // Weights sum to count exactly: sample j stands for the items between its neighbours.
    mine[3 * j + 2] = static_cast<std::int64_t>((j + 1) * count / taken - j * count / taken);
  }
  std::vector<int> counts, displacements;
  parallel::gather_layout(static_cast<std::int64_t>(taken), 3, comm, counts, displacements);
  std::vector<std::int64_t> all(static_cast<std::size_t>(displacements.back() + counts.back()));
  parallel::check_mpi(MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_INT64_T,
                                     all.data(), counts.data(), displacements.data(), MPI_INT64_T,
                                     comm),
                      "MPI_Allgatherv(decomposition samples)");
  struct Sample {
    KeyPosition position;
    std::int64_t weight;
  };
  std::vector<Sample> pool(all.size() / 3);
  std::int64_t total = 0;
  for (std::size_t j = 0; j < pool.size(); ++j) {
    pool[j] = {{static_cast<CellKey>(all[3 * j]), all[3 * j + 1]}, all[3 * j + 2]};
    total += pool[j].weight;
  }
  std::sort(pool.begin(), pool.end(),
            [](const Sample& a, const Sample& b) { return a.position < b.position; });
  result.splitters_.assign(static_cast<std::size_t>(ranks - 1), KeyPosition{0, lowest_tie});
  std::int64_t before = 0;  // weight of the samples before sample j
  std::size_t j = 0;
  for (int r = 1; r < ranks; ++r) {
    const std::int64_t target = total / ranks * r + total % ranks * r / ranks;
    while (j < pool.size() && before + pool[j].weight <= target) before += pool[j++].weight;
    // Sample j is the first whose range passes the target: rank r starts there.
    if (j < pool.size()) result.splitters_[static_cast<std::size_t>(r - 1)] = pool[j].position;
    else result.splitters_[static_cast<std::size_t>(r - 1)] = KeyPosition{~CellKey{0}, highest_tie};
  }
  return result;
}

int KeyDecomposition::owner(const KeyPosition& item) const {
  return static_cast<int>(std::upper_bound(splitters_.begin(), splitters_.end(), item) -
                          splitters_.begin());
}

}  // namespace attnflow::spatial

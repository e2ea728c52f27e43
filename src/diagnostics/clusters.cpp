#include "diagnostics/clusters.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "parallel/partition.hpp"

namespace attnflow::diagnostics {

using parallel::check_mpi;

UnionFind::UnionFind(std::int64_t n) : parent_(n), size_(n, 1), components_(n) {
  std::iota(parent_.begin(), parent_.end(), std::int64_t(0));
}

std::int64_t UnionFind::find(std::int64_t i) {
  while (parent_[i] != i) {
    parent_[i] = parent_[parent_[i]];
    i = parent_[i];
  }
  return i;
}

void UnionFind::unite(std::int64_t a, std::int64_t b) {
  a = find(a);
  b = find(b);
  if (a == b) return;
  if (size_[a] < size_[b]) std::swap(a, b);
  parent_[b] = a;
  size_[a] += size_[b];
  --components_;
}

std::vector<std::int64_t> UnionFind::labels() {
  std::vector<std::int64_t> out(parent_.size());
  for (std::size_t i = 0; i < parent_.size(); ++i) out[i] = find(static_cast<std::int64_t>(i));
  return out;
}

PairStatistics pair_statistics(std::span<const double> all_points, int dimension, std::int64_t first,
                               std::int64_t count, double tolerance, MPI_Comm comm,
                               std::vector<std::int32_t>* labels_out) {
  const int d = dimension;
  const std::int64_t n = static_cast<std::int64_t>(all_points.size()) / d;
  const double threshold = 1.0 - tolerance;
  const std::int64_t reach = n / 2;
  double max_inner = -std::numeric_limits<double>::infinity();
  double min_inner = std::numeric_limits<double>::infinity();
  UnionFind forest(n);
  // Coordinates as columns, so that the inner products of one token with a run of others form a
  // vectorisable loop; each pair's products are summed in coordinate order whatever the ranks.
  std::vector<double> columns(std::size_t(n) * d);
  for (std::int64_t j = 0; j < n; ++j)
    for (int k = 0; k < d; ++k) columns[std::size_t(k) * n + j] = all_points[j * d + k];
  constexpr std::int64_t block = 1024;
  std::vector<double> inner(block);
  for (std::int64_t i = first; i < first + count; ++i) {
    const double* xi = all_points.data() + i * d;
    std::int64_t root = forest.find(i);
    // The partners i+1 .. i+reach (cyclic) as at most two contiguous ranges.
    const std::int64_t end = i + 1 + reach;
    const std::int64_t ranges[2][2] = {{i + 1, std::min(end, n)}, {0, end > n ? end - n : 0}};
    for (const auto& range : ranges) {
      for (std::int64_t begin = range[0]; begin < range[1]; begin += block) {
        const std::int64_t length = std::min(block, range[1] - begin);
        const double* column = columns.data() + begin;
        for (std::int64_t t = 0; t < length; ++t) inner[t] = xi[0] * column[t];
        for (int k = 1; k < d; ++k) {
          const double xk = xi[k];
          column = columns.data() + std::size_t(k) * n + begin;
          for (std::int64_t t = 0; t < length; ++t) inner[t] += xk * column[t];
        }
        for (std::int64_t t = 0; t < length; ++t) {
          max_inner = std::max(max_inner, inner[t]);
          min_inner = std::min(min_inner, inner[t]);
        }
        for (std::int64_t t = 0; t < length; ++t) {
          if (inner[t] <= threshold) continue;
          const std::int64_t other = forest.find(begin + t);
          if (other == root) continue;
          forest.unite(root, other);
          root = forest.find(i);
        }
      }
    }
  }
  double extremes[2] = {max_inner, -min_inner}, global[2];
  check_mpi(MPI_Allreduce(extremes, global, 2, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce(inner)");
  PairStatistics result;
  result.max_inner = n < 2 ? 1.0 : global[0];
  result.min_inner = n < 2 ? 1.0 : -global[1];

  // Binomial-tree merge of the forests towards rank 0: at distance s, ranks with bit s set send
  // their labels to rank - s. Each label array says "i and labels[i] are linked".
  const int rank = parallel::rank_of(comm), size = parallel::size_of(comm);
  const int tag = 7301;
  std::vector<std::int64_t> labels;
  for (int s = 1; s < size; s *= 2) {
    if (rank % (2 * s) == s) {
      labels = forest.labels();
      check_mpi(MPI_Send(labels.data(), static_cast<int>(n), MPI_INT64_T, rank - s, tag, comm),
                "MPI_Send(cluster labels)");
      break;
    }
    if (rank % (2 * s) == 0 && rank + s < size) {
      labels.resize(n);
      check_mpi(MPI_Recv(labels.data(), static_cast<int>(n), MPI_INT64_T, rank + s, tag, comm,
                         MPI_STATUS_IGNORE),
                "MPI_Recv(cluster labels)");
      for (std::int64_t i = 0; i < n; ++i) forest.unite(i, labels[i]);
    }
  }
  if (labels_out) {
    labels_out->clear();
    if (rank == 0) {
      // Rank 0's forest now joins every rank's links: number its components by first member.
      std::vector<std::int32_t> label_of_root(std::size_t(n), -1);
      std::int32_t next = 0;
      labels_out->resize(std::size_t(n));
      for (std::int64_t i = 0; i < n; ++i) {
        std::int32_t& label = label_of_root[std::size_t(forest.find(i))];
        if (label < 0) label = next++;
        (*labels_out)[std::size_t(i)] = label;
      }
    }
  }
  std::int64_t clusters = forest.components();
  check_mpi(MPI_Bcast(&clusters, 1, MPI_INT64_T, 0, comm), "MPI_Bcast(clusters)");
  result.clusters = clusters;
  return result;
}

PairStatistics pair_statistics(const particles::State& state, double tolerance,
                               std::vector<std::int32_t>* labels) {
  const int d = state.dimension;
  std::vector<int> counts, displacements;
  parallel::gather_layout(state.partition.count, d, state.comm, counts, displacements);
  std::vector<double> all_points(displacements.back() + counts.back());
  check_mpi(MPI_Allgatherv(state.positions.data(), static_cast<int>(state.partition.count * d),
                           MPI_DOUBLE, all_points.data(), counts.data(), displacements.data(),
                           MPI_DOUBLE, state.comm),
            "MPI_Allgatherv(diagnostics positions)");
  return pair_statistics(all_points, d, state.partition.first, state.partition.count, tolerance,
                         state.comm, labels);
}

}  // namespace attnflow::diagnostics

#include "diagnostics/clusters.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <numbers>
#include <cmath>
#include <functional>

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

namespace {

// The angle between two nonzero vectors, 2 atan2(|u - v|, |u + v|) of the normalised vectors:
// accurate to a few ulps at every angle (acos of the inner product is not near 0 and pi).
double angle(const double* a, const double* b, int d) {
  double na = 0, nb = 0;
  for (int k = 0; k < d; ++k) {
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  na = std::sqrt(na);
  nb = std::sqrt(nb);
  double minus = 0, plus = 0;
  for (int k = 0; k < d; ++k) {
    const double u = a[k] / na, v = b[k] / nb;
    minus += (u - v) * (u - v);
    plus += (u + v) * (u + v);
  }
  return 2 * std::atan2(std::sqrt(minus), std::sqrt(plus));
}

// A k-d tree over the points (leaves of at most 16), with each node's bounding box. Built by
// median splits along the widest coordinate: a function of the points alone (the same on every
// rank).
struct Tree {
  struct Node {
    std::int64_t begin = 0, end = 0;  // order[begin, end)
    int left = -1, right = -1;        // children (-1: a leaf)
  };
  int d;
  std::vector<std::int64_t> order;
  std::vector<Node> nodes;
  std::vector<double> low, high;  // nodes x d (the boxes, for the splits)
  // Each node's cap: a unit centre (nodes x d) and the largest angle of its points from it.
  std::vector<double> centre, radius;

  Tree(std::span<const double> points, int dimension) : d(dimension) {
    const std::int64_t n = std::int64_t(points.size()) / d;
    order.resize(std::size_t(n));
    std::iota(order.begin(), order.end(), std::int64_t(0));
    if (n > 0) build(points, 0, n);
  }

  // The cap of a node: centre the normalised mean of its points (the first point when the mean
  // vanishes), radius the largest angle to a point, widened by 1e-15 for rounding.
  void set_cap(std::span<const double> points, int index) {
    const auto& node = nodes[std::size_t(index)];
    centre.resize(centre.size() + std::size_t(d), 0.0);
    double* c = centre.data() + std::size_t(index) * d;
    for (std::int64_t t = node.begin; t < node.end; ++t)
      for (int k = 0; k < d; ++k) c[k] += points[std::size_t(order[std::size_t(t)] * d + k)];
    double length = 0;
    for (int k = 0; k < d; ++k) length += c[k] * c[k];
    length = std::sqrt(length);
    if (!(length > 1e-3 * double(node.end - node.begin))) {
      const double* x = points.data() + order[std::size_t(node.begin)] * d;
      length = 0;
      for (int k = 0; k < d; ++k) length += x[k] * x[k];
      length = std::sqrt(length);
      for (int k = 0; k < d; ++k) c[k] = x[k];
    }
    for (int k = 0; k < d; ++k) c[k] /= length;
    double largest = 0;
    for (std::int64_t t = node.begin; t < node.end; ++t)
      largest = std::max(largest, angle(c, points.data() + order[std::size_t(t)] * d, d));
    radius.push_back(largest * (1 + 1e-14) + 1e-15);
  }

  int build(std::span<const double> points, std::int64_t begin, std::int64_t end) {
    const int index = int(nodes.size());
    nodes.push_back({begin, end, -1, -1});
    low.resize(low.size() + std::size_t(d), std::numeric_limits<double>::infinity());
    high.resize(high.size() + std::size_t(d), -std::numeric_limits<double>::infinity());
    for (std::int64_t t = begin; t < end; ++t)
      for (int k = 0; k < d; ++k) {
        const double v = points[std::size_t(order[std::size_t(t)] * d + k)];
        low[std::size_t(index) * d + k] = std::min(low[std::size_t(index) * d + k], v);
        high[std::size_t(index) * d + k] = std::max(high[std::size_t(index) * d + k], v);
      }
    set_cap(points, index);
    constexpr std::int64_t leaf_size = 16;
    if (end - begin <= leaf_size) return index;
    int axis = 0;
    for (int k = 1; k < d; ++k)
      if (high[std::size_t(index) * d + k] - low[std::size_t(index) * d + k] >
          high[std::size_t(index) * d + axis] - low[std::size_t(index) * d + axis])
        axis = k;
    const std::int64_t middle = begin + (end - begin) / 2;
    // Ties broken by index: the split is a function of the points.
    std::nth_element(order.begin() + begin, order.begin() + middle, order.begin() + end,
                     [&](std::int64_t a, std::int64_t b) {
                       const double va = points[std::size_t(a * d + axis)];
                       const double vb = points[std::size_t(b * d + axis)];
                       return va < vb || (va == vb && a < b);
                     });
    const int left = build(points, begin, middle);
    const int right = build(points, middle, end);
    nodes[std::size_t(index)].left = left;
    nodes[std::size_t(index)].right = right;
    return index;
  }
};

// The dual-tree search of pair_statistics: node pairs are skipped when their box bounds show that
// no pair inside can raise the maximum, lower the minimum or add a link.
class PairSearch {
 public:
  PairSearch(std::span<const double> points, int dimension, double tolerance)
      : points_(points),
        d_(dimension),
        n_(std::int64_t(points.size()) / dimension),
        threshold_(1.0 - tolerance),
        tree_(points, dimension),
        forest_(n_),
        united_(tree_.nodes.size(), 0) {
    // A computed inner product differs from the exact one by at most (d + 1) 2^-53 (1 + eta)^2:
    // the bounds are widened by four times that and by the cap terms, so that a node pair is
    // skipped only when no computed inner product inside can matter.
    // |<x, y> - cos(angle(x, y))| <= 2 eta + eta^2 for norms within eta of 1; the cap bounds
    // (angles and cosines to a few ulps) add 4e-15.
    double eta = 0;
    for (std::int64_t i = 0; i < n_; ++i) eta = std::max(eta, std::abs(std::sqrt(inner(i, i)) - 1));
    eta_ = eta * (1 + 1e-12) + 1e-15;
    margin_ = 4.0 * (d_ + 1) * 0x1p-53 * (1 + eta) * (1 + eta) + 2.5 * eta + 4e-15;
    // A first pair for each extreme: point 0 against all.
    for (std::int64_t j = 1; j < n_; ++j) {
      const double c = inner(0, j);
      max_ = std::max(max_, c);
      min_ = std::min(min_, c);
    }
  }

  // This rank's share: the node pairs (f_i, f_j), i <= j, of a frontier of the tree (the nodes at
  // depth 5, or leaves above it: every point pair lies in exactly one of them), task t on rank
  // t mod size. Every rank's extremes are the exact extremes over its tasks (a task is skipped
  // only where it cannot beat this rank's own best), so their maximum and minimum are the
  // all-pairs values whatever the split.
  void run(int rank, int size) {
    if (n_ < 2) return;
    std::vector<int> frontier;
    const std::function<void(int, int)> collect = [&](int node, int depth) {
      const auto& nd = tree_.nodes[std::size_t(node)];
      if (nd.left < 0 || depth == 5) {
        frontier.push_back(node);
        return;
      }
      collect(nd.left, depth + 1);
      collect(nd.right, depth + 1);
    };
    collect(0, 0);
    std::int64_t task = 0;
    for (std::size_t i = 0; i < frontier.size(); ++i)
      for (std::size_t j = i; j < frontier.size(); ++j, ++task)
        if (task % size == rank) visit(frontier[i], frontier[j]);
  }
  double max_inner() const { return max_; }
  double min_inner() const { return min_; }
  UnionFind& forest() { return forest_; }

 private:
  double inner(std::int64_t i, std::int64_t j) const {
    const double* x = points_.data() + i * d_;
    const double* y = points_.data() + j * d_;
    double c = x[0] * y[0];
    for (int k = 1; k < d_; ++k) c += x[k] * y[k];
    return c;
  }

  // Bounds of cos(angle(x, y)) over the caps of nodes a and b: the angle lies within
  // angle(centres) +- (radius_a + radius_b). The margin covers the norms and the rounding.
  void bounds(int a, int b, double& lower, double& upper) const {
    double between = 0;
    if (a != b) {
      // The centres are unit vectors: 2 atan2(|u - v|, |u + v|) directly.
      const double* u = tree_.centre.data() + std::size_t(a) * d_;
      const double* v = tree_.centre.data() + std::size_t(b) * d_;
      double minus = 0, plus = 0;
      for (int k = 0; k < d_; ++k) {
        minus += (u[k] - v[k]) * (u[k] - v[k]);
        plus += (u[k] + v[k]) * (u[k] + v[k]);
      }
      between = 2 * std::atan2(std::sqrt(minus), std::sqrt(plus));
    }
    const double reach = tree_.radius[std::size_t(a)] + tree_.radius[std::size_t(b)];
    const double nearest = between - reach, farthest = between + reach;
    upper = nearest <= 0 ? 1.0 : std::cos(nearest);
    lower = farthest >= std::numbers::pi ? -1.0 : std::cos(farthest);
    // The boxes bound the distance: <x, y> = (|x|^2 + |y|^2 - |x - y|^2) / 2 <= (1 + eta)^2 -
    // min |x - y|^2 / 2, which separates neighbouring leaves when the caps overlap (the
    // closest pair). The factor 1 - 1e-12 covers the rounding of the box distance.
    double gap = 0;
    for (int k = 0; k < d_; ++k) {
      const double g = std::max({0.0,
                                 tree_.low[std::size_t(a) * d_ + k] - tree_.high[std::size_t(b) * d_ + k],
                                 tree_.low[std::size_t(b) * d_ + k] - tree_.high[std::size_t(a) * d_ + k]});
      gap += g * g;
    }
    upper = std::min(upper, 1 + 2.5 * eta_ - 0.5 * gap * (1 - 1e-12));
  }

  std::int64_t first(int node) const {
    return tree_.order[std::size_t(tree_.nodes[std::size_t(node)].begin)];
  }

  // Every point of the node in one component (once per node).
  void unite_node(int node) {
    if (united_[std::size_t(node)]) return;
    const auto& nd = tree_.nodes[std::size_t(node)];
    const std::int64_t head = first(node);
    for (std::int64_t t = nd.begin + 1; t < nd.end; ++t)
      forest_.unite(head, tree_.order[std::size_t(t)]);
    united_[std::size_t(node)] = 1;
  }

  void visit(int a, int b) {
    double lower, upper;
    bounds(a, b, lower, upper);
    const bool for_max = upper + margin_ > max_;
    const bool for_min = lower - margin_ < min_;
    bool for_links = upper + margin_ > threshold_;
    if (for_links && lower - margin_ > threshold_) {
      // Every pair linked: one component.
      unite_node(a);
      unite_node(b);
      forest_.unite(first(a), first(b));
      for_links = false;
    }
    if (for_links && united_[std::size_t(a)] && united_[std::size_t(b)] &&
        forest_.find(first(a)) == forest_.find(first(b)))
      for_links = false;
    if (!for_max && !for_min && !for_links) return;
    const auto& na = tree_.nodes[std::size_t(a)];
    const auto& nb = tree_.nodes[std::size_t(b)];
    const bool leaf_a = na.left < 0, leaf_b = nb.left < 0;
    if (leaf_a && leaf_b) {
      for (std::int64_t s = na.begin; s < na.end; ++s) {
        const std::int64_t i = tree_.order[std::size_t(s)];
        for (std::int64_t t = a == b ? s + 1 : nb.begin; t < nb.end; ++t) {
          const std::int64_t j = tree_.order[std::size_t(t)];
          const double c = inner(i, j);
          max_ = std::max(max_, c);
          min_ = std::min(min_, c);
          if (for_links && c > threshold_) forest_.unite(i, j);
        }
      }
      return;
    }
    if (a == b) {
      visit(na.left, na.left);
      visit(na.right, na.right);
      visit(na.left, na.right);
      return;
    }
    // Split the larger node (a leaf cannot be split).
    if (leaf_b || (!leaf_a && na.end - na.begin >= nb.end - nb.begin)) {
      visit(na.left, b);
      visit(na.right, b);
    } else {
      visit(a, nb.left);
      visit(a, nb.right);
    }
  }

  std::span<const double> points_;
  int d_;
  std::int64_t n_;
  double threshold_;
  Tree tree_;
  UnionFind forest_;
  std::vector<char> united_;
  double margin_ = 0;
  double eta_ = 0;  // bounds | |x| - 1 | over the points
  double max_ = -std::numeric_limits<double>::infinity();
  double min_ = std::numeric_limits<double>::infinity();
};

}  // namespace

PairStatistics pair_statistics(std::span<const double> all_points, int dimension, double tolerance,
                               MPI_Comm comm, std::vector<std::int32_t>* labels_out) {
  const std::int64_t n = static_cast<std::int64_t>(all_points.size()) / dimension;
  const int rank = parallel::rank_of(comm), size = parallel::size_of(comm);
  PairSearch search(all_points, dimension, tolerance);
  search.run(rank, size);
  double extremes[2] = {search.max_inner(), -search.min_inner()}, global[2];
  check_mpi(MPI_Allreduce(extremes, global, 2, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce(inner)");
  PairStatistics result;
  result.max_inner = n < 2 ? 1.0 : global[0];
  result.min_inner = n < 2 ? 1.0 : -global[1];
  auto& forest = search.forest();
  // Binomial-tree merge of the forests towards rank 0: at distance s, ranks with bit s set send
  // their labels to rank - s. Each label array says "i and labels[i] are linked"; the join of
  // partitions does not depend on the order, so the count is independent of the rank count.
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
      labels.resize(std::size_t(n));
      check_mpi(MPI_Recv(labels.data(), static_cast<int>(n), MPI_INT64_T, rank + s, tag, comm,
                         MPI_STATUS_IGNORE),
                "MPI_Recv(cluster labels)");
      for (std::int64_t i = 0; i < n; ++i) forest.unite(i, labels[std::size_t(i)]);
    }
  }
  if (labels_out) {
    labels_out->clear();
    if (rank == 0) {
      // Components numbered by their smallest member.
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
  return pair_statistics(all_points, d, tolerance, state.comm, labels);
}

}  // namespace attnflow::diagnostics

#include "diagnostics/clusters.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <numbers>
#include <cmath>
#include <functional>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "spatial/cube_sphere.hpp"
#include "spatial/key_decomposition.hpp"

namespace attnflow::diagnostics {

using parallel::check_mpi;

UnionFind::UnionFind(std::int64_t n) : parent_(n), size_(n, 1), components_(n) {
  std::iota(parent_.begin(), parent_.end(), std::int64_t(0));
}

void UnionFind::extend(std::int64_t count) {
  const std::int64_t n = std::int64_t(parent_.size());
  parent_.resize(std::size_t(n + count));
  std::iota(parent_.begin() + n, parent_.end(), n);
  size_.resize(std::size_t(n + count), 1);
  components_ += count;
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

// A k-d tree over the points (leaves of at most 16), with each node's bounding box and cap.
// Built by median splits along the widest coordinate, ties broken by the point's index: a
// function of the points alone. The tree keeps its own copy of the points in tree order (node
// `k` holds rows begin..end of `rows`, row t being input point order[t]), so that building and
// searching read memory in sequence.
struct Tree {
  struct Node {
    std::int64_t begin = 0, end = 0;  // rows [begin, end)
    int left = -1, right = -1;        // children (-1: a leaf)
  };
  int d;
  std::vector<std::int64_t> order;  // input index of each row
  std::vector<double> rows;         // the points in tree order (n x d)
  std::vector<Node> nodes;
  std::vector<double> low, high;  // nodes x d (the boxes, for the splits)
  // Each node's cap: a unit centre (nodes x d) and the largest angle of its points from it.
  std::vector<double> centre, radius;

  Tree(std::span<const double> points, int dimension)
      : d(dimension), rows(points.begin(), points.end()) {
    const std::int64_t n = std::int64_t(points.size()) / d;
    order.resize(std::size_t(n));
    std::iota(order.begin(), order.end(), std::int64_t(0));
    if (n > 0) {
      std::vector<SplitKey> keys;
      std::vector<double> scratch;
      build(0, n, keys, scratch);
    }
  }

  const double* row(std::int64_t t) const { return rows.data() + t * d; }

  struct SplitKey {
    double value;        // the coordinate split on
    std::int64_t input;  // input index (ties)
    std::int64_t row;
  };

  // The centre of a node's cap: the normalised mean of its points (the first point when the
  // mean vanishes).
  void set_centre(int index) {
    const auto& node = nodes[std::size_t(index)];
    centre.resize(centre.size() + std::size_t(d), 0.0);
    double* c = centre.data() + std::size_t(index) * d;
    for (std::int64_t t = node.begin; t < node.end; ++t)
      for (int k = 0; k < d; ++k) c[k] += row(t)[k];
    double length = 0;
    for (int k = 0; k < d; ++k) length += c[k] * c[k];
    length = std::sqrt(length);
    if (!(length > 1e-3 * double(node.end - node.begin))) {
      const double* x = row(node.begin);
      length = 0;
      for (int k = 0; k < d; ++k) length += x[k] * x[k];
      length = std::sqrt(length);
      for (int k = 0; k < d; ++k) c[k] = x[k];
    }
    for (int k = 0; k < d; ++k) c[k] /= length;
  }

  // A leaf's radius: the largest angle from the centre to a point (each point normalised),
  // widened by 1e-14 relative and 1e-15 sqrt(d) absolute for rounding. The angle is
  // 2 asin(|u - c| / 2) for unit u and c, accurate to a few ulps below pi/3; a wider cap takes
  // 2 atan2(|u - c|, |u + c|) per point.
  double leaf_radius(int index) const {
    const auto& node = nodes[std::size_t(index)];
    const double* c = centre.data() + std::size_t(index) * d;
    double chord = 0;  // the largest |u - c|^2
    for (std::int64_t t = node.begin; t < node.end; ++t) {
      const double* x = row(t);
      double norm = 0;
      for (int k = 0; k < d; ++k) norm += x[k] * x[k];
      const double inverse = 1 / std::sqrt(norm);
      double square = 0;
      for (int k = 0; k < d; ++k) {
        const double u = x[k] * inverse - c[k];
        square += u * u;
      }
      chord = std::max(chord, square);
    }
    double largest = 0;
    if (chord < 1.0) {  // angle < pi/3: asin well conditioned
      largest = 2 * std::asin(std::sqrt(chord) / 2);
    } else {
      for (std::int64_t t = node.begin; t < node.end; ++t) largest = std::max(largest, angle(c, row(t), d));
    }
    return largest * (1 + 1e-14) + 1e-15 * std::sqrt(double(d));
  }

  // An inner node's radius from its children's caps (the triangle inequality on the sphere:
  // every point is within angle(c, c_child) + r_child of c), widened as a leaf's: O(d) per node
  // instead of a pass over its points at every level.
  double inner_radius(int index, int left, int right) const {
    const double* c = centre.data() + std::size_t(index) * d;
    double largest = 0;
    for (int child : {left, right})
      largest = std::max(largest, angle(c, centre.data() + std::size_t(child) * d, d) +
                                      radius[std::size_t(child)]);
    return std::min(largest * (1 + 1e-14) + 1e-15 * std::sqrt(double(d)), std::numbers::pi);
  }

  int build(std::int64_t begin, std::int64_t end, std::vector<SplitKey>& keys,
            std::vector<double>& scratch) {
    const int index = int(nodes.size());
    nodes.push_back({begin, end, -1, -1});
    low.resize(low.size() + std::size_t(d), std::numeric_limits<double>::infinity());
    high.resize(high.size() + std::size_t(d), -std::numeric_limits<double>::infinity());
    double* lo = low.data() + std::size_t(index) * d;
    double* hi = high.data() + std::size_t(index) * d;
    for (std::int64_t t = begin; t < end; ++t)
      for (int k = 0; k < d; ++k) {
        lo[k] = std::min(lo[k], row(t)[k]);
        hi[k] = std::max(hi[k], row(t)[k]);
      }
    set_centre(index);
    radius.push_back(0.0);
    constexpr std::int64_t leaf_size = 16;
    if (end - begin <= leaf_size) {
      radius[std::size_t(index)] = leaf_radius(index);
      return index;
    }
    int axis = 0;
    for (int k = 1; k < d; ++k)
      if (hi[k] - lo[k] > hi[axis] - lo[axis]) axis = k;
    // The median by (coordinate, input index), then the rows moved to their halves.
    const std::int64_t count = end - begin, middle = begin + count / 2;
    keys.resize(std::size_t(count));
    for (std::int64_t t = begin; t < end; ++t)
      keys[std::size_t(t - begin)] = {row(t)[axis], order[std::size_t(t)], t};
    std::nth_element(keys.begin(), keys.begin() + (middle - begin), keys.end(),
                     [](const SplitKey& a, const SplitKey& b) {
                       return a.value < b.value || (a.value == b.value && a.input < b.input);
                     });
    scratch.resize(std::size_t(count) * std::size_t(d));
    for (std::int64_t k = 0; k < count; ++k)
      std::copy_n(row(keys[std::size_t(k)].row), d, scratch.data() + k * d);
    std::copy(scratch.begin(), scratch.end(), rows.begin() + begin * d);
    for (std::int64_t k = 0; k < count; ++k) order[std::size_t(begin + k)] = keys[std::size_t(k)].input;
    const int left = build(begin, middle, keys, scratch);
    const int right = build(middle, end, keys, scratch);
    nodes[std::size_t(index)].left = left;
    nodes[std::size_t(index)].right = right;
    radius[std::size_t(index)] = inner_radius(index, left, right);
    return index;
  }
};

// A node's region as the bounds see it: the cap (unit centre, angular radius) and the box.
struct Shape {
  const double* centre;
  double radius;
  const double* low;
  const double* high;
};

Shape shape_of(const Tree& tree, int node) {
  const std::size_t at = std::size_t(node) * std::size_t(tree.d);
  return {tree.centre.data() + at, tree.radius[std::size_t(node)], tree.low.data() + at,
          tree.high.data() + at};
}

// Bounds of cos(angle(x, y)) over two regions: the angle lies within angle(centres) +- (both
// radii) (`same`: one region with itself, the centres' angle 0). The boxes bound the distance:
// <x, y> = (|x|^2 + |y|^2 - |x - y|^2) / 2 <= (1 + eta)^2 - min |x - y|^2 / 2, which separates
// neighbouring leaves when the caps overlap (the closest pair). The factor 1 - 1e-12 covers the
// rounding of the box distance; the caller's margin covers the norms and the products' rounding.
// Symmetric in its arguments, bit for bit (every term is).
void bounds(const Shape& a, const Shape& b, bool same, int d, double eta, double& lower,
            double& upper) {
  double between = 0;
  if (!same) {
    double minus = 0, plus = 0;
    for (int k = 0; k < d; ++k) {
      minus += (a.centre[k] - b.centre[k]) * (a.centre[k] - b.centre[k]);
      plus += (a.centre[k] + b.centre[k]) * (a.centre[k] + b.centre[k]);
    }
    between = 2 * std::atan2(std::sqrt(minus), std::sqrt(plus));
  }
  const double reach = a.radius + b.radius;
  const double nearest = between - reach, farthest = between + reach;
  upper = nearest <= 0 ? 1.0 : std::cos(nearest);
  lower = farthest >= std::numbers::pi ? -1.0 : std::cos(farthest);
  double gap = 0;
  for (int k = 0; k < d; ++k) {
    const double g = std::max({0.0, a.low[k] - b.high[k], b.low[k] - a.high[k]});
    gap += g * g;
  }
  upper = std::min(upper, 1 + 2.5 * eta - 0.5 * gap * (1 - 1e-12));
}

// The computed inner product, summed in coordinate order (the same bits as x . y for y . x).
double inner(const double* x, const double* y, int d) {
  double c = x[0] * y[0];
  for (int k = 1; k < d; ++k) c += x[k] * y[k];
  return c;
}

// One tree of a search: its points, where they sit in the forest, and which nodes are already
// one component.
struct Side {
  const Tree& tree;
  std::int64_t offset;  // forest item of point 0
  std::vector<char> united;
  Side(const Tree& t, std::int64_t forest_offset)
      : tree(t), offset(forest_offset), united(t.nodes.size(), 0) {}
  std::int64_t first(int node) const {
    return offset + tree.order[std::size_t(tree.nodes[std::size_t(node)].begin)];
  }
};

// The dual-tree search: node pairs are skipped when their bounds show that no pair inside can
// raise the maximum, lower the minimum or add a link; a node pair whose lower bound exceeds the
// threshold is linked whole. max_inner / min_inner are the exact extremes over the pairs visited
// (a pair is skipped only where it cannot beat a value already found).
class Search {
 public:
  Search(int dimension, double tolerance, double eta, UnionFind& forest)
      : d_(dimension), threshold_(1.0 - tolerance), eta_(eta), forest_(forest) {
    // A computed inner product differs from the exact one by at most (d + 1) 2^-53 (1 + eta)^2;
    // |<x, y> - cos(angle(x, y))| <= 2 eta + eta^2 for norms within eta of 1; the cap bounds
    // (angles and cosines to a few ulps) add 4e-15. The margin is four times the rounding.
    margin_ = 4.0 * (d_ + 1) * 0x1p-53 * (1 + eta) * (1 + eta) + 2.5 * eta + 4e-15;
  }

  // What a node pair needs, from the bounds alone (the same on every rank given the same
  // extremes): nothing, a whole link, or a visit.
  enum class Need { nothing, whole_link, visit };
  Need need(const Shape& a, const Shape& b, bool same) const {
    const Wants wants = wants_of(a, b, same);
    if (wants.max || wants.min || wants.links) return Need::visit;
    return wants.whole ? Need::whole_link : Need::nothing;
  }

  void consider(double c) {
    max_ = std::max(max_, c);
    min_ = std::min(min_, c);
  }

  // Every point pair of (node a of A, node b of B); A and B the same side for the pairs inside
  // one tree (then a == b means the pairs within the node).
  void visit(Side& A, int a, Side& B, int b) {
    const bool one_tree = &A == &B;
    const Wants wants = wants_of(shape_of(A.tree, a), shape_of(B.tree, b), one_tree && a == b);
    const bool for_max = wants.max, for_min = wants.min;
    bool for_links = wants.links;
    if (wants.whole) link_whole(A, a, B, b);
    if (for_links && A.united[std::size_t(a)] && B.united[std::size_t(b)] &&
        forest_.find(A.first(a)) == forest_.find(B.first(b)))
      for_links = false;
    if (!for_max && !for_min && !for_links) return;
    const auto& na = A.tree.nodes[std::size_t(a)];
    const auto& nb = B.tree.nodes[std::size_t(b)];
    const bool leaf_a = na.left < 0, leaf_b = nb.left < 0;
    if (leaf_a && leaf_b) {
      for (std::int64_t s = na.begin; s < na.end; ++s) {
        const double* x = A.tree.row(s);
        for (std::int64_t t = one_tree && a == b ? s + 1 : nb.begin; t < nb.end; ++t) {
          const double c = inner(x, B.tree.row(t), d_);
          consider(c);
          if (for_links && c > threshold_)
            forest_.unite(A.offset + A.tree.order[std::size_t(s)], B.offset + B.tree.order[std::size_t(t)]);
        }
      }
      return;
    }
    if (one_tree && a == b) {
      visit(A, na.left, A, na.left);
      visit(A, na.right, A, na.right);
      visit(A, na.left, A, na.right);
      return;
    }
    // Split the larger node (a leaf cannot be split).
    if (leaf_b || (!leaf_a && na.end - na.begin >= nb.end - nb.begin)) {
      visit(A, na.left, B, b);
      visit(A, na.right, B, b);
    } else {
      visit(A, a, B, nb.left);
      visit(A, a, B, nb.right);
    }
  }

  // Every point of node a of A and of node b of B in one component.
  void link_whole(Side& A, int a, Side& B, int b) {
    unite_node(A, a);
    unite_node(B, b);
    forest_.unite(A.first(a), B.first(b));
  }
  void unite_node(Side& side, int node) {
    if (side.united[std::size_t(node)]) return;
    const auto& nd = side.tree.nodes[std::size_t(node)];
    const std::int64_t head = side.first(node);
    for (std::int64_t t = nd.begin + 1; t < nd.end; ++t)
      forest_.unite(head, side.offset + side.tree.order[std::size_t(t)]);
    side.united[std::size_t(node)] = 1;
  }

  double max_ = -std::numeric_limits<double>::infinity();
  double min_ = std::numeric_limits<double>::infinity();

 private:
  // What the bounds of a node pair leave open: pairs that may raise the maximum, lower the
  // minimum, or link (links: some pair may link and not every pair does; whole: every pair does).
  struct Wants {
    bool max, min, links, whole;
  };
  Wants wants_of(const Shape& a, const Shape& b, bool same) const {
    double lower, upper;
    bounds(a, b, same, d_, eta_, lower, upper);
    const bool may_link = upper + margin_ > threshold_;
    const bool whole = may_link && lower - margin_ > threshold_;
    return {upper + margin_ > max_, lower - margin_ < min_, may_link && !whole, whole};
  }

  int d_;
  double threshold_, eta_, margin_ = 0;
  UnionFind& forest_;
};

// The summary of a frontier node that every rank receives: its shape, its point count, one of
// its points (the first in tree order) and that point's global index.
struct Summary {
  static int width(int d) { return 4 * d + 3; }
  // Row layout: centre (d), radius, low (d), high (d), count, global index, point (d).
  static Shape shape(const double* row, int d) { return {row, row[d], row + d + 1, row + 2 * d + 1}; }
  static std::int64_t count(const double* row, int d) { return std::int64_t(row[3 * d + 1]); }
  static std::int64_t global(const double* row, int d) { return std::int64_t(row[3 * d + 2]); }
  static const double* point(const double* row, int d) { return row + 3 * d + 3; }
};

// The frontier of a tree: the nodes at depth `depth`, or leaves above it (every point in exactly
// one).
std::vector<int> frontier_of(const Tree& tree, int depth) {
  std::vector<int> frontier;
  if (tree.nodes.empty()) return frontier;
  const std::function<void(int, int)> collect = [&](int node, int level) {
    const auto& nd = tree.nodes[std::size_t(node)];
    if (nd.left < 0 || level == depth) {
      frontier.push_back(node);
      return;
    }
    collect(nd.left, level + 1);
    collect(nd.right, level + 1);
  };
  collect(0, 0);
  return frontier;
}

// Marks the nodes whose points are already one component of the forest (children before
// parents: nodes are numbered in preorder), so that a later visit skips their links once the
// other node is in that component too.
void mark_united(Side& side, UnionFind& forest) {
  const auto& tree = side.tree;
  for (std::size_t k = tree.nodes.size(); k-- > 0;) {
    const auto& node = tree.nodes[k];
    if (side.united[k]) continue;
    if (node.left >= 0) {
      side.united[k] = side.united[std::size_t(node.left)] && side.united[std::size_t(node.right)] &&
                       forest.find(side.first(node.left)) == forest.find(side.first(node.right));
      continue;
    }
    const std::int64_t root = forest.find(side.first(int(k)));
    bool one = true;
    for (std::int64_t t = node.begin + 1; t < node.end && one; ++t)
      one = forest.find(side.offset + tree.order[std::size_t(t)]) == root;
    side.united[k] = one;
  }
}

// This rank's points after the spatial redistribution: rows of the cube-sphere cells in a
// contiguous range of keys (spatial/key_decomposition.hpp), a point and its antipode in the same
// cell, so that a rank's region is a compact cap and its antipodal cap, and mostly only pairs
// near the regions' boundaries (links, closest and farthest pairs) involve two ranks. d > 64 (no cube-sphere grid): by global index (no
// locality: correct, but cross-rank pairs are then pruned less).
struct Home {
  std::vector<double> points;         // m x d
  std::vector<std::int64_t> globals;  // global index of each row
};

Home redistribute(std::span<const double> points, std::int64_t first_index, int d, MPI_Comm comm) {
  const std::size_t count = points.size() / std::size_t(d);
  const int ranks = parallel::size_of(comm);
  Home home;
  if (ranks == 1) {
    home.points.assign(points.begin(), points.end());
    home.globals.resize(count);
    std::iota(home.globals.begin(), home.globals.end(), first_index);
    return home;
  }
  std::vector<spatial::CellKey> keys(count, 0);
  if (d <= 64) {
    // About 4096 cells per face (no more: the grid tabulates its cells' caps), ordered along a
    // Morton curve on each face.
    const int edge = int(std::floor(std::pow(4096.0, 1.0 / (d - 1)) + 1e-9));
    const spatial::CubeSphereGrid grid(
        d, std::clamp(edge, 1, spatial::CubeSphereGrid::max_cells_per_edge(d)));
    // x and -x get the same cell (the point with its largest coordinate made positive): a region
    // is a pair of antipodal caps, so the farthest pairs (near-antipodal) are mostly inside one
    // rank as the closest are.
    std::vector<double> flipped(static_cast<std::size_t>(d));
    for (std::size_t i = 0; i < count; ++i) {
      const double* x = points.data() + i * std::size_t(d);
      int largest = 0;
      for (int k = 1; k < d; ++k)
        if (std::abs(x[k]) > std::abs(x[largest])) largest = k;
      const double sign = x[largest] < 0 ? -1.0 : 1.0;
      for (int k = 0; k < d; ++k) flipped[std::size_t(k)] = sign * x[k];
      keys[i] = grid.key(flipped.data());
    }
  }
  std::vector<spatial::KeyPosition> items(count);
  for (std::size_t i = 0; i < count; ++i) items[i] = {keys[i], first_index + std::int64_t(i)};
  // The regions need not be exactly balanced: splitters from a sample, in one all-gather.
  const auto decomposition = spatial::KeyDecomposition::sampled(items, comm);
  parallel::Outbox mail(ranks, d + 1);
  for (std::size_t i = 0; i < count; ++i) {
    double* row = mail.add(decomposition.owner(items[i]));
    row[0] = double(items[i].tie);
    std::copy_n(points.data() + i * std::size_t(d), d, row + 1);
  }
  std::vector<int> received_counts;
  const auto rows = mail.send(comm, received_counts);
  const std::size_t m = rows.size() / std::size_t(d + 1);
  home.points.resize(m * std::size_t(d));
  home.globals.resize(m);
  for (std::size_t i = 0; i < m; ++i) {
    home.globals[i] = std::int64_t(rows[i * std::size_t(d + 1)]);
    std::copy_n(rows.data() + i * std::size_t(d + 1) + 1, d, home.points.data() + i * std::size_t(d));
  }
  return home;
}

// Frontier depth: about sqrt(3e7 / (P d)) nodes per rank (at most 1024), so that the summaries
// (P F (4 d + 3) values on every rank) and the seed products (F x P F inner products) stay small.
int frontier_depth(int ranks, int d) {
  const double nodes = std::clamp(std::sqrt(3e7 / (double(ranks) * d)), 1.0, 1024.0);
  return int(std::floor(std::log2(nodes)));
}

std::vector<std::int64_t> all_reduce_sum(std::vector<std::int64_t> values, MPI_Comm comm) {
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_INT64_T, MPI_SUM,
                          comm),
            "MPI_Allreduce(pair statistics counts)");
  return values;
}

void all_reduce_extremes(Search& search, MPI_Comm comm) {
  double extremes[2] = {search.max_, -search.min_};
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, extremes, 2, MPI_DOUBLE, MPI_MAX, comm),
            "MPI_Allreduce(inner products)");
  search.max_ = extremes[0];
  search.min_ = -extremes[1];
}

// Cross-rank component links, as pairs of component names (a component's name: the smallest
// global index of its members on the rank that names it), merged on rank 0: the number of
// successful unions, and (with `names` non-null) every linked name's final name (the smallest
// over its merged component), broadcast as sorted (name, final) pairs.
std::int64_t merge_links(std::vector<std::int64_t>& links, MPI_Comm comm,
                         std::vector<std::int64_t>* names, std::vector<std::int64_t>* finals) {
  const int rank = parallel::rank_of(comm);
  std::vector<int> counts, displacements;
  parallel::gather_layout(std::int64_t(links.size()), 1, comm, counts, displacements);
  std::vector<std::int64_t> all;
  if (rank == 0) all.resize(std::size_t(displacements.back() + counts.back()));
  check_mpi(MPI_Gatherv(links.data(), int(links.size()), MPI_INT64_T, all.data(), counts.data(),
                        displacements.data(), MPI_INT64_T, 0, comm),
            "MPI_Gatherv(cluster links)");
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> final_names;
  std::int64_t merges = 0;
  if (rank == 0) {
    ids = all;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const auto index = [&](std::int64_t id) {
      return std::int64_t(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
    };
    UnionFind forest(std::int64_t(ids.size()));
    for (std::size_t e = 0; e + 1 < all.size(); e += 2) forest.unite(index(all[e]), index(all[e + 1]));
    merges = std::int64_t(ids.size()) - forest.components();
    if (names) {
      // ids are sorted: the first member met of each component is its smallest name.
      std::vector<std::int64_t> smallest(ids.size(), -1);
      final_names.resize(ids.size());
      for (std::size_t k = 0; k < ids.size(); ++k) {
        auto& s = smallest[std::size_t(forest.find(std::int64_t(k)))];
        if (s < 0) s = ids[k];
        final_names[k] = s;
      }
    }
  }
  check_mpi(MPI_Bcast(&merges, 1, MPI_INT64_T, 0, comm), "MPI_Bcast(cluster merges)");
  if (names) {
    std::int64_t size = std::int64_t(ids.size());
    check_mpi(MPI_Bcast(&size, 1, MPI_INT64_T, 0, comm), "MPI_Bcast(cluster names)");
    ids.resize(std::size_t(size));
    final_names.resize(std::size_t(size));
    check_mpi(MPI_Bcast(ids.data(), int(size), MPI_INT64_T, 0, comm), "MPI_Bcast(cluster names)");
    check_mpi(MPI_Bcast(final_names.data(), int(size), MPI_INT64_T, 0, comm),
              "MPI_Bcast(cluster names)");
    *names = std::move(ids);
    *finals = std::move(final_names);
  }
  return merges;
}

}  // namespace

PairStatistics pair_statistics(std::span<const double> points, int dimension, double tolerance,
                               MPI_Comm comm, std::vector<std::int32_t>* labels_out) {
  const int d = dimension;
  const int rank = parallel::rank_of(comm), ranks = parallel::size_of(comm);
  const std::int64_t own_count = std::int64_t(points.size()) / d;
  const auto layout = parallel::partition_from_counts(own_count, comm);
  const auto block = parallel::block_partition(layout.global_count, comm);
  errors::ensure(block.first == layout.first && block.count == layout.count,
                 "pair_statistics: the points are not in the block partition");
  const std::int64_t first_index = layout.first;
  double eta = 0;
  for (std::int64_t i = 0; i < own_count; ++i) {
    const double* x = points.data() + i * d;
    eta = std::max(eta, std::abs(std::sqrt(inner(x, x, d)) - 1));
  }
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, &eta, 1, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce(norms)");
  const std::int64_t n = layout.global_count;

  // 1. This rank's region, its tree and the pairs inside it.
  Home home = redistribute(points, first_index, d, comm);
  const std::int64_t m = std::int64_t(home.globals.size());
  const Tree tree(home.points, d);
  UnionFind forest(m);
  Search search(d, tolerance, eta * (1 + 1e-12) + 1e-15, forest);
  Side own(tree, 0);
  for (std::int64_t j = 1; j < m; ++j) search.consider(inner(home.points.data(), home.points.data() + j * d, d));
  if (m > 0) search.visit(own, 0, own, 0);

  // 2. Every rank's frontier summaries; seeds for the extremes from their points.
  const int width = Summary::width(d);
  const auto frontier = frontier_of(tree, frontier_depth(ranks, d));
  std::vector<double> mine(frontier.size() * std::size_t(width));
  for (std::size_t f = 0; f < frontier.size(); ++f) {
    double* row = mine.data() + f * std::size_t(width);
    const Shape shape = shape_of(tree, frontier[f]);
    std::copy_n(shape.centre, d, row);
    row[d] = shape.radius;
    std::copy_n(shape.low, d, row + d + 1);
    std::copy_n(shape.high, d, row + 2 * d + 1);
    const auto& node = tree.nodes[std::size_t(frontier[f])];
    row[3 * d + 1] = double(node.end - node.begin);
    const std::int64_t first = tree.order[std::size_t(node.begin)];
    row[3 * d + 2] = double(home.globals[std::size_t(first)]);
    std::copy_n(home.points.data() + first * d, d, row + 3 * d + 3);
  }
  std::vector<int> counts, displacements;
  parallel::gather_layout(std::int64_t(frontier.size()), width, comm, counts, displacements);
  std::vector<double> summaries(std::size_t(displacements.back() + counts.back()));
  check_mpi(MPI_Allgatherv(mine.data(), int(mine.size()), MPI_DOUBLE, summaries.data(),
                           counts.data(), displacements.data(), MPI_DOUBLE, comm),
            "MPI_Allgatherv(pair search frontiers)");
  const auto row_of = [&](int r, std::size_t f) {
    return summaries.data() + displacements[std::size_t(r)] + f * std::size_t(width);
  };
  const auto nodes_of = [&](int r) { return std::size_t(counts[std::size_t(r)] / width); };
  for (std::size_t f = 0; f < frontier.size(); ++f)
    for (int r = 0; r < ranks; ++r)
      if (r != rank)
        for (std::size_t g = 0; g < nodes_of(r); ++g)
          search.consider(inner(Summary::point(row_of(rank, f), d), Summary::point(row_of(r, g), d), d));
  all_reduce_extremes(search, comm);

  // 3. The cross-rank node pairs, decided alike on both ranks from the summaries and the common
  // extremes: a whole link (both unite their node; the lower rank reports the link), or a
  // visit by one of the two ((r + s) even: the lower rank, odd: the higher), which receives the
  // other's node points.
  // Rows sent: node number, global index, whether the node is one component here, the point.
  mark_united(own, forest);
  const int mail_width = d + 3;
  parallel::Outbox node_mail(ranks, mail_width);
  std::vector<std::array<std::int64_t, 3>> visits;  // (rank s, node of s, frontier index here)
  std::vector<std::array<std::int64_t, 3>> whole_links;  // (frontier index here, rank s, global of s)
  {
    std::vector<std::int64_t> sent(frontier.size() * std::size_t(ranks), 0);
    for (int s = 0; s < ranks; ++s) {
      if (s == rank) continue;
      const int visitor = (rank + s) % 2 == 0 ? std::min(rank, s) : std::max(rank, s);
      for (std::size_t f = 0; f < frontier.size(); ++f)
        for (std::size_t g = 0; g < nodes_of(s); ++g) {
          const double* low_row = rank < s ? row_of(rank, f) : row_of(s, g);
          const double* high_row = rank < s ? row_of(s, g) : row_of(rank, f);
          const auto need = search.need(Summary::shape(low_row, d), Summary::shape(high_row, d), false);
          if (need == Search::Need::whole_link) {
            search.unite_node(own, frontier[f]);
            if (rank < s) whole_links.push_back({std::int64_t(f), s, Summary::global(row_of(s, g), d)});
          } else if (need == Search::Need::visit) {
            if (visitor == rank) {
              visits.push_back({s, std::int64_t(g), std::int64_t(f)});
            } else if (!sent[f * std::size_t(ranks) + std::size_t(s)]) {
              sent[f * std::size_t(ranks) + std::size_t(s)] = 1;
              const auto& node = tree.nodes[std::size_t(frontier[f])];
              for (std::int64_t t = node.begin; t < node.end; ++t) {
                const std::int64_t i = tree.order[std::size_t(t)];
                double* row = node_mail.add(s);
                row[0] = double(f);
                row[1] = double(home.globals[std::size_t(i)]);
                row[2] = own.united[std::size_t(frontier[f])] ? 1.0 : 0.0;
                std::copy_n(home.points.data() + i * d, d, row + 3);
              }
            }
          }
        }
    }
  }
  std::vector<int> received_counts;
  const auto received = node_mail.send(comm, received_counts);

  // 4. Visit the received nodes: each a small tree, its points after this rank's in the forest;
  // a node that is one component on its rank is one here too (linked through that rank's points).
  const std::size_t remote_count = received.size() / std::size_t(mail_width);
  forest.extend(std::int64_t(remote_count));
  std::vector<std::int64_t> remote_globals(remote_count);
  std::vector<int> remote_rank(remote_count);
  std::sort(visits.begin(), visits.end());
  {
    std::size_t row = 0;
    for (int s = 0; s < ranks; ++s) {
      const std::size_t end = row + std::size_t(received_counts[std::size_t(s)]);
      while (row < end) {
        // One node of rank s: consecutive rows with the same node number.
        const std::size_t begin = row;
        const std::int64_t node = std::int64_t(received[begin * std::size_t(mail_width)]);
        const bool one_component = received[begin * std::size_t(mail_width) + 2] != 0;
        std::vector<double> node_points;
        for (; row < end && std::int64_t(received[row * std::size_t(mail_width)]) == node; ++row) {
          const double* r = received.data() + row * std::size_t(mail_width);
          remote_globals[row] = std::int64_t(r[1]);
          remote_rank[row] = s;
          node_points.insert(node_points.end(), r + 3, r + 3 + d);
        }
        const Tree remote_tree(node_points, d);
        Side remote(remote_tree, m + std::int64_t(begin));
        if (one_component) {
          for (std::size_t k = begin + 1; k < row; ++k)
            forest.unite(m + std::int64_t(begin), m + std::int64_t(k));
          std::fill(remote.united.begin(), remote.united.end(), 1);
        }
        const std::array<std::int64_t, 3> key{s, node, -1};
        for (auto v = std::lower_bound(visits.begin(), visits.end(), key);
             v != visits.end() && (*v)[0] == s && (*v)[1] == node; ++v)
          search.visit(own, frontier[std::size_t((*v)[2])], remote, 0);
      }
    }
  }
  all_reduce_extremes(search, comm);

  // 5. Components: each of this rank's components named by its smallest global index; the
  // links to other ranks' points (through the visited copies and the whole links) sent to their
  // owners, who put their own names on them; merged on rank 0.
  std::vector<std::int64_t> smallest(std::size_t(m + std::int64_t(remote_count)),
                                     std::numeric_limits<std::int64_t>::max());
  for (std::int64_t i = 0; i < m; ++i) {
    auto& s = smallest[std::size_t(forest.find(i))];
    s = std::min(s, home.globals[std::size_t(i)]);
  }
  // (A component's root may be a received copy: count its smallest own member instead.)
  std::int64_t components = 0;
  for (std::int64_t i = 0; i < m; ++i)
    components += smallest[std::size_t(forest.find(i))] == home.globals[std::size_t(i)];
  const auto name_of = [&](std::int64_t item) { return smallest[std::size_t(forest.find(item))]; };
  parallel::Outbox link_mail(ranks, 2);
  for (std::size_t k = 0; k < remote_count; ++k) {
    const std::int64_t name = name_of(m + std::int64_t(k));
    if (name == std::numeric_limits<std::int64_t>::max()) continue;  // linked to nothing here
    double* row = link_mail.add(remote_rank[k]);
    row[0] = double(name);
    row[1] = double(remote_globals[k]);
  }
  for (const auto& [f, s, global] : whole_links) {
    double* row = link_mail.add(int(s));
    row[0] = double(name_of(own.first(frontier[std::size_t(f)])));
    row[1] = double(global);
  }
  const auto link_rows = link_mail.send(comm, received_counts);
  std::vector<std::int64_t> position(static_cast<std::size_t>(m));  // rows of this rank by global index
  std::iota(position.begin(), position.end(), std::int64_t(0));
  std::sort(position.begin(), position.end(), [&](std::int64_t a, std::int64_t b) {
    return home.globals[std::size_t(a)] < home.globals[std::size_t(b)];
  });
  const auto local_of = [&](std::int64_t global) {
    const auto at = std::lower_bound(position.begin(), position.end(), global,
                                     [&](std::int64_t p, std::int64_t g) {
                                       return home.globals[std::size_t(p)] < g;
                                     });
    errors::ensure(at != position.end() && home.globals[std::size_t(*at)] == global,
                   "pair_statistics: a cross-rank link names a token this rank does not hold");
    return *at;
  };
  std::vector<std::int64_t> links;
  links.reserve(link_rows.size());
  for (std::size_t e = 0; e + 1 < link_rows.size(); e += 2) {
    links.push_back(std::int64_t(link_rows[e]));
    links.push_back(name_of(local_of(std::int64_t(link_rows[e + 1]))));
  }
  {
    // Many node pairs link the same two components: each pair of names once.
    std::vector<std::array<std::int64_t, 2>> pairs(links.size() / 2);
    for (std::size_t e = 0; e < pairs.size(); ++e) pairs[e] = {links[2 * e], links[2 * e + 1]};
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    links.clear();
    for (const auto& [a, b] : pairs) {
      links.push_back(a);
      links.push_back(b);
    }
  }
  std::vector<std::int64_t> names, finals;
  const std::int64_t merges =
      merge_links(links, comm, labels_out ? &names : nullptr, labels_out ? &finals : nullptr);

  PairStatistics result;
  result.clusters = all_reduce_sum({components}, comm)[0] - merges;
  result.max_inner = n < 2 ? 1.0 : search.max_;
  result.min_inner = n < 2 ? 1.0 : search.min_;
  if (!labels_out) return result;

  // 6. Labels in the caller's layout: clusters numbered 0, 1, ... in the order of their smallest
  // global index. Each token's final name; a flag at every cluster's smallest member, in block
  // layout; the flags' prefix sums are the labels.
  std::vector<double> final_name(static_cast<std::size_t>(m)), is_smallest(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) {
    std::int64_t name = name_of(i);
    const auto at = std::lower_bound(names.begin(), names.end(), name);
    if (at != names.end() && *at == name) name = finals[std::size_t(at - names.begin())];
    final_name[std::size_t(i)] = double(name);
    is_smallest[std::size_t(i)] = name == home.globals[std::size_t(i)] ? 1.0 : 0.0;
  }
  const auto flags = parallel::rows_to_blocks(is_smallest, home.globals, 1, n, comm);
  std::int64_t before = 0, here = 0;
  for (double f : flags) here += f != 0;
  check_mpi(MPI_Exscan(&here, &before, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Exscan(cluster labels)");
  if (rank == 0) before = 0;
  std::vector<double> table(flags.size());
  for (std::size_t k = 0; k < flags.size(); ++k) {
    table[k] = double(before);
    before += flags[k] != 0;
  }
  std::vector<std::int64_t> final_index(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) final_index[std::size_t(i)] = std::int64_t(final_name[std::size_t(i)]);
  const auto label_rows = parallel::rows_from_blocks(table, final_index, 1, n, comm);
  const auto block_labels = parallel::rows_to_blocks(label_rows, home.globals, 1, n, comm);
  labels_out->resize(block_labels.size());
  for (std::size_t k = 0; k < block_labels.size(); ++k) (*labels_out)[k] = std::int32_t(block_labels[k]);
  return result;
}

PairStatistics pair_statistics(const particles::State& state, double tolerance,
                               std::vector<std::int32_t>* labels) {
  return pair_statistics(state.positions, state.dimension, tolerance, state.comm, labels);
}

}  // namespace attnflow::diagnostics

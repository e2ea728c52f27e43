#include "interaction/large_beta_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <string>

#include "errors/errors.hpp"
#include "interaction/direct_engine.hpp"
#include "interaction/factorised_kernel.hpp"
#include "interaction/spectral_engine.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"

namespace attnflow::interaction {

using parallel::check_mpi;
using parallel::Section;
using spatial::CellIndex;
using spatial::CellKey;
using spatial::KeyPosition;

namespace {

// Imbalance (slowest rank over the mean) above which the decomposition is recomputed.
constexpr double rebalance_threshold = 1.10;
// Cost of routing, sorting and setting up one target, in kernel pairs (for the balance only).
constexpr std::int64_t target_overhead_pairs = 32;

// Points of the cells a rank works on, cell by cell in key order and within a cell in global
// index order, each cell's slice starting on the kernel's block grid (so that a point's lane is
// its position in the cell mod 4 on every rank) and padded with zero entries. Rows `stride`
// apart: positions, offsets from the cell centre, V x (when V is not the identity), weights.
struct CellStore {
  CellIndex index;
  std::size_t stride = 0;
  AlignedVector<double> buffer;
  const double* positions = nullptr;
  const double* offsets = nullptr;
  const double* values = nullptr;
  const double* weights = nullptr;
  std::vector<std::int64_t> slice_begin, slice_end;  // entries of cell c
  std::vector<std::int64_t> globals;                 // per entry (padding: int64 max)
  std::vector<double> centres;                       // expansion centre of cell c (d each)
  std::vector<double> grid_centres, grid_radius;     // grid cap of cell c (for candidates)
  std::vector<double> chord_radius;                  // largest |x - centre| of the points
  std::vector<double> angle_radius;                  // the same as an angle, plus the margin
  std::vector<double> threshold;                     // cos(theta_c + angle_radius)

  std::size_t cells() const { return index.cell_count(); }
  std::size_t count(std::size_t c) const {
    return static_cast<std::size_t>(slice_end[c] - slice_begin[c]);
  }
  SourceArrays arrays(int d) const {
    return SourceArrays{d, stride, stride, 0, 0, static_cast<std::int64_t>(stride),
                        positions, values, weights};
  }
  FactorisedCell cell(std::size_t c, int d) const {
    const auto b = static_cast<std::size_t>(slice_begin[c]);
    return FactorisedCell{count(c),       stride,         positions + b, offsets + b,
                          values + b,     weights + b,    centres.data() + c * d};
  }
};

double inner_product(const double* a, const double* b, int d) {
  double sum = 0;
  for (int k = 0; k < d; ++k) sum += a[k] * b[k];
  return sum;
}

// rows: [global index, x (d), weight (if with_weights)] per point.
void build_store(const Kernel& kernel, const spatial::CubeSphereGrid& grid,
                 const std::vector<double>& rows, bool with_weights, double cutoff_angle,
                 CellStore& store) {
  const int d = kernel.dimension, width = d + 1 + (with_weights ? 1 : 0);
  const std::size_t count = rows.size() / width;
  std::vector<CellKey> keys(count);
  std::vector<std::int64_t> globals(count);
  for (std::size_t j = 0; j < count; ++j) {
    globals[j] = static_cast<std::int64_t>(rows[j * width]);
    keys[j] = grid.key(rows.data() + j * width + 1);
  }
  store.index.build(keys, globals);
  const std::size_t cells = store.index.cell_count();
  store.slice_begin.resize(cells);
  store.slice_end.resize(cells);
  std::int64_t entries = 0;
  for (std::size_t c = 0; c < cells; ++c) {
    const auto size = static_cast<std::int64_t>(store.index.end(c) - store.index.begin(c));
    store.slice_begin[c] = entries;
    store.slice_end[c] = entries + size;
    entries += (size + block_alignment - 1) / block_alignment * block_alignment;
  }
  const bool identity_value = kernel.value.is_identity();
  store.stride = static_cast<std::size_t>(entries);
  const std::size_t stride = store.stride;
  store.buffer.assign(std::max<std::size_t>(stride, 1) * (2 * d + (identity_value ? 0 : d) + 1),
                      0.0);
  double* positions = store.buffer.data();
  double* offsets = positions + d * stride;
  double* values = identity_value ? positions : offsets + d * stride;
  double* w = (identity_value ? offsets : values) + d * stride;
  store.positions = positions;
  store.offsets = offsets;
  store.values = values;
  store.weights = w;
  store.globals.assign(stride, std::numeric_limits<std::int64_t>::max());
  store.centres.resize(cells * d);
  store.grid_centres.resize(cells * d);
  store.grid_radius.resize(cells);
  store.chord_radius.assign(cells, 0.0);
  store.angle_radius.resize(cells);
  store.threshold.resize(cells);
  std::vector<double> centre(d);
  for (std::size_t c = 0; c < cells; ++c) {
    const auto cap = grid.cap(store.index.cell_key(c));
    std::copy(cap.centre.begin(), cap.centre.end(), store.grid_centres.begin() + c * d);
    store.grid_radius[c] = cap.radius;
    // Expansion centre: the normalised mean of the points (in their canonical order), which
    // keeps rho, and so the factorised kernel's degree, small even for a cluster off the cell's
    // middle; the grid centre if the mean vanishes.
    std::fill(centre.begin(), centre.end(), 0.0);
    for (std::size_t p = store.index.begin(c); p < store.index.end(c); ++p)
      for (int k = 0; k < d; ++k) centre[k] += rows[store.index.order()[p] * width + 1 + k];
    const double norm = std::sqrt(inner_product(centre.data(), centre.data(), d));
    for (int k = 0; k < d; ++k) centre[k] = norm > 1e-12 ? centre[k] / norm : cap.centre[k];
    std::copy(centre.begin(), centre.end(), store.centres.begin() + c * d);
    std::int64_t entry = store.slice_begin[c];
    for (std::size_t p = store.index.begin(c); p < store.index.end(c); ++p, ++entry) {
      const double* row = rows.data() + store.index.order()[p] * width;
      store.globals[entry] = static_cast<std::int64_t>(row[0]);
      double chord = 0;
      for (int k = 0; k < d; ++k) {
        positions[k * stride + entry] = row[1 + k];
        offsets[k * stride + entry] = row[1 + k] - centre[k];
        chord += offsets[k * stride + entry] * offsets[k * stride + entry];
      }
      store.chord_radius[c] = std::max(store.chord_radius[c], std::sqrt(chord));
      w[entry] = with_weights ? row[1 + d] : 0.0;
      if (!identity_value)
        for (int r = 0; r < d; ++r) {
          double sum = 0;
          for (int k = 0; k < d; ++k) sum += kernel.value(r, k) * row[1 + k];
          values[r * stride + entry] = sum;
        }
    }
    store.angle_radius[c] = 2 * std::asin(std::min(1.0, store.chord_radius[c] / 2)) +
                            spatial::CubeSphereGrid::cap_margin;
    const double reach = cutoff_angle + store.angle_radius[c];
    store.threshold[c] = reach >= std::numbers::pi ? -2.0 : std::cos(reach);
  }
}

// The near-field sums of one evaluation, over cell pairs (A, B) of a target store and a source
// store (the same store when the targets are the sources). A pair takes part when
// angle(c_A, c_B) <= theta_c + rho_A + rho_B (rho: the cells' point radii): every source within
// theta_c of a target of A lies in such a B. A pair of cells no wider than the kernel
// (beta rho_A rho_B small: factorised_expansion) goes through the factorised kernel, row i
// taking part when <x_i, c_B> >= cos(theta_c + rho_B) (otherwise no point of B is within
// theta_c of x_i); wider pairs through the direct kernel, target i summing B's sources under the
// same test. Each target's factorised partials go into its running sum in increasing key order of
// the partner cell (with symmetric stores: partners before its own cell as columns, while the
// earlier cells are processed, then its own cell, then later cells as rows), its direct-kernel
// terms into its lanes; sums = lanes + running sum.
class NearField {
 public:
  NearField(const Kernel& kernel, const spatial::CubeSphereGrid& grid, double cutoff_angle,
            double term_budget, const CellStore& targets, const CellStore& sources,
            bool symmetric, const std::vector<unsigned char>& target_here)
      : kernel_(kernel),
        grid_(grid),
        cutoff_(cutoff_angle),
        term_budget_(term_budget),
        targets_(targets),
        sources_(sources),
        symmetric_(symmetric),
        here_(target_here),
        d_(kernel.dimension) {
    const std::size_t entries = targets.stride;
    running_.assign(entries * (1 + d_), 0.0);
    pairs_.assign(entries, 0);
    lanes_.resize(targets.cells());
    has_targets_.assign(targets.cells(), 0);
    for (std::size_t c = 0; c < targets.cells(); ++c)
      for (auto e = targets.slice_begin[c]; e < targets.slice_end[c]; ++e)
        has_targets_[c] = has_targets_[c] || here_[e];
    exponent_vectors_.resize(entries * d_);
    for (std::size_t e = 0; e < entries; ++e)
      for (int k = 0; k < d_; ++k)
        exponent_vectors_[e * d_ + k] = kernel.beta * targets.positions[k * targets.stride + e];
    shifts_.assign(entries, kernel.constant_shift);
  }

  void run() {
    std::vector<CellKey> candidates;
    for (std::size_t a = 0; a < targets_.cells(); ++a) {
      // With separate stores only cells with targets here matter; with one store every cell
      // may be the row partner of a later cell with targets here.
      if (!symmetric_ && !has_targets_[a]) continue;
      grid_.cells_meeting_cap(targets_.grid_centres.data() + a * d_,
                              cutoff_ + targets_.grid_radius[a],
                              candidates);
      for (const CellKey key : candidates) {
        if (symmetric_ && key < targets_.index.cell_key(a)) continue;  // done as (key, a)
        const std::size_t b = sources_.index.find(key);
        if (b == CellIndex::npos) continue;
        if (symmetric_ && !has_targets_[a] && !has_targets_[b]) continue;
        pair(a, b);
      }
    }
  }

  // The sums of the targets of `cell`, in its order: numerators (count x d) and normalisers.
  void finish(std::size_t cell, double* numerators, double* normalisers) {
    const std::size_t first = static_cast<std::size_t>(targets_.slice_begin[cell]);
    const std::size_t count = targets_.count(cell);
    if (lanes_[cell]) {
      lanes_[cell]->finish(numerators, normalisers);
    } else {
      std::fill(numerators, numerators + count * d_, 0.0);
      std::fill(normalisers, normalisers + count, 0.0);
    }
    for (std::size_t t = 0; t < count; ++t) {
      const double* running = running_.data() + (first + t) * (1 + d_);
      normalisers[t] += running[0];
      for (int k = 0; k < d_; ++k) numerators[t * d_ + k] += running[1 + k];
    }
  }
  std::int64_t pairs(std::size_t entry) const { return pairs_[entry]; }
  std::int64_t factorised_pairs() const { return factorised_pairs_; }
  std::int64_t direct_pairs() const { return direct_pairs_; }

 private:
  void pair(std::size_t a, std::size_t b) {
    const double* ca = targets_.centres.data() + a * d_;
    const double* cb = sources_.centres.data() + b * d_;
    const double reach = cutoff_ + targets_.angle_radius[a] + sources_.angle_radius[b];
    if (reach < std::numbers::pi && inner_product(ca, cb, d_) < std::cos(reach)) return;
    const double beta = kernel_.beta;
    const double ra = targets_.chord_radius[a], rb = sources_.chord_radius[b];
    // G_j = e^{beta <c_A, b_j>} and its mirror must not overflow; causal sums need the index
    // windows of the direct kernel.
    const bool factorisable =
        !kernel_.causal && beta * std::max(ra, rb) <= factorised_exponent_limit;
    // Largest term of the pair relative to e^{beta - shift}: the points are at least
    // angle(c_A, c_B) - both radii apart.
    double chord = 0;
    for (int k = 0; k < d_; ++k) chord += (ca[k] - cb[k]) * (ca[k] - cb[k]);
    const double centres_angle = 2 * std::asin(std::min(1.0, std::sqrt(chord) / 2));
    const double gap = std::max(0.0, centres_angle - targets_.angle_radius[a] -
                                         sources_.angle_radius[b] -
                                         spatial::CubeSphereGrid::cap_margin);
    const double largest_term = std::exp(-beta * (1 - std::cos(gap)));
    const FactorisedExpansion* expansion =
        factorisable ? factorised_expansion(beta * ra * rb * (1 + 1e-12), largest_term, term_budget_)
                     : nullptr;
    if (expansion)
      factorised(a, b, *expansion);
    else
      direct(a, b);
  }

  void factorised(std::size_t a, std::size_t b, const FactorisedExpansion& expansion) {
    const FactorisedCell rows = targets_.cell(a, d_), columns = sources_.cell(b, d_);
    const auto row_first = static_cast<std::size_t>(targets_.slice_begin[a]);
    const auto column_first = static_cast<std::size_t>(sources_.slice_begin[b]);
    const bool same = symmetric_ && a == b;
    const bool with_columns = symmetric_ && !same;
    // Row i takes part when <x_i, c_B> >= cos(theta_c + rho_B), column j when
    // <y_j, c_A> >= cos(theta_c + rho_A): otherwise no point of the other cell is within theta_c.
    const double* cb = sources_.centres.data() + b * d_;
    const double* ca = targets_.centres.data() + a * d_;
    included_.resize(rows.count);
    std::int64_t included_rows = 0;
    for (std::size_t i = 0; i < rows.count; ++i) {
      included_[i] = same || inner_product_row(row_first + i, cb) >= sources_.threshold[b];
      included_rows += included_[i];
    }
    if (included_rows == 0) return;
    column_included_.resize(columns.count);
    std::int64_t included_columns = 0;
    for (std::size_t j = 0; j < columns.count; ++j) {
      double inner = 0;
      for (int k = 0; k < d_; ++k)
        inner += sources_.positions[k * sources_.stride + column_first + j] * ca[k];
      column_included_[j] = same || inner >= targets_.threshold[a];
      included_columns += column_included_[j];
    }
    if (included_columns == 0) return;
    factorised_pair(d_, kernel_.beta, kernel_.constant_shift, expansion, rows, columns,
                    included_.data(), column_included_.data(),
                    running_.data() + row_first * (1 + d_),
                    with_columns ? running_.data() + column_first * (1 + d_) : nullptr, scratch_);
    factorised_pairs_ += included_rows * included_columns;
    for (std::size_t i = 0; i < rows.count; ++i)
      if (included_[i]) pairs_[row_first + i] += included_columns;
    if (with_columns)
      for (std::size_t j = 0; j < columns.count; ++j)
        if (column_included_[j]) pairs_[column_first + j] += included_rows;
  }

  // <x of target entry e, centre>.
  double inner_product_row(std::size_t e, const double* centre) const {
    double sum = 0;
    for (int k = 0; k < d_; ++k) sum += targets_.positions[k * targets_.stride + e] * centre[k];
    return sum;
  }

  // The direct kernel, for the targets of cell `a` over the sources of cell `b` and, with one
  // store, for the targets of b over the sources of a.
  void direct(std::size_t a, std::size_t b) {
    direct_one_way(a, b);
    if (symmetric_ && a != b) direct_one_way(b, a);
  }

  void direct_one_way(std::size_t a, std::size_t b) {
    if (!has_targets_[a]) return;
    const auto first = static_cast<std::size_t>(targets_.slice_begin[a]);
    const std::size_t count = targets_.count(a);
    const double* centre = sources_.centres.data() + b * d_;
    const double threshold = sources_.threshold[b];
    const std::int64_t begin = sources_.slice_begin[b], end = sources_.slice_end[b];
    lower_.assign(count, begin);
    upper_.assign(count, begin);
    bool any = false;
    for (std::size_t t = 0; t < count; ++t) {
      const std::size_t e = first + t;
      if (!here_[e] || inner_product_row(e, centre) < threshold) continue;
      std::int64_t stop = end;
      if (kernel_.causal)
        stop = std::upper_bound(sources_.globals.begin() + begin, sources_.globals.begin() + end,
                                targets_.globals[e]) -
               sources_.globals.begin();
      upper_[t] = stop;
      pairs_[e] += stop - begin;
      direct_pairs_ += stop - begin;
      any = any || stop > begin;
    }
    if (!any) return;
    if (!lanes_[a]) {
      lanes_[a] = std::make_unique<KernelAccumulators>();
      lanes_[a]->reset(count, d_);
    }
    kernel_accumulate(sources_.arrays(d_), count, exponent_vectors_.data() + first * d_,
                      shifts_.data() + first, lower_.data(), upper_.data(), *lanes_[a]);
  }

  // beta |b_j| bound for the factorised kernel: G_j <= e^{600} stays far from overflow.
  static constexpr double factorised_exponent_limit = 600;

  const Kernel& kernel_;
  const spatial::CubeSphereGrid& grid_;
  double cutoff_;
  double term_budget_;  // error allowed per factorised term, relative to e^{beta - shift}
  const CellStore& targets_;
  const CellStore& sources_;
  bool symmetric_;
  const std::vector<unsigned char>& here_;
  int d_;
  std::vector<double> running_;
  std::vector<std::int64_t> pairs_;
  std::int64_t factorised_pairs_ = 0, direct_pairs_ = 0;
  std::vector<std::unique_ptr<KernelAccumulators>> lanes_;
  std::vector<unsigned char> has_targets_, included_, column_included_;
  std::vector<double> exponent_vectors_, shifts_;
  std::vector<std::int64_t> lower_, upper_;
  FactorisedScratch scratch_;
};

}  // namespace

CutoffGeometry cutoff_geometry(int dimension, double beta, double tolerance) {
  CutoffGeometry g;
  // 1 - cos theta_c = ln(1/eps) / beta: beyond it e^{beta (<x, y> - 1)} < eps.
  const double gap = beta > 0 ? std::log(1 / tolerance) / beta : HUGE_VAL;
  if (gap >= 2) {
    g.angle = std::numbers::pi;
    g.chord = 2;
    g.area_fraction = 1;
    g.wide = true;
    return g;
  }
  g.chord = std::sqrt(2 * gap);  // |x - y|^2 = 2 (1 - <x, y>)
  g.angle = 2 * std::asin(g.chord / 2);
  g.area_fraction = spatial::cap_area_fraction(dimension, g.angle);
  g.wide = g.area_fraction > wide_area_fraction;
  return g;
}

int LargeBetaEngine::cells_per_edge_for(int dimension, double beta, double cutoff_angle,
                                        std::int64_t source_count) {
  // Cell width: a fraction of the cut-off, and no wider than the kernel (beta rho^2 about
  // grid_cell_exponent with rho ~ width / sqrt(2), the half-diagonal) so that cell pairs suit
  // the factorised kernel.
  double width = cutoff_angle / grid_cells_per_cutoff;
  if (beta > 0) width = std::min(width, std::sqrt(2 * grid_cell_exponent / beta));
  const double across = std::ceil((std::numbers::pi / 2) / width);
  const double by_points = std::floor(std::pow(
      static_cast<double>(source_count) / (2.0 * dimension * grid_points_per_cell),
      1.0 / (dimension - 1)));
  const double m = std::min(across, by_points);
  return static_cast<int>(std::clamp(
      m, 1.0, static_cast<double>(spatial::CubeSphereGrid::max_cells_per_edge(dimension))));
}

LargeBetaEngine::LargeBetaEngine(const Kernel& kernel, MPI_Comm comm, double tolerance)
    : kernel_(kernel), comm_(comm), tolerance_(tolerance) {
  errors::require(kernel.dimension >= 2 && kernel.dimension <= 64,
                  "--engine large-beta: dimension " + std::to_string(kernel.dimension) +
                      " is not supported; accepted: 2 <= d <= 64");
  errors::require(kernel.identity_query_key(),
                  "--query, --key: the large-beta engine needs K^T Q = I (it cuts off around "
                  "the target itself); accepted: identity query and key, or another engine "
                  "(direct, ring)");
  errors::require(kernel.beta >= 0 && std::isfinite(kernel.beta),
                  "--beta: the large-beta engine needs a finite beta >= 0");
  errors::require(tolerance >= 1e-14 && tolerance <= 0.5,
                  "--engine-tolerance: " + std::to_string(tolerance) +
                      " is outside the accepted range [1e-14, 0.5]");
  geometry_ = cutoff_geometry(kernel.dimension, kernel.beta, tolerance);
  if (geometry_.wide) {
    if ((kernel.dimension == 2 || kernel.dimension == 3) && !kernel.causal && kernel.beta > 0)
      fallback_ = std::make_unique<SpectralEngine>(kernel, comm, tolerance);
    else
      fallback_ = std::make_unique<DirectEngine>(kernel, comm);
  }
}

LargeBetaEngine::~LargeBetaEngine() = default;

std::string LargeBetaEngine::summary() const {
  using text::format_number;
  const std::string sphere = "S^" + std::to_string(kernel_.dimension - 1);
  const std::string cap = format_number(100 * geometry_.area_fraction) + "% of " + sphere;
  if (fallback_)
    return "large-beta (cut-off cap " + cap + " at beta = " + format_number(kernel_.beta) +
           ", tolerance " + format_number(tolerance_) + ": wider than " +
           format_number(100 * wide_area_fraction) + "%, evaluated by the " + fallback_->summary() +
           ")";
  return "large-beta (cut-off angle " + format_number(geometry_.angle) + " rad, chord " +
         format_number(geometry_.chord) + ", cap " + cap +
         "; near-field sums on cube-sphere cells; a-priori bound: every sum within " +
         format_number(tolerance_) +
         " x W e^{beta - shift} (numerators x |V|); bitwise rank-independent)";
}

void LargeBetaEngine::evaluate(std::span<const double> targets, std::span<const double> sources,
                               std::span<const double> weights, KernelSums& sums) {
  if (fallback_) {
    fallback_->set_timers(timers_);
    fallback_->evaluate(targets, sources, weights, sums);
    pairs_ = fallback_->pairs_last_call();
    return;
  }
  cutoff_evaluate(targets, sources, weights, sums);
}

void LargeBetaEngine::cutoff_evaluate(std::span<const double> targets,
                                      std::span<const double> sources,
                                      std::span<const double> weights, KernelSums& sums) {
  const int d = kernel_.dimension;
  const int ranks = parallel::size_of(comm_), rank = parallel::rank_of(comm_);
  const std::size_t target_count = targets.size() / d, source_count = weights.size();
  // Communication is timed by scopes; compute is the rest of the call (scopes do not nest).
  parallel::Timers local_timers;
  const double start = MPI_Wtime();
  struct Report {
    parallel::Timers* timers;
    const parallel::Timers& local;
    double start;
    ~Report() {
      if (!timers) return;
      const double communication = local.total(Section::communication);
      timers->add(Section::communication, communication);
      timers->add(Section::compute, MPI_Wtime() - start - communication);
    }
  } report{timers_, local_timers, start};
  parallel::Partition source_part, target_part;
  std::vector<std::int64_t> target_firsts(ranks);
  {
    parallel::Timers::Scope scope(&local_timers, Section::communication);
    source_part = parallel::partition_from_counts(static_cast<std::int64_t>(source_count), comm_);
    target_part = parallel::partition_from_counts(static_cast<std::int64_t>(target_count), comm_);
    check_mpi(MPI_Allgather(&target_part.first, 1, MPI_INT64_T, target_firsts.data(), 1,
                            MPI_INT64_T, comm_),
              "MPI_Allgather(target offsets)");
  }
  // The targets are the sources (a particle step): one collective decision, so that every rank
  // routes the same way.
  int same = targets.data() == sources.data() && target_count == source_count ? 1 : 0;
  {
    parallel::Timers::Scope scope(&local_timers, Section::communication);
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_MIN, comm_),
              "MPI_Allreduce(targets are sources)");
  }
  const bool symmetric = same == 1;
  sums.numerator.assign(target_count * d, 0.0);
  sums.normaliser.assign(target_count, 0.0);
  pairs_ = 0;
  statistics_ = Statistics{};
  if (source_part.global_count == 0) return;

  // The grid depends on N, d, beta and eps only: the same on every rank and rank count.
  if (!grid_ || grid_source_count_ != source_part.global_count) {
    grid_ = std::make_unique<spatial::CubeSphereGrid>(
        d, cells_per_edge_for(d, kernel_.beta, geometry_.angle, source_part.global_count));
    grid_source_count_ = source_part.global_count;
    decomposition_ = spatial::KeyDecomposition();
    previous_destinations_.clear();
    rebalance_due_ = false;
  }
  const spatial::CubeSphereGrid& grid = *grid_;
  statistics_.cells_per_edge = grid.cells_per_edge();
  std::vector<CellKey> target_keys(target_count), source_keys(source_count);
  grid.keys(targets, target_keys);
  grid.keys(sources, source_keys);

  // Decomposition: balanced on target counts at first, then on the measured work.
  if (!decomposition_.defined() || rebalance_due_) {
    std::vector<KeyPosition> items;
    std::vector<std::int64_t> item_weights;
    if (!decomposition_.defined()) {
      for (std::size_t i = 0; i < target_count; ++i)
        items.push_back({target_keys[i], target_part.first + static_cast<std::int64_t>(i)});
      item_weights.assign(items.size(), 1);
    } else {
      items = work_items_;
      item_weights = work_weights_;
    }
    parallel::Timers::Scope scope(&local_timers, Section::communication);
    decomposition_ = spatial::KeyDecomposition::balanced(items, item_weights, comm_);
    statistics_.rebalanced = true;
    rebalance_due_ = false;
  }

  // Migration: every token goes to the owner of its cell, wherever that is. When the targets
  // are the sources they travel once, as sources, to the first owner of their cell; the ranks
  // sharing a crowded cell receive it in the halo.
  std::vector<int> destinations(target_count);
  for (std::size_t i = 0; i < target_count; ++i)
    destinations[i] = decomposition_.owner(
        {target_keys[i], target_part.first + static_cast<std::int64_t>(i)});
  if (previous_destinations_.size() == target_count)
    for (std::size_t i = 0; i < target_count; ++i) {
      statistics_.migrated += destinations[i] != previous_destinations_[i];
      statistics_.migrated_far += std::abs(destinations[i] - previous_destinations_[i]) > 1;
    }
  previous_destinations_ = destinations;
  parallel::Outbox target_mail(ranks, d + 1), source_mail(ranks, d + 2);
  if (!symmetric)
    for (std::size_t i = 0; i < target_count; ++i) {
      double* row = target_mail.add(destinations[i]);
      row[0] = static_cast<double>(target_part.first + static_cast<std::int64_t>(i));
      std::copy_n(targets.data() + i * d, d, row + 1);
    }
  for (std::size_t j = 0; j < source_count; ++j) {
    double* row = source_mail.add(decomposition_.first_owner(source_keys[j]));
    row[0] = static_cast<double>(source_part.first + static_cast<std::int64_t>(j));
    std::copy_n(sources.data() + j * d, d, row + 1);
    row[1 + d] = weights[j];
  }
  std::vector<int> received_counts;
  std::vector<double> my_targets, home_sources;
  {
    parallel::Timers::Scope scope(&local_timers, Section::communication);
    if (!symmetric) my_targets = target_mail.send(comm_, received_counts);
    home_sources = source_mail.send(comm_, received_counts);
  }

  // Halo: each cell goes to every rank owning part of a cell within theta_c + both radii.
  const int source_width = d + 2;
  statistics_.owned_sources = static_cast<std::int64_t>(home_sources.size() / source_width);
  std::vector<double> halo;
  if (ranks > 1) {
    const std::size_t home_count = home_sources.size() / source_width;
    std::vector<CellKey> home_keys(home_count);
    std::vector<std::int64_t> home_globals(home_count);
    for (std::size_t j = 0; j < home_count; ++j) {
      home_keys[j] = grid.key(home_sources.data() + j * source_width + 1);
      home_globals[j] = static_cast<std::int64_t>(home_sources[j * source_width]);
    }
    CellIndex home;
    home.build(home_keys, home_globals);
    parallel::Outbox halo_mail(ranks, source_width);
    std::vector<CellKey> neighbours;
    std::vector<char> recipient(ranks);
    for (std::size_t c = 0; c < home.cell_count(); ++c) {
      const auto cap = grid.cap(home.cell_key(c));
      grid.cells_meeting_cap(cap.centre.data(), geometry_.angle + cap.radius, neighbours);
      std::fill(recipient.begin(), recipient.end(), 0);
      for (const CellKey key : neighbours)
        for (int r = decomposition_.first_owner(key); r <= decomposition_.last_owner(key); ++r)
          recipient[r] = 1;
      recipient[rank] = 0;
      for (int r = 0; r < ranks; ++r) {
        if (!recipient[r]) continue;
        for (std::size_t p = home.begin(c); p < home.end(c); ++p)
          std::copy_n(home_sources.data() + home.order()[p] * source_width, source_width,
                      halo_mail.add(r));
      }
    }
    {
      parallel::Timers::Scope scope(&local_timers, Section::communication);
      halo = halo_mail.send(comm_, received_counts);
    }
    statistics_.halo_sources = static_cast<std::int64_t>(halo.size() / source_width);
  }
  std::vector<double> local_sources = std::move(home_sources);
  local_sources.insert(local_sources.end(), halo.begin(), halo.end());
  std::vector<double>().swap(halo);

  // Near-field sums for the targets owned here.
  CellStore source_store, target_store;
  build_store(kernel_, grid, local_sources, true, geometry_.angle, source_store);
  std::vector<double>().swap(local_sources);
  if (!symmetric) build_store(kernel_, grid, my_targets, false, geometry_.angle, target_store);
  std::vector<double>().swap(my_targets);
  const CellStore& target_cells = symmetric ? source_store : target_store;
  std::vector<unsigned char> here(target_cells.stride, 0);
  for (std::size_t c = 0; c < target_cells.cells(); ++c)
    for (auto e = target_cells.slice_begin[c]; e < target_cells.slice_end[c]; ++e)
      here[e] = !symmetric ||
                decomposition_.owner({target_cells.index.cell_key(c), target_cells.globals[e]}) ==
                    rank;
  // The factorised terms may err by half the tolerance each (relative to e^{beta - shift}); a
  // term is either summed or dropped, so every sum stays within eps W e^{beta - shift}.
  NearField near_field(kernel_, grid, geometry_.angle, tolerance_ / 2, target_cells, source_store,
                       symmetric, here);
  near_field.run();
  statistics_.factorised_pairs = near_field.factorised_pairs();
  statistics_.direct_pairs = near_field.direct_pairs();

  // Sums back to the targets' block owners; work recorded for the next balance.
  parallel::Outbox result_mail(ranks, d + 2);
  work_items_.clear();
  work_weights_.clear();
  std::int64_t work = 0;
  std::vector<double> numerators, normalisers;
  for (std::size_t c = 0; c < target_cells.cells(); ++c) {
    const std::size_t count = target_cells.count(c);
    const auto first = static_cast<std::size_t>(target_cells.slice_begin[c]);
    bool any = false;
    for (std::size_t t = 0; t < count; ++t) any = any || here[first + t];
    if (!any) continue;
    numerators.resize(count * d);
    normalisers.resize(count);
    near_field.finish(c, numerators.data(), normalisers.data());
    for (std::size_t t = 0; t < count; ++t) {
      const std::size_t e = first + t;
      if (!here[e]) continue;
      const std::int64_t g = target_cells.globals[e];
      const int owner = static_cast<int>(
          std::upper_bound(target_firsts.begin(), target_firsts.end(), g) -
          target_firsts.begin() - 1);
      double* row = result_mail.add(owner);
      row[0] = static_cast<double>(g);
      std::copy_n(numerators.data() + t * d, d, row + 1);
      row[1 + d] = normalisers[t];
      work_items_.push_back({target_cells.index.cell_key(c), g});
      work_weights_.push_back(near_field.pairs(e) + target_overhead_pairs);
      work += work_weights_.back();
      pairs_ += static_cast<double>(near_field.pairs(e));
      ++statistics_.owned_targets;
    }
  }
  std::vector<double> results;
  std::int64_t work_max = work, work_total = work;
  {
    parallel::Timers::Scope scope(&local_timers, Section::communication);
    results = result_mail.send(comm_, received_counts);
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, &work_max, 1, MPI_INT64_T, MPI_MAX, comm_),
              "MPI_Allreduce(work max)");
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, &work_total, 1, MPI_INT64_T, MPI_SUM, comm_),
              "MPI_Allreduce(work total)");
  }
  rebalance_due_ = ranks > 1 && static_cast<double>(work_max) * ranks >
                                    rebalance_threshold * static_cast<double>(work_total);
  const std::size_t returned = results.size() / (d + 2);
  errors::ensure(returned == target_count,
                 "large-beta engine: " + std::to_string(returned) + " target sums returned for " +
                     std::to_string(target_count) + " targets");
  for (std::size_t q = 0; q < returned; ++q) {
    const double* row = results.data() + q * (d + 2);
    const auto i = static_cast<std::size_t>(static_cast<std::int64_t>(row[0]) - target_part.first);
    std::copy_n(row + 1, d, sums.numerator.data() + i * d);
    sums.normaliser[i] = row[1 + d];
  }
}

}  // namespace attnflow::interaction

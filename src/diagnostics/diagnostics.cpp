#include "diagnostics/diagnostics.hpp"

#include <cmath>
#include <limits>
#include <span>

#include "errors/errors.hpp"
#include "diagnostics/clusters.hpp"
#include "domain/domain.hpp"
#include "parallel/exact_sum.hpp"
#include "parallel/partition.hpp"

namespace attnflow::diagnostics {

using parallel::check_mpi;

namespace {

// The O(N) sums of the row, accumulated over this rank's tokens as fixed-point sums
// (parallel/exact_sum.hpp: the same bits for any rank count, no gather):
// sum_i x_i, the upper triangle of sum_i x_i x_i^T, sum_i |x_i|^2, sum_i |x_i|^4, the domain's
// moment sums, and (set by the caller) sum_i Z_i and sum_i (1 - Z_i).
struct TokenSums {
  int d;
  std::size_t second, squares, fourth_powers, moments, normalisers, deficits, size;
  TokenSums(int dimension, std::size_t moment_size)
      : d(dimension),
        second(std::size_t(d)),
        squares(second + std::size_t(d) * (d + 1) / 2),
        fourth_powers(squares + 1),
        moments(fourth_powers + 1),
        normalisers(moments + moment_size),
        deficits(normalisers + 1),
        size(deficits + 1) {}
};

std::vector<double> token_sums(const particles::State& state, const domain::Domain& domain,
                               const TokenSums& layout, const interaction::KernelSums* kernel) {
  const int d = state.dimension;
  parallel::ExactSums sums(layout.size);
  std::vector<double> moment_terms(domain.moment_sum_size());
  for (std::int64_t i = 0; i < state.partition.count; ++i) {
    const double* x = state.positions.data() + i * d;
    double square = 0;
    std::size_t entry = layout.second;
    for (int a = 0; a < d; ++a) {
      sums.add(std::size_t(a), x[a]);
      square += x[a] * x[a];
      for (int b = a; b < d; ++b) sums.add(entry++, x[a] * x[b]);
    }
    sums.add(layout.squares, square);
    sums.add(layout.fourth_powers, square * square);
    if (!moment_terms.empty()) {
      std::fill(moment_terms.begin(), moment_terms.end(), 0.0);
      domain.add_moment_sums({x, std::size_t(d)}, {}, moment_terms);
      sums.add(layout.moments, moment_terms);
    }
    if (kernel) {
      sums.add(layout.normalisers, kernel->normaliser[std::size_t(i)]);
      // 1 - Z_i rather than 1/2 - beta energy_scaled: no large intermediate to cancel.
      sums.add(layout.deficits, 1.0 - kernel->normaliser[std::size_t(i)]);
    }
  }
  return sums.reduce(state.comm);
}

// The mean of <x_i, x_j> and of <x_i, x_j>^2 over i != j from the moments (diagnostics.hpp):
// ||M||_F^2 = sum_a M_aa^2 + 2 sum_{a<b} M_ab^2 for M = sum_i x_i x_i^T (upper triangle).
std::array<double, 2> pair_cosines(const std::vector<double>& sums, const TokenSums& layout,
                                   std::int64_t n) {
  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  if (n < 2) return {not_computed, not_computed};
  const int d = layout.d;
  double first = 0, frobenius = 0;
  std::size_t entry = layout.second;
  for (int a = 0; a < d; ++a) {
    first += sums[std::size_t(a)] * sums[std::size_t(a)];
    for (int b = a; b < d; ++b, ++entry)
      frobenius += (b == a ? 1 : 2) * sums[entry] * sums[entry];
  }
  const double pairs = double(n) * double(n - 1);
  return {(first - sums[layout.squares]) / pairs,
          (frobenius - sums[layout.fourth_powers]) / pairs};
}

// The tracked pair's distance: the owners' rows summed with zeros elsewhere (exact).
double tracked_distance(const particles::State& state, std::array<std::int64_t, 2> pair) {
  const int d = state.dimension;
  std::vector<double> rows(2 * std::size_t(d), 0.0), global(rows.size());
  for (int p = 0; p < 2; ++p) {
    const std::int64_t local = pair[p] - state.partition.first;
    if (local >= 0 && local < state.partition.count)
      for (int k = 0; k < d; ++k) rows[std::size_t(p * d + k)] = state.positions[local * d + k];
  }
  check_mpi(MPI_Allreduce(rows.data(), global.data(), 2 * d, MPI_DOUBLE, MPI_SUM, state.comm),
            "MPI_Allreduce(tracked pair)");
  double square = 0;
  for (int k = 0; k < d; ++k) {
    const double difference = global[std::size_t(k)] - global[std::size_t(d + k)];
    square += difference * difference;
  }
  return std::sqrt(square);
}

}  // namespace

std::vector<std::string> column_names(int dimension) {
  std::vector<std::string> names = {"time",          "energy_scaled", "order_parameter",
                                    "clusters",      "max_inner",     "min_inner",
                                    "energy_a_scaled", "mean_cosine", "mean_squared_cosine",
                                    "pair_distance", "log_pair_distance"};
  for (auto& name : domain::make_domain(dimension)->moment_columns()) names.push_back(name);
  return names;
}

interaction::Kernel energy_kernel(int dimension, double beta) {
  model::Model m;
  m.dimension = dimension;
  m.beta = beta;
  m.attention = model::Attention::softmax;
  m.query = m.key = m.value = model::Matrix::identity(dimension);
  m.causal = false;
  return interaction::Kernel::from_model(m);
}

std::unique_ptr<interaction::Engine> make_energy_engine(int dimension, double beta, MPI_Comm comm) {
  return interaction::make_engine("direct", energy_kernel(dimension, beta), comm);
}

std::unique_ptr<interaction::Engine> make_energy_engine(int dimension, double beta, MPI_Comm comm,
                                                        const std::string& run_engine,
                                                        const interaction::EngineOptions& options) {
  const auto kernel = energy_kernel(dimension, beta);
  if (run_engine == "spectral" || run_engine == "large-beta") {
    interaction::EngineOptions approximate = options;
    approximate.precision = "double";
    return interaction::make_engine(run_engine, kernel, comm, approximate);
  }
  return interaction::make_engine("ring", kernel, comm);
}

std::vector<std::int32_t> cluster_labels(const particles::State& state, double cluster_tolerance) {
  std::vector<std::int32_t> labels;
  pair_statistics(state, cluster_tolerance, &labels);
  return labels;
}

std::vector<double> compute(const particles::State& state, const model::Model& model,
                            double cluster_tolerance, interaction::Engine* energy_engine,
                            bool pair_terms, std::array<std::int64_t, 2> tracked_pair,
                            std::vector<std::int32_t>* cluster_labels) {
  const int d = state.dimension;
  const std::int64_t n = state.partition.global_count;
  errors::ensure(model.dimension == d, "diagnostics: the model has dimension " +
                                            std::to_string(model.dimension) + ", the state " +
                                            std::to_string(d));
  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  interaction::KernelSums kernel;
  const bool energy = model.beta != 0.0 && pair_terms;
  if (energy) {
    std::unique_ptr<interaction::Engine> own;
    if (energy_engine == nullptr) {
      own = make_energy_engine(d, model.beta, state.comm);
      energy_engine = own.get();
    }
    const auto weights = state.weights();
    energy_engine->evaluate(state.positions, state.positions, weights, kernel);
  }
  const auto domain = domain::make_domain(d);
  const TokenSums layout(d, domain->moment_sum_size());
  const auto sums = token_sums(state, *domain, layout, energy ? &kernel : nullptr);

  double energy_scaled = pair_terms ? 0.5 : not_computed;
  double energy_a_scaled = pair_terms ? 0.0 : not_computed;
  if (energy) {
    energy_scaled = sums[layout.normalisers] / (2.0 * model.beta * double(n));
    energy_a_scaled = sums[layout.deficits] / (2.0 * double(n));
  }
  double order = 0;
  for (int k = 0; k < d; ++k) order += (sums[std::size_t(k)] / double(n)) * (sums[std::size_t(k)] / double(n));
  order = std::sqrt(order);

  PairStatistics pairs{-1, not_computed, not_computed};
  if (pair_terms) pairs = pair_statistics(state, cluster_tolerance, cluster_labels);

  const auto cosines = pair_cosines(sums, layout, n);
  double pair_distance = not_computed;
  if (tracked_pair[0] != tracked_pair[1]) {
    errors::ensure(tracked_pair[0] >= 0 && tracked_pair[0] < n && tracked_pair[1] >= 0 &&
                       tracked_pair[1] < n,
                   "diagnostics: tracked pair outside the tokens");
    pair_distance = tracked_distance(state, tracked_pair);
  }

  std::vector<double> row = {state.time,  energy_scaled,   order,
                             pair_terms ? double(pairs.clusters) : not_computed,
                             pairs.max_inner, pairs.min_inner, energy_a_scaled,
                             cosines[0], cosines[1], pair_distance, std::log(pair_distance)};
  const std::span<const double> moment_sums(sums.data() + layout.moments,
                                            domain->moment_sum_size());
  for (double v : domain->moments(moment_sums, double(n))) row.push_back(v);
  return row;
}

}  // namespace attnflow::diagnostics

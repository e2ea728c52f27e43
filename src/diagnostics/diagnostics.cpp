#include "diagnostics/diagnostics.hpp"

#include <cmath>
#include <limits>
#include <span>

#include "errors/errors.hpp"
#include "diagnostics/clusters.hpp"
#include "domain/domain.hpp"
#include "parallel/partition.hpp"

namespace attnflow::diagnostics {

using parallel::check_mpi;

namespace {

// The mean of <x_i, x_j> and of <x_i, x_j>^2 over i != j from the moments (diagnostics.hpp);
// `sum` = sum_i x_i. Summed in global order over all_points (the same on every rank). The
// second moment's upper triangle suffices: ||M||_F^2 = sum_a M_aa^2 + 2 sum_{a<b} M_ab^2.
std::array<double, 2> pair_cosines(std::span<const double> all_points, int d,
                                   const std::vector<double>& sum) {
  const std::int64_t n = static_cast<std::int64_t>(all_points.size()) / d;
  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  if (n < 2) return {not_computed, not_computed};
  std::vector<double> second(std::size_t(d) * d, 0.0);
  double squares = 0, fourth_powers = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    const double* x = all_points.data() + j * d;
    double square = 0;
    for (int a = 0; a < d; ++a) {
      square += x[a] * x[a];
      for (int b = a; b < d; ++b) second[std::size_t(a) * d + b] += x[a] * x[b];
    }
    squares += square;
    fourth_powers += square * square;
  }
  double first = 0, frobenius = 0;
  for (int a = 0; a < d; ++a) {
    first += sum[a] * sum[a];
    frobenius += second[std::size_t(a) * d + a] * second[std::size_t(a) * d + a];
    for (int b = a + 1; b < d; ++b)
      frobenius += 2 * second[std::size_t(a) * d + b] * second[std::size_t(a) * d + b];
  }
  const double pairs = double(n) * double(n - 1);
  return {(first - squares) / pairs, (frobenius - fourth_powers) / pairs};
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

namespace {

// All N positions in global order on every rank.
std::vector<double> gathered_positions(const particles::State& state) {
  const int d = state.dimension;
  std::vector<int> counts, displacements;
  parallel::gather_layout(state.partition.count, d, state.comm, counts, displacements);
  std::vector<double> all_points(displacements.back() + counts.back());
  check_mpi(MPI_Allgatherv(state.positions.data(), static_cast<int>(state.partition.count * d),
                           MPI_DOUBLE, all_points.data(), counts.data(), displacements.data(),
                           MPI_DOUBLE, state.comm),
            "MPI_Allgatherv(diagnostics positions)");
  return all_points;
}

}  // namespace

std::vector<std::int32_t> cluster_labels(const particles::State& state, double cluster_tolerance) {
  const auto all_points = gathered_positions(state);
  std::vector<std::int32_t> labels;
  pair_statistics(all_points, state.dimension, state.partition.first, state.partition.count,
                  cluster_tolerance, state.comm, &labels);
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
  const auto all_points = gathered_positions(state);

  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  double energy_scaled = pair_terms ? 0.5 : not_computed;
  double energy_a_scaled = pair_terms ? 0.0 : not_computed;
  if (model.beta != 0.0 && pair_terms) {
    std::unique_ptr<interaction::Engine> own;
    if (energy_engine == nullptr) {
      own = make_energy_engine(d, model.beta, state.comm);
      energy_engine = own.get();
    }
    interaction::KernelSums sums;
    const auto weights = state.weights();
    energy_engine->evaluate(state.positions, state.positions, weights, sums);
    energy_scaled =
        parallel::ordered_sum(sums.normaliser, state.comm) / (2.0 * model.beta * double(n));
    // 1 - Z_i rather than 1/2 - beta energy_scaled: no large intermediate to cancel.
    std::vector<double> deficits(sums.normaliser.size());
    for (std::size_t i = 0; i < deficits.size(); ++i) deficits[i] = 1.0 - sums.normaliser[i];
    energy_a_scaled = parallel::ordered_sum(deficits, state.comm) / (2.0 * double(n));
  }

  std::vector<double> mean(d, 0.0);
  for (std::int64_t j = 0; j < n; ++j)
    for (int k = 0; k < d; ++k) mean[k] += all_points[j * d + k];
  double order = 0;
  for (double m : mean) order += (m / double(n)) * (m / double(n));
  order = std::sqrt(order);

  PairStatistics pairs{-1, not_computed, not_computed};
  if (pair_terms)
    pairs = pair_statistics(all_points, d, state.partition.first, state.partition.count,
                            cluster_tolerance, state.comm, cluster_labels);

  const auto cosines = pair_cosines(all_points, d, mean);
  double pair_distance = not_computed;
  if (tracked_pair[0] != tracked_pair[1]) {
    errors::ensure(tracked_pair[0] >= 0 && tracked_pair[0] < n && tracked_pair[1] >= 0 &&
                       tracked_pair[1] < n,
                   "diagnostics: tracked pair outside the tokens");
    double square = 0;
    for (int k = 0; k < d; ++k) {
      const double difference =
          all_points[tracked_pair[0] * d + k] - all_points[tracked_pair[1] * d + k];
      square += difference * difference;
    }
    pair_distance = std::sqrt(square);
  }

  std::vector<double> row = {state.time,  energy_scaled,   order,
                             pair_terms ? double(pairs.clusters) : not_computed,
                             pairs.max_inner, pairs.min_inner, energy_a_scaled,
                             cosines[0], cosines[1], pair_distance, std::log(pair_distance)};
  // The domain's moments, summed over all tokens in global order on every rank (rank-count
  // independent bits).
  const auto domain = domain::make_domain(d);
  std::vector<double> sums(domain->moment_sum_size(), 0.0);
  domain->add_moment_sums(all_points, {}, sums);
  for (double v : domain->moments(sums, double(n))) row.push_back(v);
  return row;
}

}  // namespace attnflow::diagnostics

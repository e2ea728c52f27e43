#include "diagnostics/diagnostics.hpp"

#include <cmath>
#include <limits>

#include "errors/errors.hpp"
#include "diagnostics/clusters.hpp"
#include "diagnostics/harmonics.hpp"
#include "parallel/partition.hpp"

namespace attnflow::diagnostics {

using parallel::check_mpi;

std::vector<std::string> column_names(int dimension) {
  std::vector<std::string> names = {"time",      "energy_scaled", "order_parameter",
                                    "clusters",  "max_inner",     "min_inner"};
  if (dimension == 2)
    for (int k = 1; k <= fourier_modes; ++k) names.push_back("fourier_modulus_" + std::to_string(k));
  if (dimension == 3)
    for (int l = 0; l <= harmonic_degrees; ++l) names.push_back("harmonic_power_" + std::to_string(l));
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

std::vector<double> compute(const particles::State& state, const model::Model& model,
                            double cluster_tolerance, interaction::Engine* energy_engine,
                            bool pair_terms) {
  const int d = state.dimension;
  const std::int64_t n = state.partition.global_count;
  errors::ensure(model.dimension == d, "diagnostics: the model has dimension " +
                                            std::to_string(model.dimension) + ", the state " +
                                            std::to_string(d));
  std::vector<int> counts, displacements;
  parallel::gather_layout(state.partition.count, d, state.comm, counts, displacements);
  std::vector<double> all_points(displacements.back() + counts.back());
  check_mpi(MPI_Allgatherv(state.positions.data(), static_cast<int>(state.partition.count * d),
                           MPI_DOUBLE, all_points.data(), counts.data(), displacements.data(),
                           MPI_DOUBLE, state.comm),
            "MPI_Allgatherv(diagnostics positions)");

  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  double energy_scaled = pair_terms ? 0.5 : not_computed;
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
                            cluster_tolerance, state.comm);

  std::vector<double> row = {state.time,  energy_scaled,   order,
                             pair_terms ? double(pairs.clusters) : not_computed,
                             pairs.max_inner, pairs.min_inner};
  if (d == 2)
    for (double v : fourier_moduli(all_points, double(n), fourier_modes)) row.push_back(v);
  if (d == 3)
    for (double v : harmonic_power(all_points, double(n), harmonic_degrees)) row.push_back(v);
  return row;
}

}  // namespace attnflow::diagnostics

#pragma once
// Monte Carlo over independent noise realisations of a small token system (docs/mathematics.md section 9),
// shared by the dynamics tests and the longer study (mlp_study): realisation r uses seed
// first_seed + r, so its MLP weights (and Brownian increments) are independent of every other
// realisation's, and the per-realisation statistics are iid. Tokens within one realisation share
// the noise and are not independent; statistics are therefore averaged per realisation first.
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "parallel/partition.hpp"
#include "particles/state.hpp"
#include "stepper/integrator.hpp"

namespace attnflow::testing {

// Mean of iid samples and its standard error (sample standard deviation / sqrt(n)).
struct Estimate {
  double mean = 0, standard_error = 0;
  long long samples = 0;
};

inline Estimate estimate(const std::vector<double>& values) {
  Estimate e;
  e.samples = static_cast<long long>(values.size());
  if (values.empty()) return e;
  const double n = static_cast<double>(values.size());
  e.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double squares = 0;
  for (double v : values) squares += (v - e.mean) * (v - e.mean);
  e.standard_error = values.size() > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0;
  return e;
}

inline particles::State state_from_positions(const std::vector<double>& positions, int dimension) {
  particles::State state;
  state.dimension = dimension;
  state.comm = MPI_COMM_SELF;
  state.partition =
      parallel::block_partition(static_cast<std::int64_t>(positions.size() / dimension), 0, 1);
  state.positions = positions;
  return state;
}

// statistics(initial, final) returns one row of numbers per realisation.
using Statistics = std::function<std::vector<double>(const particles::State& initial,
                                                     const particles::State& final_state)>;

// Runs `realisations` realisations of `steps` steps of size h from `initial` (count x d) with
// integrator `integrator`, each on MPI_COMM_SELF; the realisations are dealt round-robin to the
// ranks of `comm` and the rows gathered on every rank, in realisation order. Collective over comm.
inline std::vector<std::vector<double>> run_ensemble(const model::Model& model,
                                                     const std::string& integrator,
                                                     const std::vector<double>& initial,
                                                     std::int64_t steps, double h,
                                                     long long realisations,
                                                     std::uint64_t first_seed,
                                                     const Statistics& statistics,
                                                     MPI_Comm comm = MPI_COMM_SELF) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const int d = model.dimension;
  const auto count = static_cast<std::int64_t>(initial.size() / d);
  const auto kernel = interaction::Kernel::from_model(model);
  auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
  auto velocity = stepper::make_velocity_field(model, *engine, count);
  const auto start = state_from_positions(initial, d);
  std::vector<double> local;
  std::size_t width = 0;
  for (long long r = rank; r < realisations; r += size) {
    auto state = start;
    auto stepper = stepper::make_integrator(integrator, velocity, model,
                                            first_seed + static_cast<std::uint64_t>(r), 1.0);
    for (std::int64_t n = 0; n < steps; ++n) stepper->step(state, h);
    const auto row = statistics(start, state);
    width = row.size();
    local.insert(local.end(), row.begin(), row.end());
  }
  // Every rank has at least one realisation when realisations >= size; the width is the same.
  long long width_all = static_cast<long long>(width);
  MPI_Allreduce(MPI_IN_PLACE, &width_all, 1, MPI_LONG_LONG, MPI_MAX, comm);
  std::vector<int> counts(size), offsets(size);
  const int local_count = static_cast<int>(local.size());
  MPI_Allgather(&local_count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  std::partial_sum(counts.begin(), counts.end() - 1, offsets.begin() + 1);
  std::vector<double> all(std::accumulate(counts.begin(), counts.end(), 0));
  MPI_Allgatherv(local.data(), local_count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                 MPI_DOUBLE, comm);
  // Rank q holds realisations q, q + size, ...: restore realisation order.
  std::vector<std::vector<double>> rows(realisations);
  std::vector<std::size_t> next(size, 0);
  for (long long r = 0; r < realisations; ++r) {
    const int owner = static_cast<int>(r % size);
    const auto begin = all.begin() + offsets[owner] + static_cast<long>(next[owner]);
    rows[r].assign(begin, begin + width_all);
    next[owner] += static_cast<std::size_t>(width_all);
  }
  return rows;
}

// Column `column` of the rows.
inline std::vector<double> column(const std::vector<std::vector<double>>& rows, std::size_t column) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(row[column]);
  return out;
}

// The mean over tokens of <X_i(T), X_i(0)>: one number per realisation.
inline std::vector<double> mean_self_overlap(const particles::State& initial,
                                             const particles::State& final_state) {
  const int d = initial.dimension;
  const std::size_t count = initial.positions.size() / d;
  double sum = 0;
  for (std::size_t i = 0; i < count; ++i)
    for (int k = 0; k < d; ++k) sum += initial.positions[i * d + k] * final_state.positions[i * d + k];
  return {sum / static_cast<double>(count)};
}

// Tokens 2p and 2p+1 form pair p. Per realisation: the mean over pairs of ln(r_T / r_0) and of
// (r_T / r_0)^2, with r = |X - Y|.
inline std::vector<double> pair_separation(const particles::State& initial,
                                           const particles::State& final_state) {
  const int d = initial.dimension;
  const std::size_t pairs = initial.positions.size() / d / 2;
  auto distance = [d](const std::vector<double>& x, std::size_t p) {
    double s = 0;
    for (int k = 0; k < d; ++k) {
      const double difference = x[2 * p * d + k] - x[(2 * p + 1) * d + k];
      s += difference * difference;
    }
    return std::sqrt(s);
  };
  double log_ratio = 0, square_ratio = 0;
  for (std::size_t p = 0; p < pairs; ++p) {
    const double ratio = distance(final_state.positions, p) / distance(initial.positions, p);
    log_ratio += std::log(ratio);
    square_ratio += ratio * ratio;
  }
  return {log_ratio / static_cast<double>(pairs), square_ratio / static_cast<double>(pairs)};
}

}  // namespace attnflow::testing

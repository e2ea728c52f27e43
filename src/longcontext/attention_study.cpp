#include "longcontext/attention_study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"
#include "random/counter_random.hpp"

namespace attnflow::longcontext {

namespace {

// exp(-x) is below the smallest subnormal double beyond this: the term contributes nothing.
constexpr double negligible_exponent = 746.0;

// Per beta: sum w, sum w^2, sum w g, sum w k_i (i = 1..d-1), with w = e^{-beta (g - shift)} and
// g = 1 - <q, k> the gap. Keeping sum w g instead of sum w k_0 avoids the cancellation in
// 1 - o_0 when all mass sits near q (beta up to 1e13 for d = 2).
struct Sums {
  int stride = 0;
  std::vector<double> values;
  Sums(int dimension, std::size_t beta_count)
      : stride(dimension + 2), values(beta_count * (dimension + 2), 0.0) {}
  double* of(std::size_t beta_index) { return values.data() + beta_index * stride; }
};

}  // namespace

void validate(const StudySetup& setup) {
  using errors::require;
  require(setup.dimension >= 2,
          "--dimension: must be an integer >= 2 (got " + std::to_string(setup.dimension) + ")");
  require(setup.keys >= 1, "--keys: every key count must be >= 1");
  require(setup.queries >= 2,
          "--queries: must be >= 2 (standard errors need two samples; got " +
              std::to_string(setup.queries) + ")");
  require(!setup.betas.empty(), "--scales/--exponents: no inverse temperature to evaluate");
  for (double beta : setup.betas)
    require(std::isfinite(beta) && beta >= 0,
            "--scales/--exponents: beta = c n^a must be finite and >= 0 (got " +
                std::to_string(beta) + ")");
  require(setup.chunk_size >= 1, "--chunk-size: must be >= 1");
}

void draw_key(std::uint64_t seed, std::int64_t key_index, std::int64_t query,
              std::span<double> key) {
  random::CounterRandom generator(seed, random::Stream::long_context_keys);
  // A standard normal vector has a uniform direction. It is never zero: Box-Muller gives
  // (r cos a, r sin a) with r > 0 for the first two components.
  generator.normals(static_cast<std::uint64_t>(key_index), static_cast<std::uint64_t>(query), key);
  double square = 0;
  for (double v : key) square += v * v;
  const double inverse = 1.0 / std::sqrt(square);
  for (double& v : key) v *= inverse;
}

std::vector<QueryOutcome> attend(const StudySetup& setup, std::int64_t query, MPI_Comm comm,
                                 parallel::Timers* timers) {
  using parallel::Section;
  const int d = setup.dimension;
  const std::size_t beta_count = setup.betas.size();
  // Betas in increasing order so that the inner loop can stop at the first negligible term.
  std::vector<std::size_t> order(beta_count);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return setup.betas[a] < setup.betas[b]; });
  std::vector<double> betas(beta_count);
  for (std::size_t b = 0; b < beta_count; ++b) betas[b] = setup.betas[order[b]];

  const auto part = parallel::block_partition(setup.keys, comm);
  Sums sums(d, beta_count);
  double shift = std::numeric_limits<double>::infinity();  // smallest gap seen on this rank
  {
    parallel::Timers::Scope scope(timers, Section::compute);
    const std::int64_t chunk = std::min<std::int64_t>(setup.chunk_size, std::max<std::int64_t>(part.count, 1));
    std::vector<double> gaps(chunk), tangential(chunk * (d - 1)), key(d);
    for (std::int64_t start = 0; start < part.count; start += chunk) {
      const std::int64_t size = std::min(chunk, part.count - start);
      double chunk_minimum = std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j < size; ++j) {
        draw_key(setup.seed, part.first + start + j, query, key);
        // g = 1 - k_0 for q = e_1, computed as |k_perp|^2 / (1 + k_0) near q, where 1 - k_0
        // would lose all digits of the tiny gaps that large beta resolves.
        double perpendicular = 0;
        for (int i = 1; i < d; ++i) {
          tangential[j * (d - 1) + (i - 1)] = key[i];
          perpendicular += key[i] * key[i];
        }
        gaps[j] = key[0] > 0 ? perpendicular / (1.0 + key[0]) : 1.0 - key[0];
        chunk_minimum = std::min(chunk_minimum, gaps[j]);
      }
      if (chunk_minimum < shift) {
        // Re-reference every sum to the new smallest gap (the largest term becomes exactly 1).
        if (start > 0)
          for (std::size_t b = 0; b < beta_count; ++b) {
            const double factor = std::exp(-betas[b] * (shift - chunk_minimum));
            double* s = sums.of(b);
            s[0] *= factor;
            s[1] *= factor * factor;
            for (int i = 2; i < sums.stride; ++i) s[i] *= factor;
          }
        shift = chunk_minimum;
      }
      for (std::int64_t j = 0; j < size; ++j) {
        const double excess = gaps[j] - shift;
        for (std::size_t b = 0; b < beta_count; ++b) {
          const double exponent = betas[b] * excess;
          if (exponent > negligible_exponent) break;
          const double w = std::exp(-exponent);
          double* s = sums.of(b);
          s[0] += w;
          s[1] += w * w;
          s[2] += w * gaps[j];
          for (int i = 0; i < d - 1; ++i) s[3 + i] += w * tangential[j * (d - 1) + i];
        }
      }
    }
  }
  {
    parallel::Timers::Scope scope(timers, Section::communication);
    double global_shift = shift;
    parallel::check_mpi(
        MPI_Allreduce(&shift, &global_shift, 1, MPI_DOUBLE, MPI_MIN, comm), "MPI_Allreduce");
    if (part.count > 0 && shift > global_shift)
      for (std::size_t b = 0; b < beta_count; ++b) {
        const double factor = std::exp(-betas[b] * (shift - global_shift));
        double* s = sums.of(b);
        s[0] *= factor;
        s[1] *= factor * factor;
        for (int i = 2; i < sums.stride; ++i) s[i] *= factor;
      }
    parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, sums.values.data(),
                                      static_cast<int>(sums.values.size()), MPI_DOUBLE, MPI_SUM,
                                      comm),
                        "MPI_Allreduce");
  }
  std::vector<QueryOutcome> outcomes(beta_count);
  for (std::size_t b = 0; b < beta_count; ++b) {
    const double* s = sums.of(b);
    QueryOutcome& outcome = outcomes[order[b]];
    // The nearest key's term is exactly e^0 = 1 after the global shift.
    outcome.largest_weight = 1.0 / s[0];
    outcome.effective_keys = s[0] * s[0] / s[1];
    // o - q = (-sum w g, sum w k_1, ..., sum w k_{d-1}) / sum w.
    double perpendicular = 0;
    for (int i = 0; i < d - 1; ++i) perpendicular += s[3 + i] * s[3 + i];
    outcome.output_distance = std::sqrt(s[2] * s[2] + perpendicular) / s[0];
    // o is parallel to (sum w - sum w g, sum w k_1, ...): its angle with q = e_1.
    outcome.output_angle = std::atan2(std::sqrt(perpendicular), s[0] - s[2]);
  }
  return outcomes;
}

std::vector<BetaSummary> run_study(const StudySetup& setup, MPI_Comm comm,
                                   parallel::Timers* timers) {
  validate(setup);
  const std::size_t beta_count = setup.betas.size();
  // Welford's running mean and squared deviations, per beta and quantity.
  struct Running {
    double mean = 0, squares = 0;
    void add(double value, double count) {
      const double delta = value - mean;
      mean += delta / count;
      squares += delta * (value - mean);
    }
    MeanEstimate estimate(double count) const {
      return {mean, std::sqrt(squares / (count - 1) / count)};
    }
  };
  std::vector<Running> largest(beta_count), effective(beta_count), distance(beta_count),
      angle(beta_count);
  std::vector<double> dominant(beta_count, 0.0);
  for (std::int64_t query = 0; query < setup.queries; ++query) {
    const auto outcomes = attend(setup, query, comm, timers);
    const double count = static_cast<double>(query + 1);
    for (std::size_t b = 0; b < beta_count; ++b) {
      largest[b].add(outcomes[b].largest_weight, count);
      effective[b].add(outcomes[b].effective_keys, count);
      distance[b].add(outcomes[b].output_distance, count);
      angle[b].add(outcomes[b].output_angle, count);
      if (outcomes[b].largest_weight > 0.5) dominant[b] += 1;
    }
  }
  std::vector<BetaSummary> summaries(beta_count);
  const double count = static_cast<double>(setup.queries);
  for (std::size_t b = 0; b < beta_count; ++b) {
    summaries[b].beta = setup.betas[b];
    summaries[b].largest_weight = largest[b].estimate(count);
    summaries[b].effective_keys = effective[b].estimate(count);
    summaries[b].output_distance = distance[b].estimate(count);
    summaries[b].output_angle = angle[b].estimate(count);
    summaries[b].dominant_fraction = dominant[b] / count;
  }
  return summaries;
}

}  // namespace attnflow::longcontext

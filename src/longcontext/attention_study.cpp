#include "longcontext/attention_study.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "errors/errors.hpp"
#include "longcontext/nearest_keys.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"
#include "text/number_format.hpp"

namespace attnflow::longcontext {

using text::format_number;
using errors::require;

namespace {

// The betas in increasing order (AttentionSums needs it) and where each came from.
struct SortedBetas {
  std::vector<double> values;
  std::vector<std::size_t> origin;  // values[i] = setup.betas[origin[i]]
};
SortedBetas sort_betas(const std::vector<double>& betas) {
  SortedBetas sorted;
  sorted.origin.resize(betas.size());
  std::iota(sorted.origin.begin(), sorted.origin.end(), 0);
  std::stable_sort(sorted.origin.begin(), sorted.origin.end(),
                   [&](std::size_t a, std::size_t b) { return betas[a] < betas[b]; });
  for (std::size_t i : sorted.origin) sorted.values.push_back(betas[i]);
  return sorted;
}

// A QueryOutcome as K + d + 2 doubles, for gathering the queries of every rank.
int packed_width(const StudySetup& setup) { return setup.top_count + setup.law.dimension + 2; }
void pack(const QueryOutcome& outcome, double* out) {
  out = std::copy(outcome.top_weights.begin(), outcome.top_weights.end(), out);
  *out++ = outcome.squared_weights;
  *out++ = outcome.deficit;
  out = std::copy(outcome.tangent.begin(), outcome.tangent.end(), out);
  *out = outcome.used_keys;
}
QueryOutcome unpack(const StudySetup& setup, const double* in) {
  QueryOutcome outcome;
  outcome.top_weights.assign(in, in + setup.top_count);
  in += setup.top_count;
  outcome.squared_weights = *in++;
  outcome.deficit = *in++;
  outcome.tangent.assign(in, in + setup.law.dimension - 1);
  in += setup.law.dimension - 1;
  outcome.used_keys = *in;
  return outcome;
}

NearestKeySetup nearest_setup(const StudySetup& setup) {
  NearestKeySetup nearest;
  nearest.law = setup.law;
  nearest.keys = setup.sampler == Sampler::poisson ? 0 : setup.keys;
  nearest.tolerance = setup.tolerance;
  nearest.minimum_keys = setup.top_count;
  return nearest;
}

// Nearest and poisson samplers: the queries are spread over the ranks (each query is O(M) work
// on one rank), then every rank receives every outcome in query order.
StudyOutcomes run_nearest(const StudySetup& setup, MPI_Comm comm, parallel::Timers* timers) {
  using parallel::Section;
  const auto sorted = sort_betas(setup.betas);
  const std::size_t beta_count = setup.betas.size();
  const auto nearest = nearest_setup(setup);
  const auto part = parallel::block_partition(setup.queries, comm);
  const int width = packed_width(setup);
  const int record = width * static_cast<int>(beta_count);  // one query, all betas
  std::vector<double> local(static_cast<std::size_t>(part.count) * record);
  {
    parallel::Timers::Scope scope(timers, Section::compute);
    for (std::int64_t i = 0; i < part.count; ++i) {
      AttentionSums sums(sorted.values, setup.law.dimension - 1, setup.top_count);
      attend_nearest(nearest, setup.seed, part.first + i, sums);
      for (std::size_t b = 0; b < beta_count; ++b)
        pack(sums.outcome(b), local.data() + i * record + sorted.origin[b] * width);
    }
  }
  std::vector<double> all(static_cast<std::size_t>(setup.queries) * record);
  {
    parallel::Timers::Scope scope(timers, Section::communication);
    std::vector<int> counts, displacements;
    parallel::gather_layout(part.count, record, comm, counts, displacements);
    parallel::check_mpi(MPI_Allgatherv(local.data(), static_cast<int>(local.size()), MPI_DOUBLE,
                                       all.data(), counts.data(), displacements.data(), MPI_DOUBLE,
                                       comm),
                        "MPI_Allgatherv");
  }
  StudyOutcomes outcomes(beta_count, std::vector<QueryOutcome>(setup.queries));
  for (std::int64_t query = 0; query < setup.queries; ++query)
    for (std::size_t b = 0; b < beta_count; ++b)
      outcomes[b][query] = unpack(setup, all.data() + query * record + b * width);
  return outcomes;
}

}  // namespace

std::string name_of(Sampler sampler) {
  switch (sampler) {
    case Sampler::full: return "full";
    case Sampler::nearest: return "nearest";
    case Sampler::poisson: return "poisson";
  }
  return "unknown";
}

Sampler sampler_from_name(const std::string& name) {
  if (name == "full") return Sampler::full;
  if (name == "nearest") return Sampler::nearest;
  if (name == "poisson") return Sampler::poisson;
  throw errors::InputError("--sampler: unknown sampler '" + name +
                           "'; accepted: full, nearest, poisson");
}

void validate(const StudySetup& setup) {
  validate(setup.law);
  if (setup.sampler != Sampler::poisson)
    require(setup.keys >= 1, "--keys: every key count must be >= 1 (got " +
                                 std::to_string(setup.keys) + ")");
  require(setup.queries >= 2,
          "--queries: must be >= 2 (standard errors need two samples; got " +
              std::to_string(setup.queries) + ")");
  require(!setup.betas.empty(), "--scales/--exponents: no inverse temperature to evaluate");
  for (double beta : setup.betas)
    require(std::isfinite(beta) && beta >= 0,
            "--scales/--exponents: beta = c n^a must be finite and >= 0 (got " +
                format_number(beta) + ")");
  require(setup.top_count >= 1 && setup.top_count <= 1000,
          "--top: the number of ordered weights reported must be in 1..1000 (got " +
              std::to_string(setup.top_count) + ")");
  if (setup.law.kind == KeyLawKind::von_mises_fisher && setup.sampler == Sampler::full) {
    require(setup.keys < (std::int64_t{1} << 40),
            "--keys: von Mises-Fisher keys are indexed by 40 bits: n must be below 2^40");
    require(setup.queries < (std::int64_t{1} << 24),
            "--queries: von Mises-Fisher keys are indexed by 24 bits: queries must be below 2^24");
  }
  if (setup.sampler == Sampler::full) return;
  const std::string sampler = "--sampler " + name_of(setup.sampler);
  require(has_closed_form_gaps(setup.law),
          sampler + ": needs a key law whose gap law is known in closed form (uniform, "
                    "subsphere); use --sampler full for '" + name_of(setup.law.kind) + "'");
  require(setup.tolerance > 0 && setup.tolerance <= 1e-2,
          "--tolerance: the truncation eps must be in (0, 0.01] (got " +
              format_number(setup.tolerance) + ")");
  const double smallest = *std::min_element(setup.betas.begin(), setup.betas.end());
  if (setup.sampler == Sampler::poisson)
    require(smallest > 0, "--scales: the poisson sampler needs every scale c > 0");
  const double expected = expected_nearest_keys(nearest_setup(setup), smallest);
  require(expected <= maximum_nearest_keys,
          sampler + ": beta = " + format_number(smallest) + " needs about " +
              format_number(std::round(expected)) + " nearest keys per query (at most " +
              format_number(maximum_nearest_keys) +
              "): the subcritical regime needs --sampler full, or use larger scales");
}

std::vector<QueryOutcome> attend(const StudySetup& setup, std::int64_t query, MPI_Comm comm,
                                 parallel::Timers* timers) {
  using parallel::Section;
  const int d = setup.law.dimension;
  const auto sorted = sort_betas(setup.betas);
  AttentionSums sums(sorted.values, d - 1, setup.top_count);
  const auto part = parallel::block_partition(setup.keys, comm);
  {
    parallel::Timers::Scope scope(timers, Section::compute);
    std::vector<double> key(d);
    for (std::int64_t j = 0; j < part.count; ++j) {
      draw_key(setup.law, setup.seed, part.first + j, query, key);
      // g = 1 - k_0 for q = e_1, computed as |k_perp|^2 / (1 + k_0) near q, where 1 - k_0
      // would lose all digits of the tiny gaps that large beta resolves.
      double perpendicular = 0;
      for (int i = 1; i < d; ++i) perpendicular += key[i] * key[i];
      const double gap = key[0] > 0 ? perpendicular / (1.0 + key[0]) : 1.0 - key[0];
      sums.add(gap, std::span<const double>(key).subspan(1));
    }
  }
  {
    parallel::Timers::Scope scope(timers, Section::communication);
    sums.combine(comm);
  }
  std::vector<QueryOutcome> outcomes(setup.betas.size());
  for (std::size_t b = 0; b < outcomes.size(); ++b) outcomes[sorted.origin[b]] = sums.outcome(b);
  return outcomes;
}

StudyOutcomes run_study(const StudySetup& setup, MPI_Comm comm, parallel::Timers* timers) {
  validate(setup);
  if (setup.sampler != Sampler::full) return run_nearest(setup, comm, timers);
  StudyOutcomes outcomes(setup.betas.size(), std::vector<QueryOutcome>(setup.queries));
  for (std::int64_t query = 0; query < setup.queries; ++query) {
    auto per_beta = attend(setup, query, comm, timers);
    for (std::size_t b = 0; b < per_beta.size(); ++b) outcomes[b][query] = std::move(per_beta[b]);
  }
  return outcomes;
}

}  // namespace attnflow::longcontext

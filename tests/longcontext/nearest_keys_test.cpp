// Nearest-key samplers (docs/mathematics.md section 11): the truncated Renyi sampler agrees in
// law with full sampling, its truncation error stays below the tolerance, its smallest gap has
// the exact law 1 - (1 - F(u))^n up to n = 1e12, at n = 1e12 it and the Poisson-limit sampler
// reproduce the quadrature references, the sub-sphere's critical scale is n^{2/(k-1)}, and the
// results do not depend on the rank count.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "longcontext/attention_study.hpp"
#include "longcontext/limit_laws.hpp"
#include "longcontext/nearest_keys.hpp"
#include "longcontext/study_summary.hpp"

using namespace attnflow::longcontext;

namespace {

// Kolmogorov-Smirnov at significance 0.001: sqrt(N) D < 1.95 (one sample), and
// D < 1.95 sqrt((N + M) / (N M)) (two samples).
constexpr double ks_critical = 1.95;

double two_sample_ks(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  double statistic = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    statistic = std::max(statistic, std::abs(static_cast<double>(i) / a.size() -
                                             static_cast<double>(j) / b.size()));
  }
  return statistic;
}

StudySetup critical_setup(int d, Sampler sampler, std::int64_t n, std::vector<double> scales,
                          std::int64_t queries, std::uint64_t seed) {
  StudySetup setup;
  setup.law = uniform_law(d);
  setup.sampler = sampler;
  setup.keys = n;
  setup.queries = queries;
  setup.seed = seed;
  setup.top_count = 3;
  const double exponent = 2.0 / (d - 1);
  for (double c : scales)
    setup.betas.push_back(sampler == Sampler::poisson ? c : c * std::pow(static_cast<double>(n), exponent));
  return setup;
}

std::vector<double> values(const StudySetup& setup, const std::vector<QueryOutcome>& outcomes,
                           const std::string& name) {
  const auto names = observable_names(setup.top_count, setup.law.dimension);
  const auto index = std::find(names.begin(), names.end(), name) - names.begin();
  return observable_columns(setup, 0, outcomes)[index];
}

}  // namespace

TEST_CASE("Nearest sampler agrees in law with full sampling (two-sample Kolmogorov-Smirnov)",
          "[longcontext][nearest][parallel]") {
  // n = 1000, c = 0.3 and 1 at the critical exponent, 300 queries per sampler and independent
  // seeds; the largest weight and the critical deficit n^{1/p} (1 - <q,O>) compared at
  // significance 0.001 each (12 comparisons: family-wise false alarm below 0.012).
  const std::int64_t queries = 300;
  for (int d : {2, 3, 4}) {
    const auto full = critical_setup(d, Sampler::full, 1000, {0.3, 1.0}, queries, 11);
    const auto nearest = critical_setup(d, Sampler::nearest, 1000, {0.3, 1.0}, queries, 12);
    const auto full_outcomes = run_study(full, MPI_COMM_WORLD);
    const auto nearest_outcomes = run_study(nearest, MPI_COMM_WORLD);
    const double bound = ks_critical * std::sqrt(2.0 / queries);
    for (std::size_t b = 0; b < full.betas.size(); ++b)
      for (const char* name : {"weight_1", "critical_deficit"})
        CHECK(two_sample_ks(values(full, full_outcomes[b], name),
                            values(nearest, nearest_outcomes[b], name)) < bound);
  }
}

TEST_CASE("Truncation: the sums over the M nearest keys are within the tolerance of all n",
          "[longcontext][nearest]") {
  // The same query drawn with tolerance 0 extends the truncated one; it stops only where the
  // weight left is exactly 0 in double precision, so it equals the sum over all n keys. The
  // criterion bounds the weight and the weighted gaps of the keys left out by eps relative, so
  // the largest weight and the deficit change by at most ~2 eps.
  const double eps = 1e-8;
  for (int d : {3, 4}) {
    NearestKeySetup setup;
    setup.law = uniform_law(d);
    setup.keys = 4000;
    setup.tolerance = eps;
    setup.minimum_keys = 1;
    const double critical = std::pow(4000.0, 2.0 / (d - 1));
    const std::vector<double> betas = {0.1 * critical, critical, 10 * critical};
    for (std::int64_t query = 0; query < 5; ++query) {
      AttentionSums truncated(betas, d - 1, 1), all(betas, d - 1, 1);
      const auto used = attend_nearest(setup, 3, query, truncated);
      auto exhaustive = setup;
      exhaustive.tolerance = 0;
      CHECK(attend_nearest(exhaustive, 3, query, all) > used);
      for (std::size_t b = 0; b < betas.size(); ++b) {
        const auto x = truncated.outcome(b), y = all.outcome(b);
        CHECK(x.top_weights[0] == Approx(y.top_weights[0]).epsilon(2 * eps));
        CHECK(x.deficit == Approx(y.deficit).epsilon(2 * eps));
        for (int i = 0; i < d - 1; ++i)
          CHECK(std::abs(x.tangent[i] - y.tangent[i]) <= 2 * eps * std::sqrt(2 * y.deficit));
      }
    }
  }
}

TEST_CASE("The nearest gap has the law P(s_(1) > u) = (1 - F(u))^n up to n = 1e12",
          "[longcontext][nearest]") {
  // 1 - (1 - F(s_(1)))^n is uniform on (0, 1): one-sample KS at significance 0.001, 2000 queries.
  for (int d : {2, 4})
    for (double n : {10.0, 1e6, 1e12}) {
      NearestKeySetup setup;
      setup.law = uniform_law(d);
      setup.keys = static_cast<std::int64_t>(n);
      setup.minimum_keys = 1;
      const double beta = 10 * std::pow(n, 2.0 / (d - 1));  // supercritical: M stays small
      std::vector<double> uniforms;
      for (std::int64_t query = 0; query < 2000; ++query) {
        AttentionSums sums({beta}, d - 1, 1);
        attend_nearest(setup, 21, query, sums);
        const double f = gap_distribution(d, sums.smallest_gap());
        uniforms.push_back(-std::expm1(n * std::log1p(-f)));
      }
      std::sort(uniforms.begin(), uniforms.end());
      double statistic = 0;
      for (std::size_t j = 0; j < uniforms.size(); ++j)
        statistic = std::max({statistic, std::abs(uniforms[j] - j / 2000.0),
                              std::abs(uniforms[j] - (j + 1) / 2000.0)});
      CHECK(std::sqrt(2000.0) * statistic < ks_critical);
    }
}

TEST_CASE("At n = 1e12 and in the Poisson limit the samplers reproduce the quadrature references",
          "[longcontext][nearest][parallel]") {
  // Finite-n corrections at n = 1e12 are O(n^{-1/p}) relative (F(u) = kappa u^p (1 + O(u))):
  // invisible. Means over 2000 queries within 4 standard errors (7 checks: false alarm < 5e-4).
  PoissonReferences references;
  for (auto sampler : {Sampler::nearest, Sampler::poisson}) {
    for (int d : {3, 4}) {
      const auto setup = critical_setup(d, sampler, 1000000000000, {1.0}, 2000, 31 + d);
      const auto outcomes = run_study(setup, MPI_COMM_WORLD);
      const double p = 0.5 * (d - 1), lambda = gap_constant(d);  // c = 1
      const auto expected = references.at(p, lambda);
      const auto largest = mean_estimate(values(setup, outcomes[0], "weight_1"));
      CHECK(std::abs(largest.mean - expected.largest_weight) < 4 * largest.standard_error);
      if (d == 3) {
        const auto squares = mean_estimate(values(setup, outcomes[0], "squared_weights"));
        CHECK(std::abs(squares.mean - expected.squared_weights) < 4 * squares.standard_error);
        const auto deficit = mean_estimate(values(setup, outcomes[0], "critical_deficit"));
        CHECK(std::abs(deficit.mean - expected.scaled_deficit) < 4 * deficit.standard_error);
      }
    }
  }
}

TEST_CASE("Sub-sphere S^1 in R^4: the largest weight collapses at beta = c n^2, not c n^{2/3}",
          "[longcontext][nearest][parallel]") {
  // Keys on a great circle through q: gap power 1/2, so at beta = c n^2 the mean largest weight
  // is the Poisson-limit value for p = 1/2, lambda = kappa_2 / sqrt(c) at n = 1e3 and at 1e9
  // alike (4 standard errors, 2000 queries).
  PoissonReferences references;
  const double expected = references.at(0.5, gap_constant(2)).largest_weight;
  for (double n : {1e3, 1e9}) {
    StudySetup setup;
    setup.law = uniform_law(4);
    setup.law.kind = KeyLawKind::subsphere;
    setup.law.subsphere_dimension = 2;
    setup.sampler = Sampler::nearest;
    setup.keys = static_cast<std::int64_t>(n);
    setup.queries = 2000;
    setup.seed = 41;
    setup.top_count = 1;
    setup.betas = {n * n};
    const auto largest = mean_estimate(values(setup, run_study(setup, MPI_COMM_WORLD)[0], "weight_1"));
    CHECK(std::abs(largest.mean - expected) < 4 * largest.standard_error);
  }
}

TEST_CASE("Nearest and Poisson samplers: every outcome is the same for any rank count",
          "[longcontext][nearest][parallel]") {
  // Each query is drawn and summed on one rank from counters keyed by (seed, key, query): the
  // spread over the ranks changes nothing, to the bit.
  for (auto sampler : {Sampler::nearest, Sampler::poisson}) {
    const auto setup = critical_setup(3, sampler, 100000, {0.5, 2.0}, 13, 5);
    const auto distributed = run_study(setup, MPI_COMM_WORLD);
    const auto serial = run_study(setup, MPI_COMM_SELF);
    for (std::size_t b = 0; b < setup.betas.size(); ++b)
      for (std::int64_t query = 0; query < setup.queries; ++query) {
        const auto& x = distributed[b][query];
        const auto& y = serial[b][query];
        CHECK(x.top_weights == y.top_weights);
        CHECK(x.squared_weights == y.squared_weights);
        CHECK(x.deficit == y.deficit);
        CHECK(x.tangent == y.tangent);
        CHECK(x.used_keys == y.used_keys);
      }
  }
}

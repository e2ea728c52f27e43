// Long-context attention study, full sampling (docs/mathematics.md sections 6 and 11): the
// streamed, distributed softmax statistics equal a brute-force evaluation on one rank, do not
// depend on the rank count, obey the limits beta = 0 and beta -> infinity, and follow two laws
// known in closed form: n = 2 keys on S^2, and the subcritical output A_k(beta) with its Gaussian
// fluctuations of variance v_tan / n and v_rad / n.
#include <catch2/catch.hpp>
#include <gsl/gsl_integration.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "errors/errors.hpp"
#include "longcontext/attention_study.hpp"
#include "longcontext/limit_laws.hpp"
#include "longcontext/study_summary.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;
using namespace attnflow::longcontext;

namespace {

StudySetup small_setup(int d, std::int64_t n, std::vector<double> betas) {
  StudySetup setup;
  setup.law = uniform_law(d);
  setup.keys = n;
  setup.queries = 3;
  setup.seed = 17;
  setup.betas = std::move(betas);
  setup.top_count = 4;
  return setup;
}

// Brute force in long double with every key stored: a_j = e^{beta (k_j0 - max k0)} / sum.
QueryOutcome brute_force(const StudySetup& setup, std::int64_t query, double beta) {
  const int d = setup.law.dimension;
  std::vector<double> keys(setup.keys * d);
  for (std::int64_t j = 0; j < setup.keys; ++j)
    draw_key(setup.law, setup.seed, j, query, std::span<double>(keys.data() + j * d, d));
  long double top = -2;
  for (std::int64_t j = 0; j < setup.keys; ++j) top = std::max<long double>(top, keys[j * d]);
  long double total = 0, squares = 0, deficit = 0;
  std::vector<long double> weights(setup.keys), tangent(d - 1, 0.0L);
  for (std::int64_t j = 0; j < setup.keys; ++j) {
    const long double w = std::exp(static_cast<long double>(beta) * (keys[j * d] - top));
    weights[j] = w;
    total += w;
    squares += w * w;
    deficit += w * (1.0L - keys[j * d]);
    for (int i = 1; i < d; ++i) tangent[i - 1] += w * keys[j * d + i];
  }
  std::sort(weights.begin(), weights.end(), std::greater<>());
  QueryOutcome outcome;
  for (int i = 0; i < setup.top_count; ++i)
    outcome.top_weights.push_back(i < setup.keys ? static_cast<double>(weights[i] / total) : 0.0);
  outcome.squared_weights = static_cast<double>(squares / (total * total));
  outcome.deficit = static_cast<double>(deficit / total);
  for (auto t : tangent) outcome.tangent.push_back(static_cast<double>(t / total));
  return outcome;
}

double integral(const std::function<double(double)>& f, double a, double b) {
  gsl_integration_workspace* workspace = gsl_integration_workspace_alloc(200);
  gsl_function function;
  function.function = [](double x, void* data) {
    return (*static_cast<const std::function<double(double)>*>(data))(x);
  };
  function.params = const_cast<std::function<double(double)>*>(&f);
  double result = 0, error = 0;
  gsl_integration_qags(&function, a, b, 0.0, 1e-12, 200, workspace, &result, &error);
  gsl_integration_workspace_free(workspace);
  return result;
}

std::size_t column(const StudySetup& setup, const std::string& name) {
  const auto names = observable_names(setup.top_count, setup.law.dimension);
  return std::find(names.begin(), names.end(), name) - names.begin();
}

}  // namespace

TEST_CASE("Distributed statistics equal a brute-force softmax and do not depend on the ranks",
          "[longcontext][parallel]") {
  for (int d : {2, 3, 4}) {
    const std::int64_t n = 1001;  // not divisible by 2, 3 or 4: uneven blocks
    const double critical = std::pow(static_cast<double>(n), 2.0 / (d - 1));
    auto setup = small_setup(d, n, {0.0, 1.0, 0.3 * critical, 3 * critical, 30.0 * critical});
    for (std::int64_t query = 0; query < setup.queries; ++query) {
      const auto distributed = attend(setup, query, MPI_COMM_WORLD);
      const auto serial = attend(setup, query, MPI_COMM_SELF);
      for (std::size_t b = 0; b < setup.betas.size(); ++b) {
        const auto& x = distributed[b];
        // Across rank counts only the summation order changes: a few ulps per sum. The top
        // gaps are merged exactly.
        for (int i = 0; i < setup.top_count; ++i)
          CHECK(x.top_weights[i] == Approx(serial[b].top_weights[i]).epsilon(1e-12));
        CHECK(x.squared_weights == Approx(serial[b].squared_weights).epsilon(1e-12));
        CHECK(x.deficit == Approx(serial[b].deficit).epsilon(1e-12));
        for (int i = 0; i < d - 1; ++i)
          CHECK(x.tangent[i] == Approx(serial[b].tangent[i]).margin(1e-13));
        CHECK(x.used_keys == n);
        // The brute force takes 1 - k_0 of the stored keys, the stream |k_perp|^2 / (1 + k_0):
        // they differ by the keys' rounding (~1e-16 absolute), i.e. beta * 1e-16 in the exponents
        // and 1e-16 / s relative in the deficit (s >= 1e-7 here).
        const auto reference = brute_force(setup, query, setup.betas[b]);
        const double tolerance = 1e-10 + 2e-16 * setup.betas[b];
        for (int i = 0; i < setup.top_count; ++i)
          CHECK(x.top_weights[i] == Approx(reference.top_weights[i]).epsilon(tolerance).margin(1e-300));
        CHECK(x.squared_weights == Approx(reference.squared_weights).epsilon(tolerance));
        CHECK(x.deficit == Approx(reference.deficit).epsilon(tolerance + 1e-8));
        for (int i = 0; i < d - 1; ++i)
          CHECK(x.tangent[i] == Approx(reference.tangent[i]).margin(tolerance));
      }
    }
  }
}

TEST_CASE("beta = 0: uniform weights, every top weight 1/n and sum a^2 = 1/n exactly",
          "[longcontext][parallel]") {
  // Every shifted term is e^0 = 1, so the sums are exact integers: no tolerance needed.
  for (int d : {2, 3, 4})
    for (std::int64_t n : {1, 7, 1000}) {
      const auto setup = small_setup(d, n, {0.0});
      const auto outcome = attend(setup, 1, MPI_COMM_WORLD)[0];
      for (int i = 0; i < setup.top_count; ++i)
        CHECK(outcome.top_weights[i] == (i < n ? 1.0 / static_cast<double>(n) : 0.0));
      CHECK(outcome.squared_weights == 1.0 / static_cast<double>(n));
    }
}

TEST_CASE("Very large beta: all mass on the key nearest to the query", "[longcontext][parallel]") {
  // n = 1000 keys: the two smallest gaps 1 - <q,k> differ by ~1/n (d = 2: ~1/n^2), so beta = 1e14
  // puts e^{-beta * difference} far below 1e-300 for the runner-up.
  for (int d : {2, 3, 4}) {
    const auto setup = small_setup(d, 1000, {1e14});
    for (std::int64_t query = 0; query < setup.queries; ++query) {
      const auto outcome = attend(setup, query, MPI_COMM_WORLD)[0];
      std::vector<double> key(d), nearest(d);
      double best = -2;
      for (std::int64_t j = 0; j < setup.keys; ++j) {
        draw_key(setup.law, setup.seed, j, query, key);
        if (key[0] > best) {
          best = key[0];
          nearest = key;
        }
      }
      CHECK(outcome.top_weights[0] == 1.0);
      CHECK(outcome.top_weights[1] == 0.0);
      CHECK(outcome.squared_weights == 1.0);
      // The nearest key's gap: 1 - k_0 of the double k_0 carries ~1e-16 absolute error.
      CHECK(outcome.deficit == Approx(1 - nearest[0]).margin(3e-16));
      for (int i = 1; i < d; ++i) CHECK(outcome.tangent[i - 1] == Approx(nearest[i]).epsilon(1e-12));
    }
  }
}

TEST_CASE("Two keys on S^2: E W_max = int_0^2 (1 - x/2) / (1 + e^{-beta x}) dx", "[longcontext][parallel]") {
  // s_1, s_2 iid uniform on [0, 2] (Archimedes), |s_1 - s_2| has density (2 - x) / 2 and
  // W_max = 1 / (1 + e^{-beta |s_1 - s_2|}). Both samplers, 4000 queries, within 4 standard
  // errors (false alarm 6e-5 per check, 6 checks).
  for (auto sampler : {Sampler::full, Sampler::nearest}) {
    auto setup = small_setup(3, 2, {0.5, 3.0, 30.0});
    setup.sampler = sampler;
    setup.queries = 4000;
    const auto outcomes = run_study(setup, MPI_COMM_WORLD);
    for (std::size_t b = 0; b < setup.betas.size(); ++b) {
      const double beta = setup.betas[b];
      const double expected =
          integral([&](double x) { return (1 - x / 2) / (1 + std::exp(-beta * x)); }, 0, 2);
      std::vector<double> largest;
      for (const auto& outcome : outcomes[b]) largest.push_back(outcome.top_weights[0]);
      const auto estimate = mean_estimate(largest);
      CHECK(std::abs(estimate.mean - expected) < 4 * estimate.standard_error);
    }
  }
}

TEST_CASE("Subcritical: <q,O> -> A_k(beta) with Gaussian fluctuations of variance v_rad/n, v_tan/n",
          "[longcontext][parallel]") {
  // beta = 3 fixed, n = 10000 keys (c_n = beta n^{-1/p} far below 1). Means within 4 standard
  // errors of A_k + b/n (|b|/n < 1e-4, 0.2 standard errors here) and of 1 for the squared
  // fluctuations n (<q,O> - A)^2 / v_rad and n |P_q O|^2 / ((k-1) v_tan).
  for (int d : {3, 4}) {
    auto setup = small_setup(d, 10000, {3.0});
    setup.queries = 100;
    const auto outcomes = run_study(setup, MPI_COMM_WORLD);
    PoissonReferences none(false);
    const auto row = summarise(setup, 0, 0.0, 3.0, outcomes[0], 0.0, none);
    const auto& deficit = row.estimates[column(setup, "deficit")];
    const double predicted = 1 - subcritical_alignment(d, 3.0) - alignment_bias(d, 3.0) / 10000;
    CHECK(std::abs(deficit.mean - predicted) < 4 * deficit.standard_error);
    for (const char* name : {"radial_square", "tangential_square"}) {
      const auto& square = row.estimates[column(setup, name)];
      CHECK(std::abs(square.mean - 1) < 4 * square.standard_error);
    }
    CHECK(row.regime == "subcritical");
  }
}

TEST_CASE("Invalid study setups are rejected with InputError", "[longcontext]") {
  using errors::InputError;
  CHECK_THROWS_AS(validate(small_setup(1, 10, {1.0})), InputError);
  CHECK_THROWS_AS(validate(small_setup(3, 0, {1.0})), InputError);
  CHECK_THROWS_AS(validate(small_setup(3, 10, {-1.0})), InputError);
  CHECK_THROWS_AS(validate(small_setup(3, 10, {NAN})), InputError);
  CHECK_THROWS_AS(validate(small_setup(3, 10, {})), InputError);
  auto setup = small_setup(3, 10, {1.0});
  setup.queries = 1;
  CHECK_THROWS_AS(run_study(setup, MPI_COMM_WORLD), InputError);
  // The nearest sampler refuses the subcritical regime (M would be ~ n) and non-closed-form laws.
  auto nearest = small_setup(3, 1000000000000, {1.0});
  nearest.sampler = Sampler::nearest;
  CHECK_THROWS_AS(validate(nearest), InputError);
  nearest.betas = {1e12};
  CHECK_NOTHROW(validate(nearest));
  nearest.law.kind = KeyLawKind::von_mises_fisher;
  nearest.law.mixture.means = {{1, 0, 0}};
  nearest.law.mixture.concentrations = {1};
  nearest.law.mixture.weights = {1};
  CHECK_THROWS_AS(validate(nearest), InputError);
  CHECK_THROWS_AS(sampler_from_name("exact"), InputError);
}

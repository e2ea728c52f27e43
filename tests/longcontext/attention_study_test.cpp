// Long-context attention study (docs/mathematics.md section 6): the streamed, distributed softmax statistics equal a
// brute-force evaluation on one rank, do not depend on the rank count, and obey the limits
// beta = 0 (uniform weights) and beta -> infinity (all mass on the nearest key).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "errors/errors.hpp"
#include "longcontext/attention_study.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

longcontext::StudySetup small_setup(int d, std::int64_t n, std::vector<double> betas) {
  longcontext::StudySetup setup;
  setup.dimension = d;
  setup.keys = n;
  setup.queries = 3;
  setup.seed = 17;
  setup.betas = std::move(betas);
  setup.chunk_size = 37;  // many chunks, so the running re-referencing of the sums is exercised
  return setup;
}

// Brute force in long double with every key stored: a_j = e^{beta (k_j0 - max k0)} / sum.
longcontext::QueryOutcome brute_force(const longcontext::StudySetup& setup, std::int64_t query,
                                      double beta) {
  const int d = setup.dimension;
  std::vector<double> keys(setup.keys * d);
  for (std::int64_t j = 0; j < setup.keys; ++j)
    longcontext::draw_key(setup.seed, j, query, std::span<double>(keys.data() + j * d, d));
  long double top = -2;
  for (std::int64_t j = 0; j < setup.keys; ++j) top = std::max<long double>(top, keys[j * d]);
  long double total = 0, squares = 0, largest = 0;
  std::vector<long double> output(d, 0.0L);
  for (std::int64_t j = 0; j < setup.keys; ++j) {
    const long double w = std::exp(static_cast<long double>(beta) * (keys[j * d] - top));
    total += w;
    squares += w * w;
    largest = std::max(largest, w);
    for (int i = 0; i < d; ++i) output[i] += w * keys[j * d + i];
  }
  long double distance = 0, perpendicular = 0;
  for (int i = 0; i < d; ++i) {
    const long double component = output[i] / total - (i == 0 ? 1.0L : 0.0L);
    distance += component * component;
    if (i > 0) perpendicular += output[i] * output[i];
  }
  return {static_cast<double>(largest / total), static_cast<double>(total * total / squares),
          static_cast<double>(std::sqrt(distance)),
          static_cast<double>(std::atan2(std::sqrt(perpendicular), output[0]))};
}

}  // namespace

TEST_CASE("Distributed statistics equal a brute-force softmax and do not depend on the ranks",
          "[longcontext][parallel]") {
  for (int d : {2, 3, 4}) {
    const std::int64_t n = 1001;  // not divisible by 2, 3 or 4: uneven blocks
    const double critical = std::pow(static_cast<double>(n), 2.0 / (d - 1));
    auto setup = small_setup(d, n, {0.0, 1.0, 0.3 * critical, 3 * critical, 30.0 * critical});
    for (std::int64_t query = 0; query < setup.queries; ++query) {
      const auto distributed = longcontext::attend(setup, query, MPI_COMM_WORLD);
      const auto serial = longcontext::attend(setup, query, MPI_COMM_SELF);
      for (std::size_t b = 0; b < setup.betas.size(); ++b) {
        // Across rank counts only the summation order changes: a few ulps per sum.
        CHECK(distributed[b].largest_weight == Approx(serial[b].largest_weight).epsilon(1e-12));
        CHECK(distributed[b].effective_keys == Approx(serial[b].effective_keys).epsilon(1e-12));
        CHECK(distributed[b].output_distance == Approx(serial[b].output_distance).epsilon(1e-12));
        CHECK(distributed[b].output_angle == Approx(serial[b].output_angle).epsilon(1e-12));
        // The brute force evaluates 1 - <q,k> with cancellation: its exponents carry an absolute
        // error of about beta * 1e-16 (below 1e-8 here, beta <= 3e7), hence 1e-8 relative.
        const auto reference = brute_force(setup, query, setup.betas[b]);
        const double tolerance = 1e-10 + 2e-16 * setup.betas[b];
        CHECK(distributed[b].largest_weight == Approx(reference.largest_weight).epsilon(tolerance));
        CHECK(distributed[b].effective_keys == Approx(reference.effective_keys).epsilon(tolerance));
        CHECK(distributed[b].output_distance ==
              Approx(reference.output_distance).epsilon(tolerance));
        CHECK(distributed[b].output_angle == Approx(reference.output_angle).epsilon(tolerance));
      }
    }
  }
}

TEST_CASE("beta = 0: uniform weights, largest weight 1/n and n effective keys exactly",
          "[longcontext][parallel]") {
  // Every shifted term is e^0 = 1, so the sums are exact integers: no tolerance needed.
  for (int d : {2, 3, 4})
    for (std::int64_t n : {1, 7, 1000}) {
      const auto setup = small_setup(d, n, {0.0});
      const auto outcome = longcontext::attend(setup, 1, MPI_COMM_WORLD);
      CHECK(outcome[0].largest_weight == 1.0 / static_cast<double>(n));
      CHECK(outcome[0].effective_keys == static_cast<double>(n));
    }
}

TEST_CASE("Very large beta: all mass on the key nearest to the query", "[longcontext][parallel]") {
  // n = 1000 keys: the two smallest gaps 1 - <q,k> differ by ~1/n (d = 2: ~1/n^2), so beta = 1e14
  // puts e^{-beta * difference} far below 1e-300 for the runner-up.
  for (int d : {2, 3, 4}) {
    const auto setup = small_setup(d, 1000, {1e14});
    for (std::int64_t query = 0; query < setup.queries; ++query) {
      const auto outcome = longcontext::attend(setup, query, MPI_COMM_WORLD);
      std::vector<double> key(d), nearest(d);
      double best = -2;
      for (std::int64_t j = 0; j < setup.keys; ++j) {
        longcontext::draw_key(setup.seed, j, query, key);
        if (key[0] > best) {
          best = key[0];
          nearest = key;
        }
      }
      double distance = 0;
      for (int i = 0; i < d; ++i) distance += std::pow(nearest[i] - (i == 0 ? 1.0 : 0.0), 2);
      CHECK(outcome[0].largest_weight == 1.0);
      CHECK(outcome[0].effective_keys == 1.0);
      // The nearest key's distance to q, 1e-9 relative for the rounding of 1 - k_0 above.
      CHECK(outcome[0].output_distance == Approx(std::sqrt(distance)).epsilon(1e-9));
      const double angle = std::atan2(std::hypot(nearest[1], d > 2 ? nearest[2] : 0.0,
                                                 d > 3 ? nearest[3] : 0.0),
                                      nearest[0]);
      CHECK(outcome[0].output_angle == Approx(angle).epsilon(1e-9));
    }
  }
}

TEST_CASE("Keys are uniform on the sphere: on S^2 the coordinate <q,k> is uniform on [-1, 1]",
          "[longcontext]") {
  // Archimedes: the height of a uniform point on S^2 is uniform. Kolmogorov-Smirnov statistic
  // sqrt(n) D < 1.95 (exceeded with probability 0.001 under the hypothesis); for d = 4 the mean of
  // k_0^2 is 1/d with standard deviation sqrt(E k_0^4 - 1/d^2) / sqrt(n) = sqrt(1/8 - 1/16)/sqrt(n)
  // (E k_0^4 = 3/(d(d+2)) = 1/8), checked within 4.5 standard deviations.
  const std::int64_t n = 20000;
  std::vector<double> heights(n), key(3), key4(4);
  double second_moment = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    longcontext::draw_key(5, j, 2, key);
    heights[j] = key[0];
    longcontext::draw_key(5, j, 2, key4);
    second_moment += key4[0] * key4[0] / n;
  }
  std::sort(heights.begin(), heights.end());
  double statistic = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    const double cdf = (heights[j] + 1) / 2;
    statistic = std::max({statistic, std::abs(cdf - static_cast<double>(j) / n),
                          std::abs(cdf - static_cast<double>(j + 1) / n)});
  }
  CHECK(std::sqrt(static_cast<double>(n)) * statistic < 1.95);
  CHECK(std::abs(second_moment - 0.25) < 4.5 * std::sqrt(1.0 / 16) / std::sqrt(double(n)));
}

TEST_CASE("Summaries over queries do not depend on the rank count", "[longcontext][parallel]") {
  auto setup = small_setup(3, 500, {10.0, 500.0, 5000.0});
  setup.queries = 6;
  const auto distributed = longcontext::run_study(setup, MPI_COMM_WORLD);
  const auto serial = longcontext::run_study(setup, MPI_COMM_SELF);
  for (std::size_t b = 0; b < setup.betas.size(); ++b) {
    CHECK(distributed[b].largest_weight.mean == Approx(serial[b].largest_weight.mean).epsilon(1e-12));
    CHECK(distributed[b].largest_weight.standard_error ==
          Approx(serial[b].largest_weight.standard_error).epsilon(1e-9));
    CHECK(distributed[b].effective_keys.mean == Approx(serial[b].effective_keys.mean).epsilon(1e-12));
    CHECK(distributed[b].dominant_fraction == serial[b].dominant_fraction);
    // A mean of values in [1/n, 1] with a standard error that cannot exceed the range over sqrt(Q).
    CHECK(distributed[b].largest_weight.mean > 0);
    CHECK(distributed[b].largest_weight.mean <= 1);
  }
}

TEST_CASE("Invalid study setups are rejected with InputError", "[longcontext]") {
  using errors::InputError;
  CHECK_THROWS_AS(longcontext::validate(small_setup(1, 10, {1.0})), InputError);
  CHECK_THROWS_AS(longcontext::validate(small_setup(3, 0, {1.0})), InputError);
  CHECK_THROWS_AS(longcontext::validate(small_setup(3, 10, {-1.0})), InputError);
  CHECK_THROWS_AS(longcontext::validate(small_setup(3, 10, {})), InputError);
  auto setup = small_setup(3, 10, {1.0});
  setup.queries = 1;
  CHECK_THROWS_AS(longcontext::run_study(setup, MPI_COMM_WORLD), InputError);
}

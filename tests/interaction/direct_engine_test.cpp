// The direct engine against independent oracles (docs/mathematics.md sections 1 and 5).
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_bessel.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <vector>

#include "errors/errors.hpp"
#include "benchmark/benchmark.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"
#include "random/counter_random.hpp"
#include "support/kernels.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;
using testing::identity_kernel;

TEST_CASE("Direct engine on the circle equals the Jacobi-Anger series (docs/mathematics.md section 5)",
          "[interaction][parallel]") {
  // e^{beta cos psi} = I_0 + 2 sum_k I_k cos(k psi): with the exponentially scaled Bessel
  // functions I_k(beta) e^{-beta}, the series gives the shifted sums to machine precision.
  const std::int64_t n = 301;
  for (double beta : {0.5, 5.0, 60.0, 800.0}) {
    const auto kernel = identity_kernel(2, beta, true);
    const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
    std::vector<double> angles(n), x(part.count * 2), w(part.count, 1.0 / n);
    for (std::int64_t j = 0; j < n; ++j) angles[j] = 2 * std::numbers::pi * std::sin(1.7 * j + 0.3);
    for (std::int64_t i = 0; i < part.count; ++i) {
      x[2 * i] = std::cos(angles[part.first + i]);
      x[2 * i + 1] = std::sin(angles[part.first + i]);
    }
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
    interaction::KernelSums sums;
    engine->evaluate(x, x, w, sums);
    const int terms = static_cast<int>(beta + 40 * std::sqrt(beta + 1) + 30);
    std::vector<double> scaled(terms + 1);
    gsl_set_error_handler_off();  // far terms underflow to 0, which is what the sum needs
    for (int k = 0; k <= terms; ++k) {
      gsl_sf_result r;
      scaled[k] = gsl_sf_bessel_In_scaled_e(k, beta, &r) == 0 ? r.val : 0.0;
    }
    for (std::int64_t i = 0; i < part.count; ++i) {
      const double ti = angles[part.first + i];
      double z = 0, n0 = 0, n1 = 0;
      for (std::int64_t j = 0; j < n; ++j) {
        const double psi = ti - angles[j];
        double k_sum = scaled[0];
        for (int k = 1; k <= terms; ++k) k_sum += 2 * scaled[k] * std::cos(k * psi);
        z += k_sum / n;
        n0 += k_sum * std::cos(angles[j]) / n;
        n1 += k_sum * std::sin(angles[j]) / n;
      }
      REQUIRE(sums.normaliser[i] == Approx(z).epsilon(1e-12));
      REQUIRE(sums.numerator[2 * i] == Approx(n0).epsilon(1e-11).margin(1e-13 * z));
      REQUIRE(sums.numerator[2 * i + 1] == Approx(n1).epsilon(1e-11).margin(1e-13 * z));
    }
  }
}

TEST_CASE("Direct engine on S^2 with general Q, K, V equals a long-double brute-force sum",
          "[interaction][parallel]") {
  const int d = 3;
  const std::int64_t n = 257;
  model::Model m;
  m.dimension = d;
  m.beta = 7.5;
  m.query = model::Matrix{3, {1.0, 0.2, 0.0, -0.3, 0.9, 0.1, 0.0, 0.4, 1.2}};
  m.key = model::Matrix{3, {0.8, 0.0, 0.1, 0.0, 1.1, -0.2, 0.3, 0.0, 1.0}};
  m.value = model::Matrix{3, {0.5, 0.1, 0.0, 0.0, 1.0, 0.3, -0.2, 0.0, 0.7}};
  for (bool causal : {false, true}) {
    for (auto attention : {model::Attention::softmax, model::Attention::unnormalised}) {
      m.causal = causal;
      m.attention = attention;
      const auto kernel = interaction::Kernel::from_model(m);
      const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
      const auto all = benchmark::random_sphere_points(0, n, d, 11);
      std::vector<double> x(all.begin() + part.first * d,
                            all.begin() + (part.first + part.count) * d);
      std::vector<double> w(part.count);
      for (std::int64_t i = 0; i < part.count; ++i) w[i] = (1.0 + 0.5 * ((part.first + i) % 3)) / n;
      auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
      interaction::KernelSums sums;
      engine->evaluate(x, x, w, sums);
      std::vector<double> output(part.count * d);
      interaction::attention_output(kernel, sums, output);
      for (std::int64_t i = 0; i < part.count; ++i) {
        const std::int64_t gi = part.first + i;
        long double qx[3], z = 0, num[3] = {0, 0, 0};
        for (int r = 0; r < 3; ++r) {
          qx[r] = 0;
          for (int c = 0; c < 3; ++c) qx[r] += (long double)m.query(r, c) * all[gi * 3 + c];
        }
        const std::int64_t limit = causal ? gi + 1 : n;
        for (std::int64_t j = 0; j < limit; ++j) {
          long double ky[3], vy[3], dotp = 0;
          for (int r = 0; r < 3; ++r) {
            ky[r] = vy[r] = 0;
            for (int c = 0; c < 3; ++c) {
              ky[r] += (long double)m.key(r, c) * all[j * 3 + c];
              vy[r] += (long double)m.value(r, c) * all[j * 3 + c];
            }
            dotp += qx[r] * ky[r];
          }
          const long double wj = (1.0L + 0.5L * (j % 3)) / n;
          const long double e = wj * std::exp((long double)m.beta * dotp - kernel.constant_shift);
          z += e;
          for (int r = 0; r < 3; ++r) num[r] += e * vy[r];
        }
        for (int r = 0; r < 3; ++r) {
          const long double expected = attention == model::Attention::softmax ? num[r] / z : num[r];
          const long double scale = attention == model::Attention::softmax ? 1.0L : z;
          REQUIRE(output[i * 3 + r] ==
                  Approx((double)expected).epsilon(1e-12).margin(1e-13 * (double)scale));
        }
      }
    }
  }
}

TEST_CASE("Direct engine is overflow-safe for beta up to 1e4", "[interaction][parallel]") {
  const int d = 3;
  const std::int64_t n = 64;
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  const auto all = benchmark::random_sphere_points(0, n, d, 5);
  std::vector<double> x(all.begin() + part.first * d, all.begin() + (part.first + part.count) * d);
  std::vector<double> w(part.count, 1.0 / n);
  for (bool normalised : {true, false}) {
    const auto kernel = identity_kernel(d, 1e4, normalised);
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
    interaction::KernelSums sums;
    engine->evaluate(x, x, w, sums);
    std::vector<double> output(part.count * d);
    interaction::attention_output(kernel, sums, output);
    for (std::int64_t i = 0; i < part.count; ++i) {
      // Only near neighbours contribute: e^{beta (<x_i, x_j> - 1)}, summed in long double. The
      // self term carries the rounding of <x, x> = 1 (a few ulp) times beta = 1e4: about 1e-11.
      long double z = 0;
      for (std::int64_t j = 0; j < n; ++j) {
        long double c = 0;
        for (int k = 0; k < d; ++k)
          c += (long double)all[(part.first + i) * d + k] * all[j * d + k];
        z += std::exp(1e4L * (c - 1.0L)) / n;
      }
      REQUIRE(sums.normaliser[i] == Approx((double)z).epsilon(1e-10));
      for (int k = 0; k < d; ++k) REQUIRE(std::isfinite(output[i * d + k]));
    }
  }
}

TEST_CASE("Single-precision direct engine agrees with double within float rounding",
          "[interaction][parallel]") {
  // Per term: float rounding of beta <x, y> (about 3 beta 6e-8 absolute in the exponent), of the
  // exponential (~1.2e-7) and of the weight product; per 256-source chunk the float partial sum
  // adds at most 256 x 6e-8 = 1.5e-5 relative to the sum of its (positive) terms, which is at
  // most W = 1. Hence every sum is within W (2e-5 + 4e-7 beta) of the double result.
  const std::int64_t n = 1000;
  for (int d : {2, 3}) {
    for (double beta : {1.0, 10.0, 100.0}) {
      const auto kernel = identity_kernel(d, beta, true);
      const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
      const auto x = benchmark::random_sphere_points(part.first, part.count, d, 19);
      const std::vector<double> w(part.count, 1.0 / n);
      interaction::EngineOptions single;
      single.precision = "float";
      auto exact_engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
      auto float_engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD, single);
      interaction::KernelSums exact, approximate;
      exact_engine->evaluate(x, x, w, exact);
      float_engine->evaluate(x, x, w, approximate);
      double worst = 0;
      for (std::int64_t i = 0; i < part.count; ++i) {
        worst = std::max(worst, std::abs(exact.normaliser[i] - approximate.normaliser[i]));
        for (int k = 0; k < d; ++k)
          worst = std::max(worst,
                           std::abs(exact.numerator[i * d + k] - approximate.numerator[i * d + k]));
      }
      INFO("d = " << d << ", beta = " << beta << ": largest difference " << worst);
      CHECK(worst <= 2e-5 + 4e-7 * beta);
    }
  }
  CHECK_THROWS_AS(
      interaction::make_engine("spectral", identity_kernel(2, 1.0, true), MPI_COMM_WORLD,
                               interaction::EngineOptions{1e-10, "float"}),
      errors::InputError);
}

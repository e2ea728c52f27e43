// The spectral engines (docs/mathematics.md section 5) against the direct engine and against the addition
// theorem for spherical harmonics.
#include "interaction/spectral_engine.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "errors/errors.hpp"
#include "benchmark/benchmark.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"
#include "support/kernels.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;
using testing::identity_kernel;

namespace {

struct Errors {
  double sums = 0;             // max |spectral - direct| over all sums / (W e^{beta - shift})
  double output = 0;           // max |a_spectral - a_direct| * Z_i / (2 W e^{beta - shift})
  double relative_output = 0;  // max |a_spectral - a_direct| / |a_direct| (reported only)
};

// Errors of the spectral engine against the direct engine on N random tokens (block partition),
// reduced over the ranks (collective).
Errors compare(const interaction::Kernel& kernel, double tolerance, std::int64_t n) {
  const int d = kernel.dimension;
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  const auto x = benchmark::random_sphere_points(part.first, part.count, d, 31);
  std::vector<double> w(part.count);
  double local_weight = 0, total_weight = 0;
  for (std::int64_t i = 0; i < part.count; ++i) {
    w[i] = (1.0 + 0.5 * ((part.first + i) % 4)) / static_cast<double>(n);
    local_weight += w[i];
  }
  MPI_Allreduce(&local_weight, &total_weight, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  auto direct = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
  auto spectral = interaction::make_engine("spectral", kernel, MPI_COMM_WORLD,
                                           interaction::EngineOptions{tolerance});
  interaction::KernelSums exact, approximate;
  direct->evaluate(x, x, w, exact);
  spectral->evaluate(x, x, w, approximate);
  std::vector<double> a_exact(x.size()), a_approximate(x.size());
  interaction::attention_output(kernel, exact, a_exact);
  interaction::attention_output(kernel, approximate, a_approximate);
  const double scale = total_weight * std::exp(kernel.beta - kernel.constant_shift);
  Errors local;
  for (std::int64_t i = 0; i < part.count; ++i) {
    local.sums = std::max(local.sums, std::abs(exact.normaliser[i] - approximate.normaliser[i]));
    double difference = 0, size = 0;
    for (int k = 0; k < d; ++k) {
      local.sums = std::max(
          local.sums, std::abs(exact.numerator[i * d + k] - approximate.numerator[i * d + k]));
      difference = std::max(difference, std::abs(a_exact[i * d + k] - a_approximate[i * d + k]));
      size = std::max(size, std::abs(a_exact[i * d + k]));
    }
    const double output_scale = kernel.normalised ? exact.normaliser[i] / 2 : 1.0;
    local.output = std::max(local.output, difference * output_scale);
    local.relative_output = std::max(local.relative_output, difference / size);
  }
  local.sums /= scale;
  local.output /= scale;
  Errors global;
  MPI_Allreduce(&local, &global, 3, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return global;
}

}  // namespace

TEST_CASE("Truncated kernel expansions sum to the kernel's maximum 1 within their tail bound",
          "[interaction]") {
  // At <x, y> = 1 the shifted kernel is e^0 = 1 = c_0 + 2 sum c_k (circle) = sum (2l+1) c_l /
  // (4 pi) (S^2); what is missing is the dropped tail, which the bound must cover.
  for (int d : {2, 3}) {
    for (double beta : {0.1, 1.0, 10.0, 100.0, 1000.0, 1e4}) {
      const auto t = interaction::spectral_truncation(d, beta, 1e-10);
      double sum = 0;
      for (int k = 0; k <= t.degree; ++k)
        sum += d == 2 ? (k == 0 ? 1.0 : 2.0) * t.coefficients[k]
                      : (2 * k + 1) * t.coefficients[k] / (4 * std::numbers::pi);
      INFO("d = " << d << ", beta = " << beta << ", L = " << t.degree);
      CHECK(t.tail_bound <= 1e-10);
      CHECK(std::abs(1 - sum) <= t.tail_bound + 1e-13);
      // docs/mathematics.md section 5: L ~ sqrt(2 beta ln(1/eps)) for large beta (a Gaussian of width beta^{-1/2}).
      if (beta >= 100) CHECK(t.degree <= 1.2 * std::sqrt(2 * beta * std::log(1e10)));
    }
  }
}

TEST_CASE("Spectral engine error against the direct engine is within its tolerance",
          "[interaction][parallel]") {
  // Contract (spectral_engine.hpp): every sum within tolerance x W e^{beta - shift}; for SA the
  // output within 2 tolerance W e^{beta - shift} / Z_i. Margin for the direct engine's own
  // rounding: its exponent beta <x, y> carries beta times the rounding of <x, y> (~2e-16).
  for (int d : {2, 3}) {
    for (double beta : {0.1, 1.0, 10.0, 100.0, 1000.0}) {
      for (double tolerance : {1e-4, 1e-10}) {
        const bool normalised = beta != 10.0;  // USA once per dimension
        const auto kernel = identity_kernel(d, beta, normalised);
        const std::int64_t n = d == 3 && beta >= 1000 ? 120 : 301;
        const Errors e = compare(kernel, tolerance, n);
        const double margin = 1e-15 * beta + 1e-14;
        INFO("d = " << d << ", beta = " << beta << ", tolerance = " << tolerance << ": sums error "
                    << e.sums << ", scaled output error " << e.output << ", relative output error "
                    << e.relative_output);
        CHECK(e.sums <= tolerance + margin);
        CHECK(e.output <= tolerance + margin);
      }
    }
  }
}

TEST_CASE("Spectral engine applies a general value matrix", "[interaction][parallel]") {
  model::Model m;
  m.dimension = 3;
  m.beta = 4.0;
  m.query = m.key = model::Matrix::identity(3);
  m.value = model::Matrix{3, {0.5, 0.1, 0.0, 0.0, 1.0, 0.3, -0.2, 0.0, 0.7}};
  const Errors e = compare(interaction::Kernel::from_model(m), 1e-12, 200);
  CHECK(e.sums <= 1e-12 * m.value.operator_norm() + 1e-14);
}

TEST_CASE("Spectral engine rejects what it cannot represent", "[interaction]") {
  auto make = [](const interaction::Kernel& k) {
    return interaction::make_engine("spectral", k, MPI_COMM_WORLD);
  };
  CHECK_THROWS_AS(make(identity_kernel(4, 1.0, true)), errors::InputError);
  auto causal = identity_kernel(2, 1.0, true);
  causal.causal = true;
  CHECK_THROWS_AS(make(causal), errors::InputError);
  auto general = identity_kernel(3, 1.0, true);
  general.query_key.entries[1] = 0.5;
  CHECK_THROWS_AS(make(general), errors::InputError);
  CHECK_THROWS_AS(interaction::make_engine("spectral", identity_kernel(2, 1.0, true),
                                           MPI_COMM_WORLD, interaction::EngineOptions{0.0}),
                  errors::InputError);
}

TEST_CASE("Spectral engine works when ranks own no tokens", "[interaction][parallel]") {
  // N = 3 at up to 4 ranks: empty ranks still join the allreduce; same contract as above.
  for (int d : {2, 3}) {
    const Errors e = compare(identity_kernel(d, 2.0, true), 1e-10, 3);
    CHECK(e.sums <= 1e-10 + 1e-14);
  }
}

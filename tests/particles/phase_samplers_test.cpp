// The moderate-regime samplers (particles/phase_samplers.hpp) against their laws, at 1-4 ranks:
// the wrapped normal's first trigonometric moment E e^{i theta} = e^{i mu} e^{-sigma^2/2}, a
// two-component mixture's weights, and the uniform-elevation sampler's E z^2 = 1/2 (1/3 would
// be area-uniform) with an azimuthal mixture. Tolerances: 5 standard errors of the sample mean.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "particles/phase_samplers.hpp"
#include "support/gather.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

TEST_CASE("Wrapped-normal mixtures on the circle and uniform elevation on S^2",
          "[particles][parallel]") {
  const std::int64_t n = 40000;
  const double five_errors = 5 / std::sqrt(double(n));  // every summand below has variance <= 1
  SECTION("one wrapped normal: the first trigonometric moment") {
    const particles::WrappedNormalMixture m{{1.0}, {0.7}, {1.0}};
    const auto all = testing::gather_positions(particles::wrapped_normal_state(n, m, 3, MPI_COMM_WORLD));
    if (testing::world_rank() == 0) {
      double c = 0, s = 0;
      for (std::int64_t i = 0; i < n; ++i) c += all[2 * i], s += all[2 * i + 1];
      const double resultant = std::exp(-0.7 * 0.7 / 2);
      CHECK(std::abs(c / n - resultant * std::cos(1.0)) < five_errors);
      CHECK(std::abs(s / n - resultant * std::sin(1.0)) < five_errors);
    }
  }
  SECTION("two narrow components at 0 and pi with weights 1/4, 3/4") {
    const particles::WrappedNormalMixture m{{0.0, std::numbers::pi}, {0.05, 0.05}, {0.25, 0.75}};
    const auto all = testing::gather_positions(particles::wrapped_normal_state(n, m, 5, MPI_COMM_WORLD));
    if (testing::world_rank() == 0) {
      double near_zero = 0;
      for (std::int64_t i = 0; i < n; ++i) near_zero += all[2 * i] > 0 ? 1 : 0;
      CHECK(std::abs(near_zero / n - 0.25) < five_errors);
    }
  }
  SECTION("uniform elevation on S^2, azimuth from a wrapped normal") {
    const particles::WrappedNormalMixture m{{0.5}, {0.3}, {1.0}};
    const auto all =
        testing::gather_positions(particles::uniform_elevation_state(n, m, 7, MPI_COMM_WORLD));
    if (testing::world_rank() == 0) {
      double z = 0, z2 = 0, c = 0, s = 0, norm_error = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        const double* x = all.data() + 3 * i;
        z += x[2], z2 += x[2] * x[2];
        // The azimuth's moment: E cos(psi) over the horizontal direction.
        const double r = std::hypot(x[0], x[1]);
        c += x[0] / r, s += x[1] / r;
        norm_error = std::max(norm_error, std::abs(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] - 1));
      }
      CHECK(norm_error < 1e-15);
      CHECK(std::abs(z / n) < five_errors);
      CHECK(std::abs(z2 / n - 0.5) < five_errors);
      const double resultant = std::exp(-0.3 * 0.3 / 2);
      CHECK(std::abs(c / n - resultant * std::cos(0.5)) < five_errors);
      CHECK(std::abs(s / n - resultant * std::sin(0.5)) < five_errors);
    }
  }
}

TEST_CASE("A von Mises-Fisher mixture on a great sub-sphere", "[particles][parallel]") {
  // k = 3 in d = 5: the last two coordinates vanish, every token is a unit vector, and with
  // kappa = 200 around e_1 the mean of x_1 is coth(kappa) - 1/kappa = 0.995 (the vMF mean
  // resultant on S^2), within 5 standard errors (sd of x_1 below 0.01).
  density::VonMisesFisherMixture mixture;
  mixture.means = {{1, 0, 0}};
  mixture.concentrations = {200};
  mixture.weights = {1};
  const std::int64_t n = 4000;
  const auto all =
      testing::gather_positions(particles::subsphere_state(n, 5, 3, mixture, 9, MPI_COMM_WORLD));
  if (testing::world_rank() == 0) {
    double first = 0, worst = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double* x = all.data() + 5 * i;
      first += x[0];
      worst = std::max({worst, std::abs(x[3]), std::abs(x[4]),
                        std::abs(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] - 1)});
    }
    CHECK(worst < 1e-15);
    CHECK(std::abs(first / n - (1 / std::tanh(200.0) - 1 / 200.0)) < 5 * 0.01 / std::sqrt(double(n)));
  }
}

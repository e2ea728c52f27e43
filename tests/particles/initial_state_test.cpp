// Initial states: independent of the rank count, and with the distributions docs/mathematics.md asks for.
#include <catch2/catch.hpp>
#include <gsl/gsl_sf_bessel.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "particles/initial_state.hpp"
#include "support/gather.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

TEST_CASE("Initial states are bitwise the same on any number of ranks", "[particles][parallel]") {
  density::VonMisesFisherMixture mixture{{{0, 0, 1}, {1, 0, 0}}, {5.0, 50.0}, {0.3, 0.7}};
  density::CircleDensity circle{0.4, 3, 0.2};
  for (int which = 0; which < 3; ++which) {
    auto make = [&](MPI_Comm comm) {
      if (which == 0) return particles::uniform_state(101, 3, 42, comm);
      if (which == 1) return particles::mixture_state(101, 3, mixture, 42, comm);
      return particles::circle_density_state(101, circle, particles::Placement::iid, 42, comm);
    };
    const auto all = testing::gather_positions(make(MPI_COMM_WORLD));
    if (testing::world_rank() == 0) {
      const auto reference = make(MPI_COMM_SELF);
      REQUIRE(all == reference.positions);
    }
  }
}

TEST_CASE("von Mises-Fisher samples have mean resultant length A_3(kappa)", "[particles]") {
  // On S^2, E<x, mu> = coth(kappa) - 1/kappa; std of <x, mu> <= 1, 5 sigma over M samples.
  const std::int64_t samples = 20000;
  for (double kappa : {0.5, 4.0, 40.0}) {
    density::VonMisesFisherMixture mixture{{{0.6, 0.0, 0.8}}, {kappa}, {1.0}};
    const auto s = particles::mixture_state(samples, 3, mixture, 3, MPI_COMM_SELF);
    double mean = 0;
    for (std::int64_t i = 0; i < samples; ++i)
      mean += (0.6 * s.positions[3 * i] + 0.8 * s.positions[3 * i + 2]) / samples;
    const double expected = 1.0 / std::tanh(kappa) - 1.0 / kappa;
    REQUIRE(std::abs(mean - expected) < 5.0 / std::sqrt(double(samples)));
  }
  // In dimension d: E<x, mu> = I_{d/2}(kappa) / I_{d/2-1}(kappa).
  const int d = 6;
  const double kappa = 10;
  std::vector<double> mu(d, 0.0);
  mu[d - 1] = 1;
  density::VonMisesFisherMixture mixture{{mu}, {kappa}, {1.0}};
  const auto s = particles::mixture_state(samples, d, mixture, 9, MPI_COMM_SELF);
  double mean = 0;
  for (std::int64_t i = 0; i < samples; ++i) mean += s.positions[i * d + d - 1] / samples;
  const double expected = gsl_sf_bessel_Inu(d / 2.0, kappa) / gsl_sf_bessel_Inu(d / 2.0 - 1, kappa);
  REQUIRE(std::abs(mean - expected) < 5.0 / std::sqrt(double(samples)));
}

TEST_CASE("Quantile placement reproduces the circle density's distribution to O(1/N)",
          "[particles]") {
  // Token j sits at F^{-1}((j + 1/2) / N): the empirical CDF is within 1/(2N) of F everywhere,
  // and the first Fourier moment equals (eps/2) e^{i phase} up to O(1/N).
  density::CircleDensity circle{0.5, 1, 0.7};
  const std::int64_t n = 2000;
  const auto s =
      particles::circle_density_state(n, circle, particles::Placement::quantile, 1, MPI_COMM_SELF);
  double re = 0, im = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double t = std::atan2(s.positions[2 * i + 1], s.positions[2 * i]);
    if (t < 0) t += 2 * std::numbers::pi;
    const double cdf = (t + 0.5 * (std::sin(t + 0.7) - std::sin(0.7))) / (2 * std::numbers::pi);
    REQUIRE(std::abs(cdf - (i + 0.5) / n) < 1e-12);
    re += std::cos(t) / n;
    im += std::sin(t) / n;
  }
  // int e^{it} (1 + eps cos(t + phase)) dt / 2pi = (eps/2) e^{-i phase}
  REQUIRE(re == Approx(0.25 * std::cos(0.7)).margin(2.0 / n));
  REQUIRE(im == Approx(-0.25 * std::sin(0.7)).margin(2.0 / n));
}

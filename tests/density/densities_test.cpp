// The initial densities shared by the particle and continuum solvers (density/densities.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "density/densities.hpp"

using namespace attnflow;

namespace {

// int_{S^{d-1}} f by polar coordinates around e_1 for a function of <x, e_1> only:
// |S^{d-2}| int_0^pi f(cos t) sin^{d-2} t dt, midpoint rule with n nodes (error O(n^-2) on smooth
// integrands; 2e5 nodes: below 1e-9 relative for kappa <= 400).
template <class F>
double zonal_integral(int d, F f, int nodes = 200000) {
  const double lower_sphere = 2 * std::pow(std::numbers::pi, 0.5 * (d - 1)) / std::tgamma(0.5 * (d - 1));
  double sum = 0;
  for (int q = 0; q < nodes; ++q) {
    const double t = (q + 0.5) * std::numbers::pi / nodes;
    sum += f(std::cos(t)) * std::pow(std::sin(t), d - 2);
  }
  return lower_sphere * sum * std::numbers::pi / nodes;
}

}  // namespace

TEST_CASE("A von Mises-Fisher density integrates to 1 on S^{d-1} for any d and kappa",
          "[density]") {
  for (int d : {2, 3, 4, 7}) {
    for (double kappa : {0.0, 0.5, 2.0, 30.0, 400.0}) {
      std::vector<double> mean(d, 0.0);
      mean[0] = 1;
      const density::VonMisesFisherMixture mixture{{mean}, {kappa}, {1.0}};
      const double total = zonal_integral(d, [&](double c) {
        std::vector<double> x(d, 0.0);
        x[0] = c;
        x[1] = std::sqrt(std::max(0.0, 1 - c * c));
        return density::mixture_density(mixture, x);
      });
      INFO("d = " << d << ", kappa = " << kappa);
      REQUIRE(total == Approx(1.0).epsilon(1e-8));
    }
  }
}

TEST_CASE("The vMF density on S^2 is kappa e^{kappa <mu, x>} / (4 pi sinh kappa)", "[density]") {
  const density::VonMisesFisherMixture mixture{{{0.0, 0.6, 0.8}}, {3.0}, {1.0}};
  for (const std::vector<double>& x : std::vector<std::vector<double>>{
           {0, 0.6, 0.8}, {1, 0, 0}, {0, -0.6, -0.8}, {0.48, 0.6, 0.64}}) {
    const double dot = 0.6 * x[1] + 0.8 * x[2];
    REQUIRE(density::mixture_density(mixture, x) ==
            Approx(3.0 * std::exp(3.0 * dot) / (4 * std::numbers::pi * std::sinh(3.0))).epsilon(1e-13));
  }
  // A mixture is the weighted sum of its components.
  const density::VonMisesFisherMixture two{{{0, 0, 1}, {1, 0, 0}}, {2.0, 5.0}, {0.25, 0.75}};
  const std::vector<double> x = {0.6, 0, 0.8};
  const double expected = 0.25 * 2 * std::exp(2 * 0.8) / (4 * std::numbers::pi * std::sinh(2.0)) +
                          0.75 * 5 * std::exp(5 * 0.6) / (4 * std::numbers::pi * std::sinh(5.0));
  REQUIRE(density::mixture_density(two, x) == Approx(expected).epsilon(1e-13));
}

TEST_CASE("The circle density's quantile inverts its distribution function", "[density]") {
  const density::CircleDensity circle{0.7, 3, 0.4};
  for (double u : {0.0, 1e-9, 0.1, 0.5, 0.77, 1 - 1e-9}) {
    const double t = density::circle_density_quantile(circle, u);
    const double cdf = (t + 0.7 / 3 * (std::sin(3 * t + 0.4) - std::sin(0.4))) / (2 * std::numbers::pi);
    REQUIRE(cdf == Approx(u).margin(1e-14));
  }
  // Density values: (1 + eps cos(k t + phase)) / (2 pi).
  REQUIRE(density::circle_density(circle, 0.3) ==
          Approx((1 + 0.7 * std::cos(0.9 + 0.4)) / (2 * std::numbers::pi)).epsilon(1e-15));
}

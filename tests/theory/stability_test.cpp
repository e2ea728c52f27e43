// Growth rates of the uniform state (docs/mathematics.md section 4) against the circle's closed forms, a
// Funk-Hecke quadrature of the kernel's eigenvalues, and the large-beta law l*(l*+d-2) ~ 2 beta.
#include <catch2/catch.hpp>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_gegenbauer.h>

#include <cmath>
#include <numbers>

#include "errors/errors.hpp"
#include "theory/bessel.hpp"
#include "theory/stability.hpp"

using namespace attnflow;
using model::Attention;

namespace {

// Funk-Hecke eigenvalue of the kernel e^{beta <x,y>} on degree-l harmonics of S^{d-1}, by
// quadrature: lambda_l = |S^{d-2}| int_0^pi e^{beta cos th} C_l^{(d-2)/2}(cos th) / C_l(1)
// sin^{d-2} th dth (for d = 3 the Gegenbauer polynomial is Legendre's P_l, for d = 4 it is
// Chebyshev's U_l). In theta the integrand is analytic: composite 100-point Gauss-Legendre on 16
// panels converges to rounding (GSL's tabulated 100-point rule; its computed rules of high order
// have node errors near 1e-10). Rounding leaves an absolute error ~1e-16 e^beta per panel, which
// the oscillating integrand's cancellation down to lambda_l turns into a relative one. (GSL's fixed Gauss-Legendre rules beyond their tabulated orders have node
// errors near 1e-10, too coarse for this check.)
double funk_hecke_eigenvalue(int d, int l, double beta) {
  const double lambda = 0.5 * (d - 2);
  const double area = 2 * std::pow(std::numbers::pi, 0.5 * (d - 1)) / std::tgamma(0.5 * (d - 1));
  const double at_one = gsl_sf_gegenpoly_n(l, lambda, 1.0);
  struct Parameters {
    int l;
    double lambda, beta;
    int d;
  } parameters{l, lambda, beta, d};
  gsl_function integrand;
  integrand.params = &parameters;
  integrand.function = [](double theta, void* raw) {
    const auto* p = static_cast<const Parameters*>(raw);
    const double t = std::cos(theta);
    return std::exp(p->beta * t) * gsl_sf_gegenpoly_n(p->l, p->lambda, t) *
           std::pow(std::sin(theta), p->d - 2);
  };
  gsl_integration_glfixed_table* table = gsl_integration_glfixed_table_alloc(100);
  double value = 0;
  constexpr int panels = 16;
  for (int panel = 0; panel < panels; ++panel)
    value += gsl_integration_glfixed(&integrand, std::numbers::pi * panel / panels,
                                     std::numbers::pi * (panel + 1) / panels, table);
  gsl_integration_glfixed_table_free(table);
  return area * value / at_one;
}

}  // namespace

TEST_CASE("Circle rates: USA k^2 I_k / beta, SA k^2 I_k / (beta I_0) (docs/mathematics.md section 4)", "[theory]") {
  // Independent reference: GSL's unscaled integer-order I_n at moderate beta. Tolerance 1e-11:
  // both sides are a few ulps of products of Bessel values.
  for (double beta : {0.25, 1.0, 6.0, 40.0, 300.0})
    for (int k = 1; k <= 12; ++k) {
      const double ik = gsl_sf_bessel_In(k, beta), i0 = gsl_sf_bessel_In(0, beta);
      CHECK(theory::growth_rate(Attention::unnormalised, 2, k, beta) ==
            Approx(k * k * ik / beta).epsilon(1e-11));
      CHECK(theory::growth_rate(Attention::softmax, 2, k, beta) ==
            Approx(k * k * ik / (beta * i0)).epsilon(1e-11));
      CHECK(theory::growth_rate_rescaled(Attention::unnormalised, 2, k, beta) ==
            Approx(k * k * ik * std::exp(-beta) / beta).epsilon(1e-11));
    }
}

TEST_CASE("Funk-Hecke: the rates' constants match quadrature of the kernel on S^2 and S^3",
          "[theory]") {
  // First the eigenvalue itself: lambda_l = (2 pi)^{d/2} beta^{1-d/2} I_{l+d/2-1}(beta).
  // Then the rates from it, by their definitions: the linearised USA velocity of a degree-l
  // perturbation of the uniform probability density is beta^{-1} grad (lambda_l / |S^{d-1}|) Y_l,
  // so gamma_USA = l(l+d-2) lambda_l / (beta |S^{d-1}|); SA divides by Z = lambda_0/|S^{d-1}|.
  // The quadrature's absolute error is below 1e-13 |S^{d-2}| e^beta, so the relative tolerance
  // is 1e-10 plus that over lambda_l; a wrong constant in the formulas would be off by O(1).
  for (int d : {3, 4, 5}) {
    const double sphere_area = 2 * std::pow(std::numbers::pi, 0.5 * d) / std::tgamma(0.5 * d);
    for (double beta : {0.5, 2.0, 9.0, 30.0}) {
      const double lambda0 = funk_hecke_eigenvalue(d, 0, beta);
      for (int l = 0; l <= 6; ++l) {
        const double lambda = funk_hecke_eigenvalue(d, l, beta);
        const double tolerance = 1e-10 + 1e-13 * 2 * std::pow(std::numbers::pi, 0.5 * d) *
                                             std::exp(beta) / std::abs(lambda);
        const double closed_form = std::pow(2 * std::numbers::pi, 0.5 * d) *
                                   std::pow(beta, 1 - 0.5 * d) *
                                   std::exp(theory::log_bessel_i(l + 0.5 * d - 1, beta));
        CHECK(lambda == Approx(closed_form).epsilon(tolerance));
        if (l == 0) continue;
        const double eigenvalue = l * (l + d - 2.0);
        CHECK(theory::growth_rate(Attention::unnormalised, d, l, beta) ==
              Approx(eigenvalue * lambda / (beta * sphere_area)).epsilon(tolerance));
        CHECK(theory::growth_rate(Attention::softmax, d, l, beta) ==
              Approx(eigenvalue * lambda / (beta * lambda0)).epsilon(2 * tolerance));
      }
    }
  }
}

TEST_CASE("beta -> 0: both models tend to (d-1)/d for l = 1 and to 0 for l >= 2", "[theory]") {
  // Limit of I_nu(beta) ~ (beta/2)^nu / Gamma(nu+1); at beta = 1e-6 the next term is O(beta^2).
  for (int d : {2, 3, 4, 7})
    for (auto attention : {Attention::softmax, Attention::unnormalised}) {
      CHECK(theory::growth_rate(attention, d, 1, 0.0) == Approx((d - 1.0) / d).epsilon(1e-15));
      CHECK(theory::growth_rate(attention, d, 1, 1e-6) == Approx((d - 1.0) / d).epsilon(1e-9));
      CHECK(theory::growth_rate(attention, d, 2, 0.0) == 0.0);
      CHECK(theory::growth_rate(attention, d, 0, 3.0) == 0.0);  // mass is conserved
      CHECK(theory::winning_degree(attention, d, 0.0) == 1);
    }
}

TEST_CASE("No overflow up to beta = 1e4; l*(l*+d-2) / (2 beta) -> 1", "[theory]") {
  for (int d : {2, 3, 4}) {
    const double beta = 1e4;
    const int winner = theory::winning_degree(Attention::softmax, d, beta);
    // l* ~ sqrt(2 beta) = 141: the asymptotic law holds to O(beta^{-1/2}) relative, i.e. a few
    // percent here; the brief's criterion is 10%.
    CHECK(winner * (winner + d - 2.0) / (2 * beta) == Approx(1.0).epsilon(0.10));
    CHECK(theory::winning_degree(Attention::unnormalised, d, beta) == winner);
    // SA rates rise strictly up to l* and fall after it (unimodal in l), all finite; the USA
    // rates are finite only in log form and in rescaled time.
    double previous = 0;
    for (int l = 1; l <= 3 * winner; ++l) {
      const double rate = theory::growth_rate(Attention::softmax, d, l, beta);
      REQUIRE(std::isfinite(rate));
      REQUIRE(rate > 0);
      if (l <= winner) CHECK(rate > previous);
      else CHECK(rate < previous);
      previous = rate;
      CHECK(std::isfinite(theory::log_growth_rate(Attention::unnormalised, d, l, beta)));
      const double rescaled = theory::growth_rate_rescaled(Attention::unnormalised, d, l, beta);
      CHECK(std::isfinite(rescaled));
      CHECK(rescaled > 0);
    }
    CHECK(std::isinf(theory::growth_rate(Attention::unnormalised, d, winner, beta)));
    // USA and SA differ by the l-independent factor 2^{d/2-1} Gamma(d/2) beta^{1-d/2} I_{d/2-1}:
    // checked in logs, where both are finite.
    const double factor = (0.5 * d - 1) * std::numbers::ln2 + std::lgamma(0.5 * d) +
                          (1 - 0.5 * d) * std::log(beta) + theory::log_bessel_i(0.5 * d - 1, beta);
    CHECK(theory::log_growth_rate(Attention::unnormalised, d, winner, beta) ==
          Approx(std::log(theory::growth_rate(Attention::softmax, d, winner, beta)) +
                 factor)
              .epsilon(1e-12));
  }
}

TEST_CASE("Winning degree is the argmax of the rates; clustering time ln N / (2 gamma_max)",
          "[theory]") {
  for (int d : {2, 3, 4})
    for (double beta : {0.3, 3.0, 50.0, 900.0}) {
      const int winner = theory::winning_degree(Attention::softmax, d, beta);
      const double best = theory::growth_rate(Attention::softmax, d, winner, beta);
      for (int l = 1; l <= 4 * winner + 20; ++l)
        CHECK(theory::growth_rate(Attention::softmax, d, l, beta) <= best);
      const long long tokens = 100000;
      for (auto attention : {Attention::softmax, Attention::unnormalised}) {
        const double rescaled_rate = theory::growth_rate_rescaled(attention, d, winner, beta);
        CHECK(theory::clustering_time_rescaled(attention, d, beta, tokens) ==
              Approx(std::log(double(tokens)) / (2 * rescaled_rate)).epsilon(1e-12));
      }
      // Physical USA time: t = t' e^{-beta} (checked where e^{-beta} is a normal double).
      if (beta < 700)
        CHECK(theory::clustering_time(Attention::unnormalised, d, beta, tokens) ==
            Approx(theory::clustering_time_rescaled(Attention::unnormalised, d, beta, tokens) *
                   std::exp(-beta))
                .epsilon(1e-12));
    }
}

TEST_CASE("Stability functions reject invalid input with InputError", "[theory]") {
  using errors::InputError;
  CHECK_THROWS_AS(theory::growth_rate(Attention::softmax, 1, 1, 1.0), InputError);
  CHECK_THROWS_AS(theory::growth_rate(Attention::softmax, 3, -1, 1.0), InputError);
  CHECK_THROWS_AS(theory::growth_rate(Attention::softmax, 3, 1, -1.0), InputError);
  CHECK_THROWS_AS(theory::clustering_time(Attention::softmax, 3, 1.0, 0), InputError);
}

// Limit-law references of docs/mathematics.md section 11, each against a closed form or an
// independent quadrature: the gap law of a uniform key, the Laplace exponent and the Mecke
// moments of the Poisson limit, E W_max for d = 3, and the subcritical A_k, v_tan, v_rad, b.
#include <catch2/catch.hpp>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_expint.h>
#include <gsl/gsl_sf_gamma.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "longcontext/limit_laws.hpp"

using namespace attnflow::longcontext;

namespace {

// Independent of limit_laws.cpp: GSL's QAGS with its own tolerance, on a finite interval.
double quadrature(const std::function<double(double)>& f, double a, double b) {
  gsl_set_error_handler_off();
  gsl_integration_workspace* workspace = gsl_integration_workspace_alloc(1000);
  gsl_function function;
  function.function = [](double x, void* data) {
    return (*static_cast<const std::function<double(double)>*>(data))(x);
  };
  function.params = const_cast<std::function<double(double)>*>(&f);
  double result = 0, error = 0;
  gsl_integration_qags(&function, a, b, 0.0, 1e-12, 1000, workspace, &result, &error);
  gsl_integration_workspace_free(workspace);
  return result;
}

// E_k[f(t)] for t = <q, k> = cos(angle), k uniform on S^{k-1}: weight sin^{k-2}(angle), times
// e^{-shift} inside so that e^{beta t} does not overflow (ratios cancel the shift).
double sphere_average(int k, const std::function<double(double)>& f) {
  auto weighted = [&](double angle) { return f(std::cos(angle)) * std::pow(std::sin(angle), k - 2); };
  auto one = [&](double angle) { return std::pow(std::sin(angle), k - 2); };
  return quadrature(weighted, 0, std::numbers::pi) / quadrature(one, 0, std::numbers::pi);
}

}  // namespace

TEST_CASE("Gap law of a uniform key: closed forms for k = 2, 3 and F(u) ~ kappa_k u^p",
          "[longcontext][limit]") {
  // k = 2: s = 1 - cos(angle), angle uniform on [0, pi]; k = 3: Archimedes, s uniform on [0, 2].
  for (double u : {1e-12, 1e-6, 0.1, 0.7, 1.0, 1.4, 1.9}) {
    CHECK(gap_distribution(2, u) ==
          Approx(2 / std::numbers::pi * std::asin(std::sqrt(u / 2))).epsilon(1e-13));
    CHECK(gap_distribution(3, u) == Approx(u / 2).epsilon(1e-13));
  }
  for (int k = 2; k <= 7; ++k) {
    const double p = gap_power(k);
    // The Beta(p, p) density of s/2 near 0: P(s <= u) ~ (u/2)^p / (p B(p, p)).
    CHECK(gap_constant(k) == Approx(std::pow(2.0, -p) / (p * std::beta(p, p))).epsilon(1e-13));
    // F(u) = kappa u^p (1 + O(u)): at u = 1e-12 the correction is ~1e-12.
    CHECK(gap_distribution(k, 1e-12) / (gap_constant(k) * std::pow(1e-12, p)) ==
          Approx(1.0).epsilon(1e-10));
  }
  CHECK(gap_constant(3) == Approx(0.5).epsilon(1e-15));  // kappa_3 = 1/2 (docs/mathematics.md section 11)
  // Below u = 0.1 F is summed as a power series: against GSL's continued fraction.
  for (int k = 4; k <= 7; ++k)
    for (double u : {1e-10, 1e-3, 0.05, 0.0999, 0.1001})
      CHECK(gap_distribution(k, u) ==
            Approx(gsl_sf_beta_inc(gap_power(k), gap_power(k), u / 2)).epsilon(1e-13));
}

TEST_CASE("gap_quantile inverts gap_distribution from u = 1e-15 to u = 2", "[longcontext][limit]") {
  for (int k = 2; k <= 7; ++k)
    for (double u : {1e-15, 1e-9, 1e-4, 0.1, 0.5, 1.0, 1.5, 1.99}) {
      const double back = gap_quantile(k, gap_distribution(k, u));
      // Below u = 1 F keeps its digits: a few ulps relative. Above, F(u) = 1 - F(2 - u) and the
      // double near 1 holds 1 - F to ~1e-16 absolute, i.e. 2 - u to ~1e-16 / f(u) (f >= 1e-5).
      if (u <= 1) CHECK(back == Approx(u).epsilon(1e-12));
      else CHECK(std::abs(back - u) <= 1e-10);
    }
  CHECK(gap_quantile(4, 0.0) == 0.0);
  CHECK(gap_quantile(4, 1.0) == 2.0);
}

TEST_CASE("Laplace exponent: Psi_1 = Ein (gamma + ln x + E_1) and Psi_p equals its power series",
          "[longcontext][limit]") {
  // Ein by its defining integral int_0^x (1 - e^{-t}) / t dt, independently of both forms.
  for (double x : {1e-6, 0.01, 0.5, 0.999, 1.001, 3.0, 30.0}) {
    const double defined = quadrature([](double t) { return t == 0 ? 1.0 : -std::expm1(-t) / t; }, 0, x);
    CHECK(entire_exponential_integral(x) == Approx(defined).epsilon(1e-12));
    // laplace_exponent interpolates a table between ln s = -2 and 60: within 1e-9 (measured
    // worst 8.5e-10 against an adaptive quadrature at 1e-13).
    CHECK(laplace_exponent(1.0, std::log(x)) == Approx(defined).epsilon(2e-9));
  }
  // Psi_p(s) = sum_{m>=1} (-1)^{m-1} Gamma(p+1) s^m / ((m-1)! m^{p+1}): for s <= 3 the terms
  // fall below 1e-20 by m = 40 and the cancellation costs at most e^s ulps.
  for (double p : {0.5, 1.5, 2.5})
    for (double s : {1e-3, 0.1, 1.0, 3.0}) {
      double series = 0, power = 1;
      for (int m = 1; m < 60; ++m) {
        power *= s / (m == 1 ? 1 : m - 1);  // s^m / (m-1)!
        series += (m % 2 ? 1 : -1) * std::tgamma(p + 1) * power / std::pow(m, p + 1);
      }
      CHECK(laplace_exponent(p, std::log(s)) == Approx(series).epsilon(2e-9));
    }
  // Large s: E[(l + Y)^p] = sum_j binom(p, j) l^{p-j} E[Y^j] (P(l + Y < 0) = exp(-e^l) is nil),
  // with the Gumbel moments from its cumulants gamma_E, (n-1)! zeta(n). Cut after j = 4, the
  // error is ~ |binom(p, 5)| E[Y^5] / l^5 < 2 / l^5: 2e-8 at l = 40. Both sides of ln s = 60,
  // where the table hands over to the integral.
  const double g = std::numbers::egamma, k2 = std::numbers::pi * std::numbers::pi / 6,
               k3 = 2 * 1.2020569031595943, k4 = 6 * 1.0823232337111382;
  const double moments[] = {1, g, k2 + g * g, k3 + 3 * k2 * g + g * g * g,
                            k4 + 4 * k3 * g + 3 * k2 * k2 + 6 * k2 * g * g + g * g * g * g};
  for (double p : {0.5, 1.5})
    for (double l : {40.0, 59.9, 60.1, 100.0}) {
      double expansion = 0, binomial = 1;
      for (int j = 0; j <= 4; ++j) {
        expansion += binomial * std::pow(l, p - j) * moments[j];
        binomial *= (p - j) / (j + 1);
      }
      CHECK(laplace_exponent(p, l) == Approx(expansion).epsilon(1e-7));
    }
}

TEST_CASE("Poisson limit: E W_max for d = 3 is 0.729 at c = 1 and the general quadrature agrees",
          "[longcontext][limit]") {
  // docs/mathematics.md section 11 quotes 0.729 (three digits) for c = 1, lambda = kappa_3 / c = 1/2.
  CHECK(std::abs(poisson_largest_weight_p1(0.5) - 0.729) < 5e-4);
  // The three-level quadrature for any p, at p = 1, against the one-dimensional formula; both
  // integrate to ~1e-9 relative.
  for (double lambda : {0.05, 0.5, 5.0})
    CHECK(poisson_largest_weight(1.0, lambda) ==
          Approx(poisson_largest_weight_p1(lambda)).epsilon(1e-7));
  // Single key (lambda -> 0): E W_max -> 1; at lambda = 0.05 the second key is within O(1) of
  // the first with probability ~ lambda, so 1 - E W_max is below lambda.
  CHECK(poisson_largest_weight_p1(0.05) > 0.95);
}

TEST_CASE("Poisson limit: the Mecke formula gives E sum W_j = 1 and the mean-field limits",
          "[longcontext][limit]") {
  for (double p : {0.5, 1.5})
    for (double lambda : {0.01, 1.0, 100.0})
      CHECK(std::abs(poisson_weight_sum(p, lambda) - 1.0) < 1e-7);  // quadrature ~1e-8
  // Many points (lambda -> inf): W_j -> e^{-V_j} / E Z with E Z = lambda Gamma(p+1), so
  // E sum W^2 -> 2^{-p} / (lambda Gamma(p+1)) and E sum W V -> p, with relative corrections of
  // order Var Z / (E Z)^2 = 2^{-p} / (lambda Gamma(p+1)) < 1 / lambda: tolerance 10 / lambda.
  const double lambda = 1000;
  for (double p : {0.5, 1.0}) {
    CHECK(poisson_squared_weights(p, lambda) * lambda * std::tgamma(p + 1) * std::pow(2.0, p) ==
          Approx(1.0).epsilon(10 / lambda));
    CHECK(poisson_scaled_deficit(p, lambda) == Approx(p).epsilon(10 / lambda));
  }
}

TEST_CASE("Subcritical references: A_k, v_tan, v_rad and b against quadratures over t",
          "[longcontext][limit]") {
  // Closed forms: A_3 = coth(beta) - 1/beta (Langevin), A_2 = I_1 / I_0.
  for (double beta : {0.3, 2.0, 40.0}) {
    CHECK(subcritical_alignment(3, beta) == Approx(1 / std::tanh(beta) - 1 / beta).epsilon(1e-12));
    CHECK(subcritical_alignment(2, beta) ==
          Approx(gsl_sf_bessel_I1_scaled(beta) / gsl_sf_bessel_I0_scaled(beta)).epsilon(1e-12));
  }
  // beta = 0: the key's own moments, Var t = E[1 - t^2] / (k - 1) = 1/k.
  for (int k : {2, 3, 5}) {
    CHECK(tangential_variance(k, 0.0) == Approx(1.0 / k).epsilon(1e-14));
    CHECK(radial_variance(k, 0.0) == Approx(1.0 / k).epsilon(1e-14));
  }
  // The definitions, integrated over t with weight sin^{k-2}: e^{beta (t - 1)} avoids overflow.
  for (int k : {2, 3, 4, 5})
    for (double beta : {0.5, 3.0, 30.0, 300.0}) {
      auto average = [&](double factor, int power) {
        return sphere_average(
            k, [&](double t) { return std::pow(t, power) * std::exp(factor * beta * (t - 1)); });
      };
      const double m1 = average(1, 0), a = average(1, 1) / m1;
      const double m2 = average(2, 0), t2 = average(2, 1), tt2 = average(2, 2);
      const double v_tan = (m2 - tt2) / ((k - 1) * m1 * m1);
      const double v_rad = (tt2 - 2 * a * t2 + a * a * m2) / (m1 * m1);
      const double bias = (a * m2 - t2) / (m1 * m1);
      CHECK(subcritical_alignment(k, beta) == Approx(a).epsilon(1e-9));
      CHECK(tangential_variance(k, beta) == Approx(v_tan).epsilon(1e-8));
      // v_rad cancels O(1) terms down to O(1/beta^2): ~beta^3 ulps (3e-9 at beta = 300).
      CHECK(radial_variance(k, beta) == Approx(v_rad).epsilon(1e-7));
      CHECK(alignment_bias(k, beta) == Approx(bias).epsilon(1e-7));
    }
}

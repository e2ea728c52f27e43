// Key laws of the long-context study: uniform keys are uniform, sub-sphere keys live on their
// great sub-sphere with gap power (k-1)/2, von Mises-Fisher mixture keys have the mixture's mean,
// and the closed forms of a law (n = inf output, log-density gradient, gap intensity) equal
// independent quadratures and finite differences of density::mixture_density.
#include <catch2/catch.hpp>
#include <gsl/gsl_integration.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "errors/errors.hpp"
#include "density/densities.hpp"
#include "longcontext/key_law.hpp"
#include "longcontext/limit_laws.hpp"

using namespace attnflow;
using namespace attnflow::longcontext;

namespace {

// Kolmogorov-Smirnov: sqrt(N) D exceeds 1.95 with probability 0.001 under the hypothesis.
constexpr double ks_critical = 1.95;

template <class Distribution>
double ks_statistic(std::vector<double> sample, const Distribution& cdf) {
  std::sort(sample.begin(), sample.end());
  const double n = static_cast<double>(sample.size());
  double statistic = 0;
  for (std::size_t j = 0; j < sample.size(); ++j) {
    const double f = cdf(sample[j]);
    statistic = std::max({statistic, std::abs(f - j / n), std::abs(f - (j + 1) / n)});
  }
  return std::sqrt(n) * statistic;
}

KeyLaw mixture_law(int d, std::vector<std::vector<double>> means, std::vector<double> kappas,
                   std::vector<double> weights) {
  KeyLaw law = uniform_law(d);
  law.kind = KeyLawKind::von_mises_fisher;
  for (auto& mean : means) {
    double norm = 0;
    for (double v : mean) norm += v * v;
    for (double& v : mean) v /= std::sqrt(norm);
  }
  law.mixture.means = means;
  law.mixture.concentrations = kappas;
  double total = 0;
  for (double w : weights) total += w;
  for (double& w : weights) w /= total;
  law.mixture.weights = weights;
  return law;
}

double gap_of(const std::vector<double>& key) { return 1.0 - key[0]; }

}  // namespace

TEST_CASE("Uniform and sub-sphere keys: gap law I_{s/2}((k-1)/2, (k-1)/2), support on the sub-sphere",
          "[longcontext][keys]") {
  const std::int64_t n = 20000;
  for (auto [d, k] : {std::pair{3, 3}, std::pair{4, 4}, std::pair{4, 2}, std::pair{5, 3}}) {
    KeyLaw law = uniform_law(d);
    if (k < d) {
      law.kind = KeyLawKind::subsphere;
      law.subsphere_dimension = k;
    }
    std::vector<double> key(d), gaps(n);
    for (std::int64_t j = 0; j < n; ++j) {
      draw_key(law, 5, j, 2, key);
      gaps[j] = gap_of(key);
      double norm = 0;
      for (double v : key) norm += v * v;
      CHECK(std::abs(norm - 1) < 1e-15);
      for (int i = k; i < d; ++i) CHECK(key[i] == 0.0);
    }
    CHECK(ks_statistic(gaps, [&](double u) { return gap_distribution(k, u); }) < ks_critical);
    CHECK(gap_power(law) == 0.5 * (k - 1));
    CHECK(critical_exponent(law) == Approx(2.0 / (k - 1)).epsilon(1e-15));
  }
}

TEST_CASE("von Mises-Fisher mixture keys have the mean sum_c w_c A_d(kappa_c) mu_c",
          "[longcontext][keys]") {
  // The mean of a vMF(mu, kappa) key is A_d(kappa) mu. Each component of the sample mean is
  // checked within 4.5 standard errors (sample std / sqrt(N)); over 7 components the chance of
  // a false alarm is below 1e-4.
  const std::int64_t n = 20000;
  for (const auto& law : {mixture_law(3, {{0, 0, 1}, {1, 1, 0}}, {4.0, 1.5}, {1, 2}),
                          mixture_law(4, {{1, 0, 0, 0}, {0, -1, 0, 1}}, {8.0, 0.0}, {3, 1})}) {
    const int d = law.dimension;
    std::vector<double> key(d), sum(d, 0.0), squares(d, 0.0), expected(d, 0.0);
    for (std::int64_t j = 0; j < n; ++j) {
      draw_key(law, 9, j, 4, key);
      for (int i = 0; i < d; ++i) {
        sum[i] += key[i];
        squares[i] += key[i] * key[i];
      }
    }
    for (std::size_t c = 0; c < law.mixture.means.size(); ++c)
      for (int i = 0; i < d; ++i)
        expected[i] += law.mixture.weights[c] *
                       subcritical_alignment(d, law.mixture.concentrations[c]) *
                       law.mixture.means[c][i];
    for (int i = 0; i < d; ++i) {
      const double mean = sum[i] / n;
      const double error = std::sqrt((squares[i] / n - mean * mean) / n);
      CHECK(std::abs(mean - expected[i]) < 4.5 * error);
    }
  }
}

TEST_CASE("limit_output equals quadratures of the mixture density over S^1 and S^2",
          "[longcontext][keys]") {
  // O_inf = int x p(x) e^{beta <q,x>} dx / int p(x) e^{beta <q,x>} dx with p from
  // density::mixture_density. S^1: trapezoid rule in the angle (periodic analytic integrand,
  // error ~ e^{-N}); S^2: 64-point Gauss-Legendre in t = <q,x> times the trapezoid in the angle
  // around q (error far below 1e-10 for kappa, beta <= 20).
  const auto circle = mixture_law(2, {{0, 1}, {-1, 1}}, {3.0, 5.0}, {1, 1});
  const auto sphere = mixture_law(3, {{0, 1, 0}, {1, 0, 1}}, {2.0, 6.0}, {2, 1});
  for (double beta : {0.0, 1.0, 7.0, 20.0}) {
    {
      const int points = 2000;
      double total = 0, first = 0, second = 0;
      for (int i = 0; i < points; ++i) {
        const double angle = 2 * std::numbers::pi * i / points;
        const std::vector<double> x = {std::cos(angle), std::sin(angle)};
        const double w = density::mixture_density(circle.mixture, x) * std::exp(beta * (x[0] - 1));
        total += w;
        first += w * x[0];
        second += w * x[1];
      }
      const auto output = limit_output(circle, beta);
      CHECK(output[0] == Approx(first / total).margin(1e-10));
      CHECK(output[1] == Approx(second / total).margin(1e-10));
    }
    {
      gsl_integration_glfixed_table* table = gsl_integration_glfixed_table_alloc(64);
      const int around = 256;
      double total = 0;
      std::vector<double> moment(3, 0.0);
      for (std::size_t i = 0; i < 64; ++i) {
        double t = 0, weight = 0;
        gsl_integration_glfixed_point(-1, 1, i, &t, &weight, table);
        const double r = std::sqrt(1 - t * t);
        for (int j = 0; j < around; ++j) {
          const double angle = 2 * std::numbers::pi * j / around;
          const std::vector<double> x = {t, r * std::cos(angle), r * std::sin(angle)};
          const double w = weight * density::mixture_density(sphere.mixture, x) *
                           std::exp(beta * (t - 1));
          total += w;
          for (int c = 0; c < 3; ++c) moment[c] += w * x[c];
        }
      }
      gsl_integration_glfixed_table_free(table);
      const auto output = limit_output(sphere, beta);
      for (int c = 0; c < 3; ++c) CHECK(output[c] == Approx(moment[c] / total).margin(1e-10));
    }
  }
}

TEST_CASE("log_density_gradient equals finite differences of ln p along great circles",
          "[longcontext][keys]") {
  // Central differences with h = 1e-5: truncation error h^2 |(ln p)'''| / 6 < 1e-9 for
  // kappa <= 6, rounding 1e-16 / h ~ 1e-11.
  const auto law = mixture_law(3, {{0, 1, 0}, {1, 0, 1}, {-1, 1, 1}}, {2.0, 6.0, 1.0}, {2, 1, 1});
  const auto gradient = log_density_gradient(law);
  CHECK(gradient[0] == 0.0);
  const double h = 1e-5;
  for (int direction = 1; direction < 3; ++direction) {
    auto log_density = [&](double angle) {
      std::vector<double> x = {std::cos(angle), 0, 0};
      x[direction] = std::sin(angle);
      return std::log(density::mixture_density(law.mixture, x));
    };
    CHECK(gradient[direction] ==
          Approx((log_density(h) - log_density(-h)) / (2 * h)).margin(1e-8));
  }
}

TEST_CASE("Gap intensity of a mixture is kappa_d p(q) |S^{d-1}|: closed form for vMF(q) on S^2",
          "[longcontext][keys]") {
  // vMF(q, kappa) on S^2: p(q) = kappa e^kappa / (4 pi sinh kappa), kappa_3 = 1/2, so the
  // intensity is kappa e^kappa / (2 sinh kappa) = kappa / (1 - e^{-2 kappa}).
  for (double kappa : {0.5, 3.0, 40.0}) {
    const auto law = mixture_law(3, {{1, 0, 0}}, {kappa}, {1});
    CHECK(gap_intensity(law) ==
          Approx(kappa / (-std::expm1(-2 * kappa))).epsilon(1e-12));
  }
  CHECK(gap_intensity(uniform_law(4)) == Approx(gap_constant(4)).epsilon(1e-15));
}

TEST_CASE("Invalid key laws are rejected with InputError", "[longcontext][keys]") {
  using errors::InputError;
  CHECK_THROWS_AS(validate(uniform_law(1)), InputError);
  KeyLaw law = uniform_law(3);
  law.kind = KeyLawKind::subsphere;
  law.subsphere_dimension = 4;
  CHECK_THROWS_AS(validate(law), InputError);
  law.subsphere_dimension = 1;
  CHECK_THROWS_AS(validate(law), InputError);
  auto mixture = mixture_law(3, {{0, 0, 1}}, {1.0}, {1});
  mixture.mixture.means[0].pop_back();
  CHECK_THROWS_AS(validate(mixture), InputError);
}

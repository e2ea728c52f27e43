#include "longcontext/limit_laws.hpp"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_expint.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_spline.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <utility>
#include <vector>

#include "theory/bessel.hpp"

namespace attnflow::longcontext {

namespace {

// GSL aborts the program on a failed special function or quadrature by default; these
// references read the status themselves (as theory/bessel.cpp does).
void disable_gsl_abort() {
  static std::once_flag once;
  std::call_once(once, [] { gsl_set_error_handler_off(); });
}

// Adaptive Gauss-Kronrod (GSL QAGS, which also extrapolates endpoint singularities such as z^p
// at 0) of f over [a, b]. Nested calls each own their workspace.
template <class Function>
double integrate(const Function& f, double a, double b, double relative_tolerance) {
  if (!(b > a)) return 0.0;
  disable_gsl_abort();
  constexpr std::size_t intervals = 400;
  std::unique_ptr<gsl_integration_workspace, decltype(&gsl_integration_workspace_free)> workspace(
      gsl_integration_workspace_alloc(intervals), &gsl_integration_workspace_free);
  gsl_function function;
  function.function = [](double x, void* data) { return (*static_cast<const Function*>(data))(x); };
  function.params = const_cast<Function*>(&f);
  double result = 0, error = 0;
  // The absolute tolerance only stops the refinement of integrals that are zero to rounding.
  gsl_integration_qags(&function, a, b, 1e-300, relative_tolerance, intervals, workspace.get(),
                       &result, &error);
  return result;
}

// Standard Gumbel density e^{-y - e^{-y}}.
double gumbel_density(double y) { return std::exp(-y - std::exp(-y)); }

// The integrals over z = ln s + Y >= 0 below only see the Gumbel density on [ln s - 8, ln s + 45]:
// beyond it the density is below e^{-2900} (left) or e^{-45} with a tail below 1e-17 relative.
constexpr double gumbel_left = 8.0, gumbel_right = 45.0;

// Integrals over e^{-x} dx on [0, inf) are cut at x = 60 (e^{-60} ~ 1e-26 of the total).
constexpr double exponential_cut = 60.0;

// (v + z)^p - v^p without cancellation when z << v.
double power_increment(double p, double v, double z) {
  if (v == 0) return std::pow(z, p);
  return std::pow(v, p) * std::expm1(p * std::log1p(z / v));
}

// int_0^inf h(z) g(z - l) dz for the standard Gumbel density g and h smooth on (0, inf) with
// h(z) ~ z^a at 0 (a a positive half-integer or integer). The inner integral of every Poisson
// reference, so it must be cheap: 20-point Gauss-Legendre on segments of the Gumbel window
// [l - 8, l + 45] cut where g changes scale; on a segment [a, b] with a < b - a, so close to 0
// that z^a would spoil the rule, z = y^2 (y^{2a+1} is a polynomial). About 1e-13 relative.
template <class Function>
double gumbel_average(const Function& h, double l) {
  static const auto rule = [] {
    std::unique_ptr<gsl_integration_glfixed_table, decltype(&gsl_integration_glfixed_table_free)>
        table(gsl_integration_glfixed_table_alloc(20), &gsl_integration_glfixed_table_free);
    std::vector<std::pair<double, double>> nodes(20);  // (x, weight) on [-1, 1]
    for (std::size_t i = 0; i < 20; ++i)
      gsl_integration_glfixed_point(-1, 1, i, &nodes[i].first, &nodes[i].second, table.get());
    return nodes;
  }();
  auto integrand = [&](double z) { return h(z) * gumbel_density(z - l); };
  const double cuts[] = {l - gumbel_left, l - 4, l - 2, l - 1, l, l + 1, l + 2.5, l + 5,
                         l + 9, l + 16, l + 27, l + gumbel_right};
  double total = 0, start = 0;
  for (double cut : cuts) {
    if (cut <= start) continue;
    if (start < cut - start) {  // z = y^2, dz = 2 y dy on [sqrt(start), sqrt(cut)]
      const double low = std::sqrt(start), half = 0.5 * (std::sqrt(cut) - low);
      for (const auto& [x, weight] : rule) {
        const double y = low + half * (x + 1);
        total += half * weight * 2 * y * integrand(y * y);
      }
    } else {
      const double middle = 0.5 * (start + cut), half = 0.5 * (cut - start);
      for (const auto& [x, weight] : rule) total += half * weight * integrand(middle + half * x);
    }
    start = cut;
  }
  return total;
}

// G_p(v, theta) = int_0^inf (1 - e^{-theta e^{-x}}) d((v + x)^p): the Laplace exponent of the
// points beyond the nearest one at v. By parts, int_0^inf ((v + z)^p - v^p) g(z - ln theta) dz.
double beyond_nearest_exponent(double p, double v, double log_theta) {
  if (log_theta < -700) return 0.0;
  return gumbel_average([&](double z) { return power_increment(p, v, z); }, log_theta);
}

// log M_k(b) = log E[e^{b t}] = log(Gamma(k/2) (b/2)^{1-k/2} I_{k/2-1}(b)).
double log_moment_generating(int k, double b) {
  if (b == 0) return 0.0;
  const double order = 0.5 * k - 1;
  return std::lgamma(0.5 * k) - order * std::log(0.5 * b) + theory::log_bessel_i(order, b);
}

// A_k(b) / b, which tends to 1/k as b -> 0 (A_k(b) = b/k - b^3/(k^2 (k+2)) + ...).
double alignment_over_beta(int k, double b) {
  if (b < 1e-5) return (1.0 - b * b / (k * (k + 2.0))) / k;
  return subcritical_alignment(k, b) / b;
}

// int_0^inf theta^{m-1} e^{-theta} e^{-lambda exponent(ln theta)} d theta / (m - 1)!, the
// expectation E (1 + x Z)^{-m} of the Mecke formulas (exponent = Psi_p(theta x) or G_p). With many
// points (lambda large) the mass sits at theta ~ 1 / Z, so the integral runs over x = ln theta,
// from where theta^m is below 1e-20 of the mean-field scale 1 / (1 + lambda)^m.
template <class Exponent>
double theta_average(double lambda, int power, const Exponent& exponent) {
  const double low = -(46.0 + std::log1p(lambda)) / power - std::log1p(lambda);
  const double high = std::log(exponential_cut);
  return integrate(
             [&](double x) {
               const double theta = std::exp(x);
               return std::exp(power * x - theta - lambda * exponent(x));
             },
             low, high, 1e-9) /
         std::tgamma(static_cast<double>(power));
}

}  // namespace

// --- Gap law -----------------------------------------------------------------------------------

double gap_power(int k) { return 0.5 * (k - 1); }

double gap_constant(int k) {
  const double p = gap_power(k);
  return std::exp(std::lgamma(0.5 * k) + p * std::log(2.0) - 0.5 * std::log(std::numbers::pi) -
                  std::lgamma(p) - std::log(k - 1.0));
}

double gap_distribution(int k, double u) {
  disable_gsl_abort();
  if (u <= 0) return 0.0;
  if (u >= 2) return 1.0;
  const double p = gap_power(k);
  const double x = 0.5 * u;
  if (x <= 0.05) {
    // int_0^x t^{p-1} (1-t)^{p-1} dt = x^p sum_j ((1-p)_j / j!) x^j / (p + j): the nearest keys'
    // gaps are tiny, where this needs a few terms (ratio <= x, 13 terms at x = 0.05) and is
    // several times cheaper than the continued fraction.
    double term = 1, sum = 0;
    for (int j = 0; j < 40; ++j) {
      sum += term / (p + j);
      term *= (j + 1 - p) / (j + 1) * x;
      if (std::abs(term) < 1e-17 * sum) break;
    }
    return std::exp(p * std::log(x) + std::lgamma(2 * p) - 2 * std::lgamma(p)) * sum;
  }
  // Symmetric Beta(p, p): evaluate the smaller tail directly so that tiny gaps keep their digits.
  if (u <= 1) return gsl_sf_beta_inc(p, p, x);
  return 1.0 - gsl_sf_beta_inc(p, p, 1.0 - 0.5 * u);
}

double gap_quantile(int k, double v) {
  if (v <= 0) return 0.0;
  if (v >= 1) return 2.0;
  if (k == 2) {  // F(u) = (2 / pi) arcsin(sqrt(u / 2))
    const double root = std::sin(0.5 * std::numbers::pi * v);
    return 2.0 * root * root;
  }
  if (k == 3) return 2.0 * v;  // Archimedes: t = <q, k> is uniform on [-1, 1]
  if (v > 0.5) return 2.0 - gap_quantile(k, 1.0 - v);
  // Newton on ln F(u) = ln v in ln u (F ~ kappa u^p is nearly a power there), kept inside a
  // shrinking bracket of (0, 1] = F^{-1}((0, 1/2]).
  const double p = gap_power(k);
  const double log_beta = std::lgamma(p) * 2 - std::lgamma(2 * p);
  const double log_v = std::log(v);
  double low = 0.0, high = 1.0;
  double u = std::min(1.0, std::pow(v / gap_constant(k), 1.0 / p));
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double distribution = gap_distribution(k, u);
    if (distribution > v) high = u;
    else low = u;
    // u f(u) / F(u) with the density f(u) = (u/2)^{p-1} (1 - u/2)^{p-1} / (2 B(p, p)).
    const double log_density = (p - 1) * (std::log(0.5 * u) + std::log1p(-0.5 * u)) -
                               std::log(2.0) - log_beta;
    const double slope = u * std::exp(log_density) / distribution;
    const double step = (std::log(distribution) - log_v) / slope;
    double next = u * std::exp(-step);
    if (!(next > low && next < high)) next = low > 0 ? std::sqrt(low * high) : 0.5 * high;
    if (std::abs(next - u) <= 4e-16 * u) return next;
    u = next;
  }
  return u;
}

// --- Poisson limit -----------------------------------------------------------------------------

namespace {

// ln Psi_p on [-2, 60] as a natural cubic spline through nodes 1/32 apart (built once per p, a
// few milliseconds): the Mecke integrals call Psi_p ~1e5 times. Its second to fourth derivatives
// are O(1), so the interpolation error is ~h^4 / 384 ~ 3e-9 at worst, ~1e-10 typically; the
// table runs one unit beyond each end so that the natural end conditions do not reach [-2, 60].
class LaplaceExponentTable {
 public:
  explicit LaplaceExponentTable(double p) : spline_(nullptr, &gsl_spline_free) {
    const int nodes = static_cast<int>((last - first) * 32) + 1;
    std::vector<double> x(nodes), y(nodes);
    for (int i = 0; i < nodes; ++i) {
      x[i] = first + i / 32.0;
      y[i] = std::log(gumbel_average([&](double z) { return std::pow(z, p); }, x[i]));
    }
    spline_.reset(gsl_spline_alloc(gsl_interp_cspline, nodes));
    gsl_spline_init(spline_.get(), x.data(), y.data(), nodes);
  }
  double operator()(double log_s) const {
    return std::exp(gsl_spline_eval(spline_.get(), log_s, nullptr));
  }
  static constexpr double first = -3.0, last = 61.0;

 private:
  std::unique_ptr<gsl_spline, decltype(&gsl_spline_free)> spline_;
};

const LaplaceExponentTable& laplace_exponent_table(double p) {
  static std::map<double, std::unique_ptr<LaplaceExponentTable>> tables;
  auto& table = tables[p];
  if (!table) table = std::make_unique<LaplaceExponentTable>(p);
  return *table;
}

}  // namespace

double laplace_exponent(double p, double log_s) {
  if (log_s <= -2) {
    // Psi_p(s) = Gamma(p+1) sum_{m>=1} (-1)^{m-1} s^m / ((m-1)! m^{p+1}), s <= e^{-2}: the terms
    // fall below 1e-17 of the first by m = 14.
    const double s = std::exp(log_s);
    double term = s, sum = 0;
    for (int m = 1; m <= 16; ++m) {
      sum += term / std::pow(m, p + 1);
      term *= -s / m;
    }
    return std::tgamma(p + 1) * sum;
  }
  if (log_s <= 60) return laplace_exponent_table(p)(log_s);
  return gumbel_average([&](double z) { return std::pow(z, p); }, log_s);
}

double entire_exponential_integral(double x) {
  disable_gsl_abort();
  if (x <= 0) return 0.0;
  if (x < 1) {  // alternating series sum_k (-1)^{k+1} x^k / (k k!), no cancellation for x < 1
    double term = x, sum = 0;
    for (int k = 1; k < 40; ++k) {
      sum += term / k;
      term *= -x / (k + 1);
    }
    return sum;
  }
  return std::numbers::egamma + std::log(x) + gsl_sf_expint_E1(x);
}

double poisson_largest_weight_p1(double lambda) {
  return integrate(
      [&](double theta) { return std::exp(-theta - lambda * entire_exponential_integral(theta)); },
      0.0, exponential_cut, 1e-12);
}

double poisson_largest_weight(double p, double lambda) {
  // The nearest point V_1 has P(V_1 > v) = e^{-lambda v^p}: w = lambda V_1^p is exponential.
  return integrate(
      [&](double w) {
        const double v = std::pow(w / lambda, 1.0 / p);
        return std::exp(-w) * theta_average(lambda, 1, [&](double log_theta) {
                 return beyond_nearest_exponent(p, v, log_theta);
               });
      },
      0.0, exponential_cut, 1e-8);
}

namespace {

// E sum_j f(V_j) W_j^m by the Mecke formula, with w = lambda v^p as the variable (it removes the
// v^{p-1} of the mean measure). A point at v carries weight at most e^{-(v - V_1)}, and
// P(V_1 > v) = e^{-lambda v^p}: beyond v = (60 / lambda)^{1/p} + 45 nothing is left to count.
template <class Function>
double mecke_sum(double p, double lambda, int power, const Function& f) {
  const double last = lambda * std::pow(std::pow(exponential_cut / lambda, 1.0 / p) + 45.0, p);
  return integrate(
      [&](double w) {
        const double v = std::pow(w / lambda, 1.0 / p);
        return f(v) * theta_average(lambda, power, [&](double log_theta) {
                 return laplace_exponent(p, log_theta + v);
               });
      },
      0.0, last, 1e-8);
}

}  // namespace

double poisson_weight_sum(double p, double lambda) {
  return mecke_sum(p, lambda, 1, [](double) { return 1.0; });
}

double poisson_squared_weights(double p, double lambda) {
  return mecke_sum(p, lambda, 2, [](double) { return 1.0; });
}

double poisson_scaled_deficit(double p, double lambda) {
  return mecke_sum(p, lambda, 1, [](double v) { return v; });
}

// --- Subcritical regime ------------------------------------------------------------------------

double subcritical_alignment(int k, double beta) {
  if (beta == 0) return 0.0;
  return std::exp(theory::log_bessel_i(0.5 * k, beta) - theory::log_bessel_i(0.5 * k - 1, beta));
}

double tangential_variance(int k, double beta) {
  // E[(1 - t^2) e^{b t}] = M(b) (k - 1) A(b) / b, hence M(2 beta) A(2 beta) / (2 beta M(beta)^2).
  return std::exp(log_moment_generating(k, 2 * beta) - 2 * log_moment_generating(k, beta)) *
         alignment_over_beta(k, 2 * beta);
}

double radial_variance(int k, double beta) {
  // E[t^2 e^{b t}] = M(b) (1 - (k - 1) A(b) / b); expand (t - A)^2 at b = 2 beta.
  const double a = subcritical_alignment(k, beta), a2 = subcritical_alignment(k, 2 * beta);
  const double bracket = 1.0 - (k - 1) * alignment_over_beta(k, 2 * beta) - 2 * a * a2 + a * a;
  return std::exp(log_moment_generating(k, 2 * beta) - 2 * log_moment_generating(k, beta)) *
         bracket;
}

double alignment_bias(int k, double beta) {
  // E[N/D] ~ mu_N/mu_D + (mu_N Var D / mu_D - Cov(N, D)) / mu_D^2 with N, D the key means of
  // t e^{beta t} and e^{beta t}: (A Var e^{beta t} - Cov) / M^2 = M(2 beta)(A(beta) - A(2 beta)) / M^2.
  return std::exp(log_moment_generating(k, 2 * beta) - 2 * log_moment_generating(k, beta)) *
         (subcritical_alignment(k, beta) - subcritical_alignment(k, 2 * beta));
}

}  // namespace attnflow::longcontext

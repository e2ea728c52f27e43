#include "theory/gaussian_expectation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "errors/errors.hpp"

namespace attnflow::theory {

namespace {

constexpr double unit_roundoff = std::numeric_limits<double>::epsilon() / 2;
// The strip used in units of the standard normal variable is min(strip / s, this): beyond it the
// factor e^{a^2/2} of the strip integral grows faster than the discretisation error falls.
constexpr double largest_strip = 5.0;

// A polynomial in w >= 0 with non-negative coefficients: an envelope.
using Polynomial = std::vector<double>;

double binomial(int n, int k) {
  double c = 1;
  for (int i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

Polynomial multiply(const Polynomial& a, const Polynomial& b) {
  if (a.empty() || b.empty()) return {};
  Polynomial c(a.size() + b.size() - 1, 0.0);
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j) c[i + j] += a[i] * b[j];
  return c;
}

// w -> p(scale w)
Polynomial scaled(const Polynomial& p, double scale) {
  Polynomial q(p);
  double power = 1;
  for (auto& c : q) {
    c *= power;
    power *= scale;
  }
  return q;
}

// w -> p(w + shift), shift >= 0
Polynomial shifted(const Polynomial& p, double shift) {
  Polynomial q(p.size(), 0.0);
  for (std::size_t k = 0; k < p.size(); ++k)
    for (std::size_t j = 0; j <= k; ++j)
      q[j] += p[k] * binomial(static_cast<int>(k), static_cast<int>(j)) *
              std::pow(shift, static_cast<double>(k - j));
  return q;
}

// Tail moments T_k(c) = int_c^inf x^k phi(x) dx, c >= 0, k = 0..degree, by
// T_k = c^{k-1} phi(c) + (k-1) T_{k-2} (integration by parts; every term is positive).
std::vector<double> tail_moments(int degree, double c) {
  std::vector<double> t(degree + 1);
  const double density = std::exp(-0.5 * c * c) / std::sqrt(2 * std::numbers::pi);
  t[0] = 0.5 * std::erfc(c / std::numbers::sqrt2);
  if (degree >= 1) t[1] = density;
  for (int k = 2; k <= degree; ++k) t[k] = std::pow(c, k - 1) * density + (k - 1) * t[k - 2];
  return t;
}

// int_c^inf p(x) phi(x) dx
double tail(const Polynomial& p, double c) {
  if (p.empty()) return 0;
  const auto t = tail_moments(static_cast<int>(p.size()) - 1, c);
  double sum = 0;
  for (std::size_t k = 0; k < p.size(); ++k) sum += p[k] * t[k];
  return sum;
}

// E p(|X|), X ~ N(0, 1)
double expectation(const Polynomial& p) { return 2 * tail(p, 0.0); }

// u -> E p(u + |X|)
Polynomial averaged_shift(const Polynomial& p) {
  if (p.empty()) return {};
  const auto half_moments = tail_moments(static_cast<int>(p.size()) - 1, 0.0);
  Polynomial q(p.size(), 0.0);
  for (std::size_t k = 0; k < p.size(); ++k)
    for (std::size_t j = 0; j <= k; ++j)  // (u + |X|)^k = sum_j C(k, j) u^j |X|^{k-j}
      q[j] += p[k] * binomial(static_cast<int>(k), static_cast<int>(j)) * 2 *
              half_moments[k - j];
  return q;
}

double evaluate(const Polynomial& p, double w) {
  double sum = 0;
  for (std::size_t k = p.size(); k-- > 0;) sum = sum * w + p[k];
  return sum;
}

// Neumaier's compensated sum, with the sum of |terms| for its error bound
// |computed - exact| <= (2u + O(n u^2)) sum |terms| (Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., section 4.3).
struct CompensatedSum {
  double sum = 0, compensation = 0, absolute = 0;
  long long terms = 0;
  void add(double x) {
    const double t = sum + x;
    compensation += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
    absolute += std::abs(x);
    ++terms;
  }
  double value() const { return sum + compensation; }
  // Summation error plus 8 ulps for evaluating each term (the function, the density, the
  // weight's products).
  double rounding_bound() const {
    const double n = static_cast<double>(terms);
    return (10 * unit_roundoff + 4 * n * unit_roundoff * unit_roundoff) * absolute;
  }
};

double density(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi); }

// The trapezoidal grid: step tau, nodes k tau for |k| <= half_count, strip a in units of X.
struct Grid {
  double strip = 0, step = 0;
  long long half_count = 0;
  double reach() const { return step * static_cast<double>(half_count); }
  // 2 / (e^{2 pi a / tau} - 1): the strip theorem's factor of M.
  double discretisation_factor() const {
    return 2 / std::expm1(2 * std::numbers::pi * strip / step);
  }
};

// The grid for an integrand with strip integral bound `strip_integral` (M), real-axis envelope
// `envelope` (times phi), and error target `target` for each part.
Grid make_grid(double strip, double strip_integral, const Polynomial& envelope, double target) {
  Grid grid;
  grid.strip = strip;
  grid.step = 2 * std::numbers::pi * strip / std::log1p(2 * strip_integral / target);
  // The tail sum is bounded by the tail integral only where x^k phi(x) decreases (x >= sqrt k).
  double reach = std::sqrt(static_cast<double>(envelope.size())) + 1;
  while (reach < 40 && 2 * tail(envelope, reach) > target) reach += 0.25;
  grid.half_count = static_cast<long long>(std::ceil(reach / grid.step));
  return grid;
}

void check_arguments(const StripBound& bound, double variance, double relative_target) {
  errors::ensure(relative_target > 0 && relative_target < 1,
                 "gaussian_expectation: relative target outside (0, 1)");
  errors::ensure(std::isfinite(variance) && variance >= 0,
                 "gaussian_expectation: variance must be finite and >= 0");
  errors::ensure(bound.strip > 0 && std::isfinite(bound.strip),
                 "gaussian_expectation: the integrand needs an analytic strip of positive width");
  for (double c : bound.coefficients)
    errors::ensure(c >= 0 && std::isfinite(c), "gaussian_expectation: envelope coefficients < 0");
}

}  // namespace

AnalyticFunction product(const AnalyticFunction& f, const AnalyticFunction& g) {
  AnalyticFunction h;
  h.value = [fv = f.value, gv = g.value](double z) { return fv(z) * gv(z); };
  h.bound.strip = std::min(f.bound.strip, g.bound.strip);
  h.bound.coefficients = multiply(f.bound.coefficients, g.bound.coefficients);
  return h;
}

Bounded gaussian_expectation(const AnalyticFunction& f, double variance, double relative_target) {
  check_arguments(f.bound, variance, relative_target);
  if (variance == 0) {
    const double value = f.value(0.0);
    return {value, 8 * unit_roundoff * std::abs(value)};
  }
  const double s = std::sqrt(variance);
  // In X = Z / s: |f(s (x + i y))| <= P(s (|x| + a)) for |y| <= a, a s <= strip.
  const Polynomial envelope = scaled(f.bound.coefficients, s);  // real axis: P(s |x|)
  const double scale = expectation(envelope);
  if (scale == 0) return {0.0, 0.0};
  const double a = std::min(f.bound.strip / s, largest_strip);
  const double strip_integral = std::exp(0.5 * a * a) * expectation(shifted(envelope, a));
  const double target = relative_target * scale;
  const Grid grid = make_grid(a, strip_integral, envelope, target);
  CompensatedSum sum;
  for (long long k = -grid.half_count; k <= grid.half_count; ++k) {
    const double x = grid.step * static_cast<double>(k);
    sum.add(grid.step * f.value(s * x) * density(x));
  }
  const double error = grid.discretisation_factor() * strip_integral +
                       2 * tail(envelope, grid.reach()) + sum.rounding_bound();
  return {sum.value(), error};
}

Bounded gaussian_pair_expectation(const AnalyticFunction& f, const AnalyticFunction& g,
                                  double variance, double correlation, double relative_target) {
  check_arguments(f.bound, variance, relative_target);
  check_arguments(g.bound, variance, relative_target);
  errors::ensure(std::abs(correlation) <= 1 + 1e-12,
                 "gaussian_pair_expectation: correlation outside [-1, 1]");
  const double rho = std::clamp(correlation, -1.0, 1.0);
  if (variance == 0) {
    const double value = f.value(0.0) * g.value(0.0);
    return {value, 16 * unit_roundoff * std::abs(value)};
  }
  const double s = std::sqrt(variance);
  const double r = std::sqrt((1 - rho) * (1 + rho));
  const Polynomial outer_envelope = scaled(f.bound.coefficients, s);  // P_f(s w)
  const Polynomial inner_envelope = scaled(g.bound.coefficients, s);  // P_g(s w)
  // |g(s (rho x1 + r x2))| <= P_g(s (|x1| + |x2|)); its X_2 average, a polynomial in |x1|:
  const Polynomial inner_average = averaged_shift(inner_envelope);
  const Polynomial outer_integrand = multiply(outer_envelope, inner_average);
  const double scale = expectation(outer_integrand);
  if (scale == 0) return {0.0, 0.0};
  // Shifting x1 or x2 by i y, |y| <= a, moves s x1, s rho x1 and s r x2 by at most s a <= strip.
  const double a = std::min(std::min(f.bound.strip, g.bound.strip) / s, largest_strip);
  const double growth = std::exp(0.5 * a * a);
  const double outer_strip_integral = growth * expectation(shifted(outer_integrand, a));
  const double target = relative_target * scale;
  // Half the target for the outer rule, the rest for the inner errors it accumulates.
  const Grid grid = make_grid(a, 2 * outer_strip_integral, outer_integrand, 0.25 * target);
  const double factor = grid.discretisation_factor();
  CompensatedSum outer;
  double inner_errors = 0;
  for (long long j = -grid.half_count; j <= grid.half_count; ++j) {
    const double x1 = grid.step * static_cast<double>(j);
    const double weight = grid.step * density(x1) * f.value(s * x1);
    if (weight == 0) continue;
    CompensatedSum inner;
    for (long long k = -grid.half_count; k <= grid.half_count; ++k) {
      const double x2 = grid.step * static_cast<double>(k);
      inner.add(grid.step * g.value(s * (rho * x1 + r * x2)) * density(x2));
    }
    // Inner errors at x1: the strip theorem with M_in = e^{a^2/2} E P_g(s (|x1| + a + |X_2|)),
    // the tail beyond the reach, and rounding.
    const double w = std::abs(x1);
    const double inner_error = factor * growth * evaluate(inner_average, w + a) +
                               2 * tail(shifted(inner_envelope, w), grid.reach()) +
                               inner.rounding_bound();
    outer.add(weight * inner.value());
    inner_errors += std::abs(weight) * inner_error;
  }
  const double error = factor * outer_strip_integral + 2 * tail(outer_integrand, grid.reach()) +
                       inner_errors + outer.rounding_bound();
  return {outer.value(), error};
}

}  // namespace attnflow::theory

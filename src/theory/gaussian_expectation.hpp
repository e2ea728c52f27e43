#pragma once
// Gaussian expectations E f(Z) and E f(Z_1) g(Z_2) of functions analytic in a strip around the
// real axis, with a proven bound on the error: the trapezoidal rule on the real line, whose
// discretisation error is bounded by the strip theorem (Trefethen and Weideman, SIAM Review 56
// (2014), Theorem 5.1), whose truncation is bounded by Gaussian tail integrals of a polynomial
// envelope, and whose rounding is bounded by the compensated-summation bound. The mean-field
// constants of docs/mathematics.md section 9 (theory/mlp_constants.hpp) are built on it.
#include <functional>
#include <vector>

namespace attnflow::theory {

// A computed number and a bound on |computed - exact|.
struct Bounded {
  double value = 0;
  double error = 0;
};

// f is analytic in the open strip |Im z| < strip and |f(z)| <= sum_k coefficients[k] |z|^k on
// the closed strip (coefficients >= 0).
struct StripBound {
  double strip = 0;
  std::vector<double> coefficients;
};

struct AnalyticFunction {
  std::function<double(double)> value;
  StripBound bound;
};

// z -> f(z) g(z), with the product envelope on the narrower strip.
AnalyticFunction product(const AnalyticFunction& f, const AnalyticFunction& g);

// The default accuracy: each error part (discretisation, truncation) below 1e-16 times the
// envelope's scale E P(|Z|) >= E |f(Z)|, so that rounding dominates the bound. Larger targets
// give coarser grids (tests use them to see the discretisation bound at work).
constexpr double default_relative_target = 1e-16;

// E f(Z), Z ~ N(0, variance). The bound covers discretisation, truncation and rounding, assuming
// f is evaluated to within 8 units in the last place (the C library's exp, erfc, tanh are within
// a few). Throws errors::InternalError for a negative variance or a strip <= 0.
Bounded gaussian_expectation(const AnalyticFunction& f, double variance,
                             double relative_target = default_relative_target);

// E f(Z_1) g(Z_2) for centred Gaussians with Var Z_1 = Var Z_2 = variance and correlation
// `correlation` in [-1, 1]: Z_1 = s X_1, Z_2 = s (rho X_1 + sqrt(1 - rho^2) X_2), a product
// trapezoidal rule whose inner errors are carried into the outer sum node by node.
Bounded gaussian_pair_expectation(const AnalyticFunction& f, const AnalyticFunction& g,
                                  double variance, double correlation,
                                  double relative_target = default_relative_target);

}  // namespace attnflow::theory

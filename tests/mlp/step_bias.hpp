#pragma once
// The O(h) step bias of the statistics the dynamics tests measure (docs/mathematics.md section 9), attention off,
// depth L, h = T/L, a = sqrt(h).
//
// Isotropy makes every step's statistics independent of the past: the field's law is invariant
// under G(.) -> R G(R^T .) for every rotation R (W -> R W, U -> U R^T). Hence for one token
// E[X' | x] = c(h) x (the mean is fixed by every R fixing x), so E<X_L, x_0> = c(h)^L; and for the
// linearised two-token motion the growth factor rho_l = |D Phi v_l| of step l is independent of
// (x_l, v_l) and of the past, so E ln(r_T / r_0) = L E ln rho and E (r_T / r_0)^2 = (E rho^2)^L.
// Expanding in a (odd powers vanish: g -> -g is a symmetry) gives, per step,
//   c(h) = 1 - lambda h + gamma h^2,  E ln rho^2 = 2 lambda_1 h + C_ln h^2,
//   E rho^2 = 1 + lambda_bar h + C_sq h^2   (+ O(h^3)),
// and therefore the estimators' first-order biases
//   E<X_T, X_0>                 e^{-lambda T} (1 + T h (gamma - lambda^2 / 2))
//   E ln(r_T / r_0) / T         lambda_1 + h C_ln / 2
//   ln E (r_T / r_0)^2 / T      lambda_bar + h (C_sq - lambda_bar^2 / 2).
// Layer scheme (tests/mlp/derive_step_bias.py, sympy, exact at every width m):
//   gamma = (3/8)(d-1)(d-3)(kappa^2 + Vgg/m),
//   C_ln = (d^2-4d+1)/2 kappa^2 - (d-3)(d-5)/2 kappa'^2 + (d-3) kappa kappa'
//          + [(d-3) Cgq - (d-3)(d-4) Egq + (d^2-4d+1)/2 Vgg - (d-3)(d-5)/2 Vqq] / m,
//   C_sq = (d-4)^2 (kappa^2 + Vgg/m) - (d-1)(d-4) (kappa kappa' + (Cgq + Egq)/m),
// with, for the m iid hidden units z ~ N(0, 1/d + sigma_U^2) and w ~ N(0, 1) independent,
//   Vgg = Var sigma(z)^2, Vqq = (3 E sigma'^4 - (E sigma'^2)^2) / d^2,
//   Cgq = (E sigma^2 sigma'^2 - E sigma^2 E sigma'^2) / d, Egq = E sigma^2 sigma'^2 / d.
// Stochastic Heun (one token; Wick's theorem for the infinite-width Gaussian field: E[d_a G G] is
// radial, E[d_a G d_b G] = kappa'(1) and E[d_ab G G] = E[sigma sigma''] / d on the tangent plane):
//   gamma = -(d-1)^2 kappa kappa' / 8 - (d-1) kappa^2 / 8 - (d-1)(d+1) kappa E[sigma sigma''] / (4d)
//           + (3/8)(d-1)(d+1) kappa^2;
// finite width changes it by O(Var sigma^2 / (m kappa^2)) relative.
#include <cmath>

#include "model/model.hpp"
#include "theory/mlp_constants.hpp"

namespace attnflow::testing {

struct FieldMoments {
  int dimension = 0, width = 0;
  double kappa_one = 0, kappa_slope_one = 0;  // kappa(1), kappa'(1)
  double square_variance = 0;                 // Vgg
  double slope_variance = 0;                  // Vqq
  double covariance = 0;                      // Cgq
  double cross = 0;                           // Egq
  double curvature = 0;                       // E[sigma(z) sigma''(z)]
};

// The hidden-unit moments by the bounded quadrature (relu in closed form: relu' = 1{z > 0},
// E relu^4 = 3 v^2 / 2, relu relu'' = 0). E sigma sigma'' = d/dv E sigma^2 - E sigma'^2 (the heat
// equation d/dv E f(z) = E f''(z) / 2), the v-derivative by a central difference with step
// 1e-4 v (relative error ~1e-8, far below what a bias needs).
inline FieldMoments field_moments(const model::MlpBlock& block, int dimension) {
  const auto constants = theory::mlp_constants(block, dimension, 1.0);
  FieldMoments f;
  f.dimension = dimension;
  f.width = block.width;
  f.kappa_one = constants.kappa_one.value;
  f.kappa_slope_one = constants.kappa_slope_one.value;
  const double d = dimension, v = 1.0 / d + block.input_bias * block.input_bias;
  double square = 0, fourth = 0, slope_square = 0, slope_fourth = 0, mixed = 0;
  switch (block.activation) {
    case mlp::Activation::zero: return f;
    case mlp::Activation::relu:
      square = v / 2;
      fourth = 1.5 * v * v;
      slope_square = slope_fourth = 0.5;
      mixed = v / 2;
      break;
    default: {
      using theory::gaussian_expectation;
      using theory::product;
      const auto sigma = theory::activation_function(block.activation);
      const auto slope = theory::activation_derivative_function(block.activation);
      const auto sigma_square = product(sigma, sigma), slope_squared = product(slope, slope);
      square = gaussian_expectation(sigma_square, v).value;
      fourth = gaussian_expectation(product(sigma_square, sigma_square), v).value;
      slope_square = gaussian_expectation(slope_squared, v).value;
      slope_fourth = gaussian_expectation(product(slope_squared, slope_squared), v).value;
      mixed = gaussian_expectation(product(sigma_square, slope_squared), v).value;
      const double dv = 1e-4 * v;
      const double derivative = (gaussian_expectation(sigma_square, v + dv).value -
                                 gaussian_expectation(sigma_square, v - dv).value) /
                                (2 * dv);
      f.curvature = derivative - slope_square;
    }
  }
  f.square_variance = fourth - square * square;
  f.slope_variance = (3 * slope_fourth - slope_square * slope_square) / (d * d);
  f.covariance = (mixed - square * slope_square) / d;
  f.cross = mixed / d;
  return f;
}

// e^{-lambda T} T h (gamma - lambda^2/2): the first-order bias of E<X_T, X_0>.
inline double one_point_bias(const FieldMoments& f, double horizon, double h, bool heun) {
  const double d = f.dimension, k = f.kappa_one;
  const double lambda = k * (d - 1) / 2;
  const double gamma =
      heun ? -(d - 1) * (d - 1) * k * f.kappa_slope_one / 8 - (d - 1) * k * k / 8 -
                 (d - 1) * (d + 1) * k * f.curvature / (4 * d) + 3.0 / 8 * (d - 1) * (d + 1) * k * k
           : 3.0 / 8 * (d - 1) * (d - 3) * (k * k + f.square_variance / f.width);
  return std::exp(-lambda * horizon) * horizon * h * (gamma - lambda * lambda / 2);
}

// h C_ln / 2: the first-order bias of E ln(r_T / r_0) / T (layer scheme).
inline double lyapunov_bias(const FieldMoments& f, double h) {
  const double d = f.dimension, k = f.kappa_one, s = f.kappa_slope_one, m = f.width;
  const double c = (d * d - 4 * d + 1) / 2 * k * k - (d - 3) * (d - 5) / 2 * s * s + (d - 3) * k * s +
                   ((d - 3) * f.covariance - (d - 3) * (d - 4) * f.cross +
                    (d * d - 4 * d + 1) / 2 * f.square_variance -
                    (d - 3) * (d - 5) / 2 * f.slope_variance) /
                       m;
  return h * c / 2;
}

// h (C_sq - lambda_bar^2 / 2): the first-order bias of ln E (r_T / r_0)^2 / T (layer scheme).
inline double mean_square_bias(const FieldMoments& f, double h) {
  const double d = f.dimension, k = f.kappa_one, s = f.kappa_slope_one, m = f.width;
  const double lambda_bar = (d - 1) * s - (d - 3) * k;
  const double c = (d - 4) * (d - 4) * (k * k + f.square_variance / m) -
                   (d - 1) * (d - 4) * (k * s + (f.covariance + f.cross) / m);
  return h * (c - lambda_bar * lambda_bar / 2);
}

}  // namespace attnflow::testing

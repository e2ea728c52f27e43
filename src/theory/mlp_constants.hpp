#pragma once
// Mean-field constants of the random MLP field (docs/mathematics.md section 9, docs/mathematics.md section
// 9): the covariance kappa(t), kappa(1), kappa'(1), the two-token exponents lambda_1 and
// lambda_bar, the coercivity verdict and the guaranteed energy rate lambda_bar'(beta), each with
// a bound on its error (relu and the output-bias-only block in closed form, the smooth
// activations by the bounded quadrature of theory/gaussian_expectation.hpp).
#include <string>
#include <utility>
#include <vector>

#include "model/model.hpp"
#include "output/hdf5.hpp"
#include "theory/gaussian_expectation.hpp"

namespace attnflow::theory {

// sigma and sigma' as analytic functions with their strip envelopes; the smooth activations
// only (relu is not analytic: InternalError).
AnalyticFunction activation_function(mlp::Activation activation);
AnalyticFunction activation_derivative_function(mlp::Activation activation);

// kappa(t) = E[sigma(Z_1) sigma(Z_2)] + sigma_W^2 for t in [-1, 1]: E[G(x) G(y)^T] =
// kappa(<x, y>) I_d. Throws errors::InputError for t outside [-1, 1] or dimension < 2.
Bounded mlp_covariance(const model::MlpBlock& block, int dimension, double t);

struct MlpConstants {
  Bounded kappa_one;             // kappa(1) = E sigma(Z)^2 + sigma_W^2
  Bounded kappa_slope_one;       // kappa'(1) = E sigma'(Z)^2 / d
  Bounded lyapunov_exponent;     // lambda_1 = (d-3)/2 kappa'(1) - (d-1)/2 kappa(1)
  Bounded mean_square_exponent;  // lambda_bar = (d-1) kappa'(1) - (d-3) kappa(1)
  // G(-x) = -G(x): an odd activation (tanh) with sigma_U = sigma_W = 0 (or the zero field).
  bool odd_field = false;
  // lambda_bar < 0 beyond its error bound, and the field not odd (the paper's condition).
  bool coercive = false;
  // lambda_bar'(beta) = -inf_{u in [-1,1)} F(u): E E_A(t) <= E_A(0) e^{lambda_bar'(beta) t} when
  // coercive, with V = I and Q^T K = beta I. The error covers the quadrature at the minimiser;
  // the minimiser is located on a grid (uniform in u, and geometric in 1 - u down to 1e-6)
  // refined by golden-section search, which the bound does not cover.
  Bounded energy_rate;
  double energy_rate_argument = 1;  // the u attaining the infimum (1: the limit F(1-))
};

// Throws errors::InputError for dimension < 2 or beta negative or not finite.
MlpConstants mlp_constants(const model::MlpBlock& block, int dimension, double beta);

// The constants as typed output attributes (numbers as numbers, the verdicts as "true"/"false"):
// mlp_kappa_1, mlp_kappa_slope_1, mlp_lambda_1, mlp_lambda_bar, mlp_energy_rate (each followed
// by a *_error key with its bound), mlp_energy_rate_argument, mlp_odd_field, mlp_coercive.
std::vector<output::Attribute> describe(const MlpConstants& constants);
// A run's MLP metadata (particles and continuum alike): the block (mlp, mlp_width, mlp_bias_u,
// mlp_bias_w), the layer length h of its layers, then describe(constants).
std::vector<output::Attribute> describe(const MlpConstants& constants, const model::MlpBlock& block,
                                        double layer_length);
// The same for a run's start-up header: a few lines naming each constant with its bound and the
// coercivity verdict, for the block, dimension and beta they were computed for.
std::vector<std::string> summary_lines(const MlpConstants& constants, const model::MlpBlock& block,
                                       int dimension, double beta);

// F(u) of docs/mathematics.md section 9 at u in [-1, 1), with its error bound from kappa(u) and kappa(1).
Bounded energy_rate_integrand(const model::MlpBlock& block, int dimension, double beta, double u,
                              const Bounded& kappa_one);

}  // namespace attnflow::theory

#include "theory/mlp_constants.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <iomanip>
#include <numbers>
#include <sstream>
#include <vector>

#include "errors/errors.hpp"
#include "text/number_format.hpp"

namespace attnflow::theory {

namespace {

using mlp::Activation;
constexpr double unit_roundoff = std::numeric_limits<double>::epsilon() / 2;

// Strip envelopes (|f(x + i y)| for |y| <= strip), derived from
//   |tanh(x + i y)|^2 = (cosh 2x - cos 2y) / (cosh 2x + cos 2y) <= 1 for |y| <= pi/4,
//   sigmoid(z) = (1 + tanh(z/2)) / 2, sigmoid' = (1 - tanh^2(z/2)) / 4, tanh' = 1 - tanh^2,
//   |Phi(x + i y)| <= 1 + |y| e^{y^2/2} / sqrt(2 pi) and |phi(x + i y)| <= e^{y^2/2} / sqrt(2 pi)
//   (Phi(x + iy) = Phi(x) + int_0^y phi(x + i s) i ds), here for |y| <= 1:
//   e^{1/2} / sqrt(2 pi) = 0.65774... <= 0.6578.
// tanh is analytic for |Im z| < pi/2, the logistic function for |Im z| < pi, Phi everywhere.
constexpr double quarter_pi = std::numbers::pi / 4, half_pi = std::numbers::pi / 2;
constexpr double gelu_density_bound = 0.6578, gelu_cdf_bound = 1.6578;

StripBound value_bound(Activation activation) {
  switch (activation) {
    case Activation::gelu: return {1.0, {0.0, gelu_cdf_bound}};  // |z Phi(z)|
    case Activation::silu: return {half_pi, {0.0, 1.0}};         // |z sigmoid(z)| <= |z|
    case Activation::tanh: return {quarter_pi, {1.0}};
    case Activation::sigmoid: return {half_pi, {1.0}};
    case Activation::zero: return {1.0, {}};
    case Activation::relu: break;
  }
  throw errors::InternalError("activation_function: relu is not analytic; use its closed forms");
}

StripBound derivative_bound(Activation activation) {
  switch (activation) {
    // Phi(z) + z phi(z)
    case Activation::gelu: return {1.0, {gelu_cdf_bound, gelu_density_bound}};
    // sigmoid(z) + z sigmoid'(z), |sigmoid'| <= (1 + |tanh(z/2)|^2) / 4 <= 1/2
    case Activation::silu: return {half_pi, {1.0, 0.5}};
    case Activation::tanh: return {quarter_pi, {2.0}};   // 1 - tanh^2
    case Activation::sigmoid: return {half_pi, {0.5}};  // sigmoid'
    case Activation::zero: return {1.0, {}};
    case Activation::relu: break;
  }
  throw errors::InternalError("activation_derivative_function: relu is not analytic");
}

void require_dimension(int dimension) {
  errors::require(dimension >= 2, "--dimension: the MLP constants need d >= 2 (got " +
                                      std::to_string(dimension) + ")");
}

double hidden_variance(const model::MlpBlock& block, int dimension) {
  return 1.0 / dimension + block.input_bias * block.input_bias;
}

// E[sigma(Z_1) sigma(Z_2)] with correlation rho of the hidden pre-activations.
Bounded hidden_covariance(const model::MlpBlock& block, double variance, double rho) {
  switch (block.activation) {
    case Activation::zero: return {0.0, 0.0};
    case Activation::relu: {
      // The arc-cosine kernel of degree 1: v/(2 pi) (sqrt(1 - rho^2) + rho (pi - arccos rho)).
      // Every operation is correctly rounded or within an ulp or two; the value and the error
      // carried from rho (derivative <= v/2) stay below 20 ulps of v.
      const double root = std::sqrt(std::max(0.0, (1 - rho) * (1 + rho)));
      const double value =
          variance / (2 * std::numbers::pi) * (root + rho * (std::numbers::pi - std::acos(rho)));
      return {value, 20 * unit_roundoff * variance};
    }
    default: break;
  }
  const auto sigma = activation_function(block.activation);
  if (rho == 1) return gaussian_expectation(product(sigma, sigma), variance);
  return gaussian_pair_expectation(sigma, sigma, variance, rho);
}

Bounded add(const Bounded& a, double b) {
  const double value = a.value + b;
  return {value, a.error + unit_roundoff * std::abs(value)};
}

// alpha a + beta b with rounding (two products and a sum).
Bounded combine(double alpha, const Bounded& a, double beta, const Bounded& b) {
  const double value = alpha * a.value + beta * b.value;
  return {value, std::abs(alpha) * a.error + std::abs(beta) * b.error +
                     4 * unit_roundoff * (std::abs(alpha * a.value) + std::abs(beta * b.value))};
}

}  // namespace

AnalyticFunction activation_function(mlp::Activation activation) {
  return {[activation](double z) { return mlp::activate(activation, z); },
          value_bound(activation)};
}

AnalyticFunction activation_derivative_function(mlp::Activation activation) {
  return {[activation](double z) { return mlp::activation_derivative(activation, z); },
          derivative_bound(activation)};
}

Bounded mlp_covariance(const model::MlpBlock& block, int dimension, double t) {
  require_dimension(dimension);
  errors::require(std::isfinite(t) && std::abs(t) <= 1,
                  "mlp_covariance: <x, y> must lie in [-1, 1] (got " + text::format_number(t) +
                      ")");
  const double variance = hidden_variance(block, dimension);
  const double rho = t == 1 ? 1.0 : (t / dimension + block.input_bias * block.input_bias) / variance;
  return add(hidden_covariance(block, variance, rho), block.output_bias * block.output_bias);
}

Bounded energy_rate_integrand(const model::MlpBlock& block, int dimension, double beta, double u,
                              const Bounded& kappa_one) {
  errors::ensure(u >= -1 && u < 1, "energy_rate_integrand: u outside [-1, 1)");
  const double d = dimension;
  const Bounded kappa = mlp_covariance(block, dimension, u);
  const double one_minus_square = (1 - u) * (1 + u);
  const double a = d - 2 + u * u - beta * u * one_minus_square;
  const double b = beta * one_minus_square - (d - 1) * u;
  // beta e^{beta u} / (e^beta - e^{beta u}) = beta / (e^{beta (1-u)} - 1), -> 1/(1-u) at beta 0.
  const double w = 1 - u;
  const double factor = beta > 0 ? beta / std::expm1(beta * w) : 1 / w;
  const Bounded g = combine(a, kappa, b, kappa_one);
  return {factor * g.value, factor * (g.error + 8 * unit_roundoff * std::abs(g.value))};
}

MlpConstants mlp_constants(const model::MlpBlock& block, int dimension, double beta) {
  require_dimension(dimension);
  errors::require(std::isfinite(beta) && beta >= 0,
                  "--beta: must be finite and >= 0 (got " + text::format_number(beta) + ")");
  const double d = dimension;
  const double variance = hidden_variance(block, dimension);
  MlpConstants c;
  c.kappa_one = mlp_covariance(block, dimension, 1.0);
  switch (block.activation) {
    case Activation::zero: c.kappa_slope_one = {0.0, 0.0}; break;
    case Activation::relu: c.kappa_slope_one = {0.5 / d, unit_roundoff / d}; break;  // P(Z > 0) / d
    default: {
      const auto derivative = activation_derivative_function(block.activation);
      const Bounded moment = gaussian_expectation(product(derivative, derivative), variance);
      c.kappa_slope_one = {moment.value / d, moment.error / d + unit_roundoff * moment.value / d};
    }
  }
  c.lyapunov_exponent = combine(0.5 * (d - 3), c.kappa_slope_one, -0.5 * (d - 1), c.kappa_one);
  c.mean_square_exponent = combine(d - 1, c.kappa_slope_one, -(d - 3), c.kappa_one);
  c.odd_field = mlp::is_odd(block.activation) && block.input_bias == 0 && block.output_bias == 0;
  c.coercive =
      c.mean_square_exponent.value + c.mean_square_exponent.error < 0 && !c.odd_field;

  // inf F over [-1, 1): F extends continuously to u = 1 with F(1-) = -lambda_bar, so the
  // infimum is the minimum over [-1, 1] of the extension.
  auto integrand = [&](double u) {
    return energy_rate_integrand(block, dimension, beta, u, c.kappa_one);
  };
  std::vector<double> grid;
  constexpr int uniform_points = 400, geometric_points = 80;
  for (int i = 0; i < uniform_points; ++i) grid.push_back(-1 + 2.0 * i / uniform_points);
  for (int j = 0; j <= geometric_points; ++j)
    grid.push_back(1 - std::pow(10.0, -6.0 * j / geometric_points));
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  std::vector<Bounded> values;
  for (double u : grid) values.push_back(integrand(u));
  std::size_t best = 0;
  for (std::size_t i = 1; i < grid.size(); ++i)
    if (values[i].value < values[best].value) best = i;
  // Golden-section refinement between the best point's neighbours (the grid's last point is
  // 1 - 1e-6, whose right neighbour is the limit point u = 1).
  double low = grid[best == 0 ? 0 : best - 1];
  double high = best + 1 < grid.size() ? grid[best + 1] : 1 - 1e-7;
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  double left = high - ratio * (high - low), right = low + ratio * (high - low);
  Bounded f_left = integrand(left), f_right = integrand(right);
  for (int iteration = 0; iteration < 60 && high - low > 1e-12; ++iteration) {
    if (f_left.value < f_right.value) {
      high = right;
      right = left;
      f_right = f_left;
      left = high - ratio * (high - low);
      f_left = integrand(left);
    } else {
      low = left;
      left = right;
      f_left = f_right;
      right = low + ratio * (high - low);
      f_right = integrand(right);
    }
  }
  Bounded minimum = values[best];
  c.energy_rate_argument = grid[best];
  for (const auto& [u, f] : {std::pair{left, f_left}, std::pair{right, f_right}})
    if (f.value < minimum.value) {
      minimum = f;
      c.energy_rate_argument = u;
    }
  const Bounded limit{-c.mean_square_exponent.value, c.mean_square_exponent.error};
  if (limit.value <= minimum.value) {
    minimum = limit;
    c.energy_rate_argument = 1;
  }
  c.energy_rate = {-minimum.value, minimum.error};
  return c;
}

std::vector<output::Attribute> describe(const MlpConstants& c) {
  std::vector<output::Attribute> out;
  auto add_bounded = [&out](const std::string& key, const Bounded& b) {
    out.push_back({key, b.value});
    out.push_back({key + "_error", b.error});
  };
  add_bounded("mlp_kappa_1", c.kappa_one);
  add_bounded("mlp_kappa_slope_1", c.kappa_slope_one);
  add_bounded("mlp_lambda_1", c.lyapunov_exponent);
  add_bounded("mlp_lambda_bar", c.mean_square_exponent);
  add_bounded("mlp_energy_rate", c.energy_rate);
  out.push_back({"mlp_energy_rate_argument", c.energy_rate_argument});
  out.push_back({"mlp_odd_field", std::string(c.odd_field ? "true" : "false")});
  out.push_back({"mlp_coercive", std::string(c.coercive ? "true" : "false")});
  return out;
}

std::vector<output::Attribute> describe(const MlpConstants& c, const model::MlpBlock& block,
                                        double layer_length) {
  std::vector<output::Attribute> out = {{"mlp", mlp::activation_name(block.activation)},
                                        {"mlp_width", std::int64_t(block.width)},
                                        {"mlp_bias_u", block.input_bias},
                                        {"mlp_bias_w", block.output_bias},
                                        {"layer_length", layer_length}};
  for (auto& attribute : describe(c)) out.push_back(std::move(attribute));
  return out;
}

std::vector<std::string> summary_lines(const MlpConstants& c, const model::MlpBlock& block,
                                       int dimension, double beta) {
  // Six digits and a two-digit bound for reading; the metadata keeps every digit (describe).
  auto format_number = [](double value, int digits = 6) {
    std::ostringstream text;
    text << std::setprecision(digits) << value;
    return text.str();
  };
  auto bounded = [&format_number](const Bounded& b) {
    return format_number(b.value) + " (+- " + format_number(b.error, 2) + ")";
  };
  std::vector<std::string> lines;
  lines.push_back("MLP block " + mlp::activation_name(block.activation) + ", m = " +
                  std::to_string(block.width) + ", sigma_U = " + format_number(block.input_bias) +
                  ", sigma_W = " + format_number(block.output_bias) + ", d = " +
                  std::to_string(dimension) + " (docs/mathematics.md section 9):");
  lines.push_back("  kappa(1) = " + bounded(c.kappa_one) + ", kappa'(1) = " +
                  bounded(c.kappa_slope_one));
  lines.push_back("  lambda_1 = " + bounded(c.lyapunov_exponent) + " (E ln|x - y|), lambda_bar = " +
                  bounded(c.mean_square_exponent) + " (E |x - y|^2)");
  std::string verdict = "coercive (lambda_bar < 0, field not odd)";
  if (!c.coercive) {
    std::vector<std::string> reasons;
    if (!(c.mean_square_exponent.value + c.mean_square_exponent.error < 0))
      reasons.push_back("lambda_bar not < 0");
    if (c.odd_field) reasons.push_back("odd field");
    verdict = "not coercive (" + reasons.at(0) + (reasons.size() > 1 ? ", " + reasons[1] : "") + ")";
  }
  lines.push_back("  " + verdict + "; energy rate lambda_bar'(beta = " + format_number(beta) +
                  ") = " + bounded(c.energy_rate) + " at u = " +
                  format_number(c.energy_rate_argument) +
                  (c.coercive ? ": E E_A(t) <= E_A(0) e^{lambda_bar'(beta) t} for V = I, Q^T K = beta I"
                              : ": no decay guaranteed"));
  return lines;
}

}  // namespace attnflow::theory

#include "mlp/activation.hpp"

#include <cmath>
#include <numbers>

#include "errors/errors.hpp"

namespace attnflow::mlp {

namespace {
constexpr double inverse_root_two = 0.70710678118654752440;
constexpr double inverse_root_two_pi = 0.39894228040143267794;

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z * inverse_root_two); }
// 1 / (1 + e^{-z}): e^{-z} overflows to +inf for z < -709 and the quotient is then 0, as it
// should be.
double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }
}  // namespace

std::string activation_name(Activation activation) {
  switch (activation) {
    case Activation::zero: return "zero";
    case Activation::relu: return "relu";
    case Activation::gelu: return "gelu";
    case Activation::silu: return "silu";
    case Activation::tanh: return "tanh";
    case Activation::sigmoid: return "sigmoid";
  }
  throw errors::InternalError("activation_name: unknown activation");
}

std::vector<std::string> activation_names() { return {"relu", "gelu", "silu", "tanh", "sigmoid"}; }

Activation parse_activation(const std::string& name, const std::string& option_name) {
  for (auto activation : {Activation::relu, Activation::gelu, Activation::silu, Activation::tanh,
                          Activation::sigmoid})
    if (activation_name(activation) == name) return activation;
  throw errors::InputError("--" + option_name + ": unknown activation '" + name +
                           "'; accepted: none, relu, gelu, silu, tanh, sigmoid");
}

double activate(Activation activation, double z) {
  switch (activation) {
    case Activation::zero: return 0.0;
    case Activation::relu: return z > 0 ? z : 0.0;
    case Activation::gelu: return z * standard_normal_cdf(z);
    case Activation::silu: return z * logistic(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::sigmoid: return logistic(z);
  }
  throw errors::InternalError("activate: unknown activation");
}

double activation_derivative(Activation activation, double z) {
  switch (activation) {
    case Activation::zero: return 0.0;
    case Activation::relu: return z > 0 ? 1.0 : 0.0;
    case Activation::gelu:
      return standard_normal_cdf(z) + z * inverse_root_two_pi * std::exp(-0.5 * z * z);
    case Activation::silu: {
      const double s = logistic(z);
      return s * (1 + z * (1 - s));
    }
    case Activation::tanh: {
      const double t = std::tanh(z);
      return 1 - t * t;
    }
    case Activation::sigmoid: {
      const double s = logistic(z);
      return s * (1 - s);
    }
  }
  throw errors::InternalError("activation_derivative: unknown activation");
}

void activate_in_place(Activation activation, std::span<double> values) {
  // One switch per block rather than per entry, so that the loops below vectorise where the
  // compiler can (relu) and call the math library directly otherwise.
  switch (activation) {
    case Activation::zero:
      for (auto& v : values) v = 0.0;
      return;
    case Activation::relu:
      for (auto& v : values) v = v > 0 ? v : 0.0;
      return;
    case Activation::gelu:
      for (auto& v : values) v = v * standard_normal_cdf(v);
      return;
    case Activation::silu:
      for (auto& v : values) v = v * logistic(v);
      return;
    case Activation::tanh:
      for (auto& v : values) v = std::tanh(v);
      return;
    case Activation::sigmoid:
      for (auto& v : values) v = logistic(v);
      return;
  }
  throw errors::InternalError("activate_in_place: unknown activation");
}

bool is_odd(Activation activation) {
  return activation == Activation::tanh || activation == Activation::zero;
}

}  // namespace attnflow::mlp

#pragma once
// The activations of the random MLP block of docs/mathematics.md section 9 (relu, gelu, silu, tanh, sigmoid)
// and "zero", sigma = 0: the MLP then reduces to its output bias b_W, which is the constant
// common noise of section 2 (kappa = sigma_W^2). One definition serves the field and the theory.
#include <span>
#include <string>
#include <vector>

namespace attnflow::mlp {

enum class Activation { zero, relu, gelu, silu, tanh, sigmoid };

std::string activation_name(Activation activation);
// The names --mlp accepts besides "none" (zero is the library's output-bias-only block).
std::vector<std::string> activation_names();
// Throws errors::InputError naming `option_name` and the accepted names.
Activation parse_activation(const std::string& name, const std::string& option_name);

// gelu is the exact one, z Phi(z) (not the tanh approximation).
double activate(Activation activation, double z);
double activation_derivative(Activation activation, double z);  // relu'(0) = 0
// Applies the activation to every entry in place (the hidden layer of a block of tokens).
void activate_in_place(Activation activation, std::span<double> values);
// sigma(-z) = -sigma(z): with zero biases such an activation makes the field odd, G(-x) = -G(x).
bool is_odd(Activation activation);

}  // namespace attnflow::mlp

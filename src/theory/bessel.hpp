#pragma once
// Logarithm of the modified Bessel function I_nu(x), finite wherever I_nu(x) > 0 for beta up to
// 1e4 and beyond: the stability rates of docs/mathematics.md section 4 are ratios and products of I_nu whose
// raw values overflow near x = 700 and underflow for large orders.
namespace attnflow::theory {

// ln I_nu(x) for real order nu >= 0 and x >= 0. Returns -infinity for x = 0 and nu > 0
// (and 0 for x = 0, nu = 0). Throws errors::InputError for negative or non-finite arguments.
double log_bessel_i(double order, double x);

}  // namespace attnflow::theory

#pragma once
// Model and reference formulas shared by the tests of the moderate regime.
#include <cmath>

#include "model/model.hpp"

namespace attnflow::testing {

// SA with Q = K = V = I on S^{d-1} at inverse temperature beta.
inline model::Model identity_model(int d, double beta) {
  model::Model m;
  m.dimension = d;
  m.beta = beta;
  m.query = m.key = m.value = model::Matrix::identity(d);
  return m;
}

// T(theta_0 -> theta_1) = int_{theta_1}^{theta_0} (1 + e^{beta (1 - cos theta)}) / (2 sin theta)
// d theta, the time the exact pairing ODE d theta/dt = -2 sin theta / (1 + e^{beta(1 - cos
// theta)}) takes (docs/mathematics.md 10.3). Composite Simpson in u = ln theta (a smooth
// integrand), long double: with 20000 panels over |ln(theta_0/theta_1)| < 10 the error is
// ~ (5e-4)^4, far below 1e-12.
inline long double pairing_time(double beta, double theta_0, double theta_1) {
  const int panels = 20000;
  const long double a = std::log((long double)theta_1), b = std::log((long double)theta_0);
  const long double h = (b - a) / panels;
  auto f = [beta](long double u) {
    const long double theta = std::exp(u);
    return theta * (1 + std::exp(beta * (1 - std::cos(theta)))) / (2 * std::sin(theta));
  };
  long double sum = f(a) + f(b);
  for (int k = 1; k < panels; ++k) sum += (k % 2 ? 4 : 2) * f(a + k * h);
  return sum * h / 3;
}

}  // namespace attnflow::testing

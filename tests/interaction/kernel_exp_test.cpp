// The direct kernel's own vectorised exponential (interaction/direct_kernel.hpp) against libm.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "interaction/direct_kernel.hpp"

using attnflow::interaction::kernel_exp;

TEST_CASE("Kernel exponential is accurate to a few ulp on its whole range", "[interaction]") {
  // Truncation of the degree-12 Taylor polynomial on |r| <= ln(2)/2 is < 2.4e-16 relative,
  // the Cody-Waite reduction error < 1e-19, and ~15 roundings in the Estrin evaluation add a
  // few ulp (1.1e-16 each, mostly damped by the small high-order terms): 1e-15 bounds it.
  std::vector<double> x;
  for (double v = -708.0; v <= 709.0; v += 0.01234567) x.push_back(v);
  for (double v = -1e-3; v <= 1e-3; v += 1.1e-6) x.push_back(v);
  std::vector<double> y(x.size());
  kernel_exp(x.data(), y.data(), x.size());
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(y[i] - std::exp(x[i])) / std::exp(x[i]));
  CHECK(worst < 1e-15);
}

TEST_CASE("Kernel exponential: underflow to 0, overflow to infinity, NaN propagates",
          "[interaction]") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> x = {
      -1e4, -745.0, -709.0, 710.0, 1e4, std::numeric_limits<double>::quiet_NaN(), 0.0};
  std::vector<double> y(x.size());
  kernel_exp(x.data(), y.data(), x.size());
  CHECK(y[0] == 0.0);
  CHECK(y[1] == 0.0);
  CHECK(y[2] == 0.0);  // e^{-709} is subnormal: the kernel drops it (terms 1e-308 of the self term)
  CHECK(y[3] == inf);
  CHECK(y[4] == inf);
  CHECK(std::isnan(y[5]));
  CHECK(y[6] == 1.0);
}

// ln I_nu(x) against closed forms, the power series' leading term, the three-term recurrence and
// the Debye uniform asymptotic expansion, from x = 0 to 1e4 (docs/mathematics.md section 4).
#include <catch2/catch.hpp>
#include <gsl/gsl_sf_bessel.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "errors/errors.hpp"
#include "theory/bessel.hpp"

using attnflow::theory::log_bessel_i;

TEST_CASE("log_bessel_i: half-integer orders equal their closed forms up to x = 1e4",
          "[theory]") {
  // I_{1/2}(x) = sqrt(2/(pi x)) sinh x and I_{3/2}(x) = sqrt(2/(pi x)) (cosh x - sinh x / x),
  // written in log form so that they stay finite at x = 1e4. The value ln I is of size x, so the
  // absolute tolerance is relative 1e-13 of max(1, x) (a few ulps of GSL's scaled value plus the
  // rounding of ln and of the added x).
  for (double x : {1e-3, 0.1, 1.0, 7.5, 40.0, 700.0, 750.0, 5000.0, 1e4}) {
    const double log_prefactor = 0.5 * std::log(2.0 / (std::numbers::pi * x));
    const double log_sinh = x + std::log1p(-std::exp(-2 * x)) - std::numbers::ln2;
    const double log_cosh = x + std::log1p(std::exp(-2 * x)) - std::numbers::ln2;
    const double expected_half = log_prefactor + log_sinh;
    // cosh x - sinh x / x = e^x/2 [ (1 + e^{-2x}) - (1 - e^{-2x}) / x ]; for tiny x use the series
    // x^2/3 + x^4/30 to avoid the cancellation.
    const double bracket = x < 0.01 ? std::log(x * x / 3 * (1 + x * x / 10)) - log_cosh
                                    : std::log((1 + std::exp(-2 * x)) - (1 - std::exp(-2 * x)) / x) -
                                          std::log1p(std::exp(-2 * x));
    const double expected_three_halves = log_prefactor + log_cosh + bracket;
    const double tolerance = 1e-13 * std::max(1.0, x);
    CHECK(log_bessel_i(0.5, x) == Approx(expected_half).margin(tolerance));
    CHECK(log_bessel_i(1.5, x) == Approx(expected_three_halves).margin(tolerance));
  }
}

TEST_CASE("log_bessel_i: integer orders equal GSL's unscaled I_n where it does not overflow",
          "[theory]") {
  // gsl_sf_bessel_In is a separate code path (no exponential scaling, integer recurrence).
  for (int n : {0, 1, 2, 5, 17, 40})
    for (double x : {0.3, 2.0, 25.0, 300.0}) {
      const double reference = gsl_sf_bessel_In(n, x);
      if (reference < 1e-300) continue;  // beyond the reach of the unscaled routine
      CHECK(std::exp(log_bessel_i(n, x)) == Approx(reference).epsilon(1e-12));
    }
}

TEST_CASE("log_bessel_i: x = 0 and the small-x limit (underflowing scaled values)", "[theory]") {
  CHECK(log_bessel_i(0.0, 0.0) == 0.0);
  CHECK(log_bessel_i(2.5, 0.0) == -std::numeric_limits<double>::infinity());
  // I_nu(x) = (x/2)^nu / Gamma(nu+1) (1 + x^2 / (4 (nu+1)) + ...): with x^2/(4(nu+1)) < 1e-8 the
  // leading term is exact to 1e-8 relative, i.e. 1e-8 in the logarithm. These values (down to
  // e^{-2000}) are far below the smallest double: only the logarithm exists.
  for (double nu : {0.0, 0.5, 3.0, 150.5, 400.0})
    for (double x : {1e-300, 1e-20, 1e-4}) {
      const double leading = nu * std::log(x / 2) - std::lgamma(nu + 1);
      CHECK(log_bessel_i(nu, x) == Approx(leading).margin(1e-8 * std::max(1.0, std::abs(leading))));
    }
}

TEST_CASE("log_bessel_i: the recurrence I_{nu-1} - I_{nu+1} = (2 nu / x) I_nu holds everywhere",
          "[theory]") {
  // The recurrence ties neighbouring orders together across the switch from GSL's scaled values
  // to the series (large orders); in log form: ln(1 - e^{ln I_{nu+1} - ln I_{nu-1}})
  // = ln(2 nu / x) + ln I_nu - ln I_{nu-1}. Each logarithm carries a few ulps of its own size
  // (it is of size x), and 1 - ratio amplifies that by 1/(1 - ratio) (ratio -> 1 for x >> nu).
  for (double x : {0.01, 1.0, 30.0, 800.0, 1e4})
    for (double nu : {1.0, 1.5, 10.0, 60.5, 300.0, 3000.0}) {
      const double lower = log_bessel_i(nu - 1, x), middle = log_bessel_i(nu, x),
                   upper = log_bessel_i(nu + 1, x);
      REQUIRE(std::isfinite(lower));
      REQUIRE(std::isfinite(upper));
      const double left = std::log1p(-std::exp(upper - lower));
      const double right = std::log(2 * nu / x) + middle - lower;
      const double ulps = 8 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(lower));
      const double tolerance = 1e-12 + ulps / -std::expm1(upper - lower);
      CHECK(left == Approx(right).margin(tolerance));
    }
}

TEST_CASE("log_bessel_i: large orders follow the Debye uniform expansion", "[theory]") {
  // I_nu(nu z) = e^{nu eta} / (sqrt(2 pi nu) (1+z^2)^{1/4}) (1 + u_1(p)/nu + O(nu^-2)),
  // p = 1/sqrt(1+z^2), u_1 = (3p - 5p^3)/24, eta = sqrt(1+z^2) + ln(z / (1 + sqrt(1+z^2))).
  // The neglected term is below 0.1/nu^2 < 1e-7 for nu >= 1000.
  for (double nu : {1000.0, 4000.5, 2e4})
    for (double x : {10.0, 1000.0, 1e4}) {
      const double z = x / nu, root = std::sqrt(1 + z * z), p = 1 / root;
      const double eta = root + std::log(z / (1 + root));
      const double expected = nu * eta - 0.5 * std::log(2 * std::numbers::pi * nu) -
                              0.25 * std::log(1 + z * z) +
                              std::log1p((3 * p - 5 * p * p * p) / 24 / nu);
      CHECK(log_bessel_i(nu, x) == Approx(expected).margin(1e-7 + 1e-14 * std::abs(expected)));
    }
}

TEST_CASE("log_bessel_i rejects negative orders and arguments", "[theory]") {
  using attnflow::errors::InputError;
  CHECK_THROWS_AS(log_bessel_i(-1.0, 2.0), InputError);
  CHECK_THROWS_AS(log_bessel_i(1.0, -2.0), InputError);
  CHECK_THROWS_AS(log_bessel_i(1.0, std::numeric_limits<double>::quiet_NaN()), InputError);
}

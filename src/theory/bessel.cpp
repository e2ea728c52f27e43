#include "theory/bessel.hpp"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_bessel.h>

#include <cmath>
#include <limits>
#include <mutex>
#include <string>

#include "errors/errors.hpp"

namespace attnflow::theory {

namespace {

// GSL aborts the program on underflow by default; attnflow reads every status code itself.
void disable_gsl_abort() {
  static std::once_flag once;
  std::call_once(once, [] { gsl_set_error_handler_off(); });
}

// ln I_nu(x) from the power series I_nu(x) = (x/2)^nu / Gamma(nu+1) sum_k (x^2/4)^k / (k! (nu+1)_k).
// All terms are positive, so the sum is accurate to a few ulps per term; the running sum is
// rescaled to stay finite. Used where the scaled value underflows (x small against nu), where the
// series needs at most a few times x/2 terms.
double log_bessel_i_series(double nu, double x) {
  const double quarter_square = 0.25 * x * x;
  constexpr double rescale = 1e280;
  const double log_rescale = std::log(rescale);
  double term = 1.0, sum = 1.0, log_scale = 0.0;
  for (long k = 0; k < 100000000; ++k) {
    const double ratio = quarter_square / ((k + 1.0) * (nu + k + 1.0));
    term *= ratio;
    sum += term;
    if (sum > rescale) {
      sum /= rescale;
      term /= rescale;
      log_scale += log_rescale;
    }
    if (ratio < 1.0 && term < sum * 1e-17) break;
  }
  return nu * std::log(0.5 * x) - std::lgamma(nu + 1.0) + log_scale + std::log(sum);
}

}  // namespace

double log_bessel_i(double order, double x) {
  errors::require(std::isfinite(order) && order >= 0,
                  "log_bessel_i: order must be finite and >= 0 (got " + std::to_string(order) + ")");
  errors::require(std::isfinite(x) && x >= 0,
                  "log_bessel_i: argument must be finite and >= 0 (got " + std::to_string(x) + ")");
  if (x == 0) return order == 0 ? 0.0 : -std::numeric_limits<double>::infinity();
  disable_gsl_abort();
  gsl_sf_result result;
  const int status = gsl_sf_bessel_Inu_scaled_e(order, x, &result);
  // The scaled value e^{-x} I_nu(x) lies in (0, 1]; anything else (underflow for large orders or
  // tiny x, or a GSL failure) goes to the exact series.
  if (status == GSL_SUCCESS && result.val > 1e-290 && std::isfinite(result.val))
    return std::log(result.val) + x;
  return log_bessel_i_series(order, x);
}

}  // namespace attnflow::theory

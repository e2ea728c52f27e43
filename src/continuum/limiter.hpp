#pragma once
// Slope limiters of the MUSCL reconstruction. Every limited slope s (a difference over one cell)
// satisfies |s| / 2 <= min(|backward|, |forward|), so both reconstructed face values lie between
// the neighbouring cell averages: they are >= 0 when the averages are, which is what the
// positivity argument of the finite-volume scheme needs.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace attnflow::continuum {

enum class Limiter { first_order, minmod, van_leer, mc };

// Names accepted by limiter_from_name: first-order, minmod, van-leer, mc.
std::vector<std::string> limiter_names();
// Throws config::InputError naming --limiter for an unknown name.
Limiter limiter_from_name(const std::string& name);
std::string limiter_name(Limiter limiter);

// The limited cell difference from the backward (u_i - u_{i-1}) and forward (u_{i+1} - u_i)
// differences; the face values are u_i -+ slope / 2.
inline double limited_slope(Limiter limiter, double backward, double forward) {
  if (limiter == Limiter::first_order || backward * forward <= 0) return 0.0;
  const double sign = backward > 0 ? 1.0 : -1.0;
  const double b = std::abs(backward), f = std::abs(forward);
  switch (limiter) {
    case Limiter::minmod:
      return sign * std::min(b, f);
    case Limiter::van_leer:
      return sign * 2 * b * f / (b + f);
    case Limiter::mc:
      return sign * std::min({2 * b, 2 * f, (b + f) / 2});
    case Limiter::first_order:
      break;
  }
  return 0.0;
}

}  // namespace attnflow::continuum

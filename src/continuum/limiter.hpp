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
// Throws errors::InputError naming --limiter for an unknown name.
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

// The multidimensional form used on the sphere (limiters of the Barth-Jespersen type): a cell's
// reconstruction u_i + g.r_f at its face points f is scaled by phi = min_f psi(ratio_f), where
// ratio_f = (admissible increment) / (g.r_f) >= 0 and the admissible increment is max - u_i
// (g.r_f > 0) or min - u_i (g.r_f < 0) over the cell and its neighbours. Every psi satisfies
// 0 <= psi(y) <= min(1, y), so the limited face values lie in [min, max].
// In one dimension with the central slope g = (u_{i+1} - u_{i-1}) / 2 the minimum over the two
// faces reproduces limited_slope exactly (ratios 4 f / (b + f) and 4 b / (b + f)):
//   mc:       psi(y) = min(1, y)            (Barth-Jespersen)
//   minmod:   psi(y) = min(1, y / 2)
//   van Leer: psi(y) = y (1 - y / 4) for y < 2, 1 otherwise (C^1, smooth like van Leer's)
inline double limited_fraction(Limiter limiter, double ratio) {
  switch (limiter) {
    case Limiter::first_order:
      return 0.0;
    case Limiter::minmod:
      return std::min(1.0, ratio / 2);
    case Limiter::van_leer:
      return ratio < 2 ? ratio * (1 - ratio / 4) : 1.0;
    case Limiter::mc:
      return std::min(1.0, ratio);
  }
  return 0.0;
}

// psi(ratio_f) for one face increment g.r_f of a cell with value u_i and bounds [lowest, highest]
// (1 when the increment is 0: that face constrains nothing).
inline double face_fraction(Limiter limiter, double value, double lowest, double highest,
                            double increment) {
  if (increment > 0) return limited_fraction(limiter, (highest - value) / increment);
  if (increment < 0) return limited_fraction(limiter, (lowest - value) / increment);
  return 1.0;
}

}  // namespace attnflow::continuum

#pragma once
// One real orthonormal spherical harmonic Y_lm on S^2, for initial densities and the sphere's
// harmonic power (same convention as diagnostics::real_spherical_harmonics on the output branch:
// m > 0 sqrt(2) cos(m phi), m < 0 sqrt(2) sin(|m| phi), no Condon-Shortley phase; to be unified).
#include <span>

namespace attnflow::continuum {

// x a unit vector in R^3; |m| <= l.
double real_spherical_harmonic(std::span<const double> x, int degree, int order);

}  // namespace attnflow::continuum

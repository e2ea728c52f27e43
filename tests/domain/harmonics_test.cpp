// Real spherical harmonics and Fourier moments against their defining identities.
#include <catch2/catch.hpp>
#include <gsl/gsl_integration.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "benchmark/benchmark.hpp"
#include "domain/harmonics.hpp"
#include "random/counter_random.hpp"

using namespace attnflow;

namespace {
constexpr int max_degree = 16;
constexpr int harmonic_count = (max_degree + 1) * (max_degree + 1);
}  // namespace

TEST_CASE("Real spherical harmonics are orthonormal on S^2 (Gauss-Legendre x trapezoid quadrature)",
          "[diagnostics][harmonics]") {
  // A product of two degree <= 16 harmonics is a polynomial of degree <= 32 in z times a
  // trigonometric polynomial of order <= 32 in phi: 20 Gauss-Legendre nodes (exact to degree 39)
  // and 40 equispaced angles (exact to order 39) integrate it exactly, so the Gram matrix equals
  // the identity up to rounding (1e-12 covers 800 summed terms of size <= 1).
  const int nodes_z = 20, nodes_phi = 40;
  gsl_integration_glfixed_table* table = gsl_integration_glfixed_table_alloc(nodes_z);
  std::vector<double> gram(harmonic_count * harmonic_count, 0.0), values(harmonic_count);
  for (int a = 0; a < nodes_z; ++a) {
    double z = 0, wz = 0;
    gsl_integration_glfixed_point(-1.0, 1.0, a, &z, &wz, table);
    for (int b = 0; b < nodes_phi; ++b) {
      const double phi = 2 * std::numbers::pi * b / nodes_phi;
      const double s = std::sqrt(1 - z * z);
      const double x[3] = {s * std::cos(phi), s * std::sin(phi), z};
      domain::real_spherical_harmonics(x, max_degree, values);
      const double w = wz * 2 * std::numbers::pi / nodes_phi;
      for (int p = 0; p < harmonic_count; ++p)
        for (int q = 0; q < harmonic_count; ++q) gram[p * harmonic_count + q] += w * values[p] * values[q];
    }
  }
  gsl_integration_glfixed_table_free(table);
  double worst = 0;
  for (int p = 0; p < harmonic_count; ++p)
    for (int q = 0; q < harmonic_count; ++q)
      worst = std::max(worst, std::abs(gram[p * harmonic_count + q] - (p == q ? 1.0 : 0.0)));
  REQUIRE(worst < 1e-12);
}

TEST_CASE("Spherical harmonics obey the addition theorem and Y_1m = sqrt(3/(4 pi)) x",
          "[diagnostics][harmonics]") {
  random::CounterRandom rng(11, random::Stream::test);
  std::vector<double> values(harmonic_count);
  for (int i = 0; i < 50; ++i) {
    double x[3];
    rng.normals(i, 0, x);
    const double r = std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
    for (double& v : x) v /= r;
    if (i == 0) x[0] = x[1] = 0, x[2] = -1;  // the pole
    domain::real_spherical_harmonics(x, max_degree, values);
    for (int l = 0; l <= max_degree; ++l) {
      double s = 0;
      for (int m = -l; m <= l; ++m) s += values[l * l + l + m] * values[l * l + l + m];
      // sum_m Y_lm(x)^2 = (2l+1)/(4 pi); 2l+1 rounded squares: 1e-12 relative.
      REQUIRE(s == Approx((2 * l + 1) / (4 * std::numbers::pi)).epsilon(1e-12));
    }
    const double c1 = std::sqrt(3 / (4 * std::numbers::pi));
    REQUIRE(values[1] == Approx(c1 * x[1]).margin(1e-15));  // m = -1: sin phi
    REQUIRE(values[2] == Approx(c1 * x[2]).margin(1e-15));  // m = 0
    REQUIRE(values[3] == Approx(c1 * x[0]).margin(1e-15));  // m = 1: cos phi
  }
}

TEST_CASE("Harmonic power of one point mass is 1/(4 pi) in every degree", "[diagnostics][harmonics]") {
  // C_l = (1/(2l+1)) sum_m Y_lm(x)^2 = 1/(4 pi) by the addition theorem, for any N copies.
  std::vector<double> points;
  for (int i = 0; i < 7; ++i) points.insert(points.end(), {0.6, 0.0, -0.8});
  const auto power = domain::harmonic_power(points, 7.0, max_degree);
  REQUIRE(power.size() == max_degree + 1);
  for (double c : power) REQUIRE(c == Approx(1 / (4 * std::numbers::pi)).epsilon(1e-12));
}

TEST_CASE("Fourier moduli of k equal masses on a regular k-gon vanish unless k divides the mode",
          "[diagnostics][harmonics]") {
  // m_j = (1/k) sum_a e^{-i j (t0 + 2 pi a / k)} is a root-of-unity sum: 1 when k | j, else 0.
  for (int k = 1; k <= 7; ++k) {
    std::vector<double> points;
    for (int a = 0; a < k; ++a) {
      const double t = 0.3 + 2 * std::numbers::pi * a / k;
      points.insert(points.end(), {std::cos(t), std::sin(t)});
    }
    const auto moduli = domain::fourier_moduli(points, k, 16);
    for (int j = 1; j <= 16; ++j) REQUIRE(moduli[j - 1] == Approx(j % k == 0 ? 1.0 : 0.0).margin(1e-13));
  }
}

TEST_CASE("Real spherical harmonics satisfy the addition theorem", "[domain]") {
  // sum_m Y_lm(x) Y_lm(y) = (2l+1)/(4 pi) P_l(<x, y>); Legendre from the C++17 library.
  const int degree = 40;
  const auto points = benchmark::random_sphere_points(0, 6, 3, 5);
  std::vector<double> yx((degree + 1) * (degree + 1)), yy(yx.size());
  double worst = 0;
  for (int p = 0; p < 5; ++p) {
    const double* x = points.data() + 3 * p;
    const double* y = points.data() + 3 * (p + 1);
    domain::real_spherical_harmonics({x, 3}, degree, yx);
    domain::real_spherical_harmonics({y, 3}, degree, yy);
    const double c = x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
    for (int l = 0; l <= degree; ++l) {
      double sum = 0;
      for (int s = l * l; s < (l + 1) * (l + 1); ++s) sum += yx[s] * yy[s];
      const double expected = (2 * l + 1) / (4 * std::numbers::pi) * std::legendre(l, c);
      worst = std::max(worst, std::abs(sum - expected) / ((2 * l + 1) / (4 * std::numbers::pi)));
    }
  }
  CHECK(worst < 1e-12);  // recurrences of depth 40 in double: a few hundred ulp at most
}

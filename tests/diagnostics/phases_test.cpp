// Phase observables (diagnostics/phases.hpp, docs/mathematics.md section 10) against facts of
// linear algebra and the ring rotation law, at 1-4 ranks; rows bitwise the same as on one rank.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "diagnostics/phases.hpp"
#include "interaction/engine.hpp"
#include "parallel/exact_sum.hpp"
#include "parallel/partition.hpp"
#include "particles/initial_state.hpp"
#include "stepper/integrator.hpp"
#include "stepper/velocity.hpp"
#include "support/gather.hpp"
#include "support/models.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

// M = [[a, -b, 0], [b, a, 0], [0, 0, c]]: eigenvalues a +- i b and c.
model::Matrix rotating_plane(double a, double b, double c) {
  return model::Matrix{3, {a, -b, 0, b, a, 0, 0, 0, c}};
}


// N tokens evenly spaced on the unit circle of the plane spanned by e_0, e_1 (d = 3), offset by
// half a spacing.
std::vector<double> ring(std::int64_t n, double phase = 0.3) {
  std::vector<double> all(n * 3, 0.0);
  for (std::int64_t j = 0; j < n; ++j) {
    const double theta = phase + 2 * std::numbers::pi * double(j) / double(n);
    all[j * 3] = std::cos(theta);
    all[j * 3 + 1] = std::sin(theta);
  }
  return all;
}

}  // namespace

TEST_CASE("Exact sums do not depend on the order or the rank count", "[diagnostics][parallel]") {
  // Terms k / 7 - 0.3 (inexact in binary) for k = 0..999 split over the ranks: the reduced sum
  // equals the one-rank sum bitwise and the long double sum to rounding of the result.
  const int rank = testing::world_rank(), size = testing::world_size();
  parallel::ExactSums world(2), self(2);
  long double reference = 0;
  for (int k = 0; k < 1000; ++k) {
    const double term = k / 7.0 - 0.3;
    reference += term;
    if (k % size == rank) world.add(0, term);
    self.add(0, term);
  }
  world.add(1, std::nan(""));
  const auto a = world.reduce(MPI_COMM_WORLD), b = self.reduce(MPI_COMM_SELF);
  CHECK(a[0] == b[0]);
  CHECK(a[0] == Approx(double(reference)).epsilon(1e-15));
  CHECK(std::isnan(a[1]));
  CHECK(b[1] == 0.0);
}

TEST_CASE("Exact sums stay exact past the limbs' double accumulators (2^22 terms)",
          "[diagnostics][parallel]") {
  // 2^23 + 5 copies of fl(0.1) and of -fl(1/3), added one by one and as a span, split over the
  // ranks: the sums are n fl(0.1) and -n fl(1/3) exactly (as integers times 2^-120; the products
  // n fl(x) below are exact up to one rounding of the result, which both sides share). A plain
  // double sum of that many terms is off by ~1e-10 relative.
  const int rank = testing::world_rank(), size = testing::world_size();
  const std::int64_t n = (std::int64_t(1) << 23) + 5;
  parallel::ExactSums sums(3);
  const std::vector<double> pair = {-1.0 / 3.0, 0.1};
  double plain = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    if (k % size != rank) continue;
    sums.add(0, 0.1);
    sums.add(1, pair);
    plain += 0.1;
  }
  const auto total = sums.reduce(MPI_COMM_WORLD);
  CHECK(total[0] == double(n) * 0.1);
  CHECK(total[1] == double(n) * (-1.0 / 3.0));
  CHECK(total[2] == double(n) * 0.1);
  if (size == 1) CHECK(plain != double(n) * 0.1);  // the test would not see a double accumulator
}

TEST_CASE("Eigenvalues by Hessenberg-QR: a rotating plane, a companion matrix, a random matrix",
          "[diagnostics]") {
  auto plane = diagnostics::eigenvalues(rotating_plane(1, 2.5, -0.5).entries, 3);
  REQUIRE(plane.size() == 3);
  CHECK(plane[0].real() == Approx(1).epsilon(1e-14));
  CHECK(plane[0].imag() == Approx(2.5).epsilon(1e-14));
  CHECK(plane[1].imag() == Approx(-2.5).epsilon(1e-14));
  CHECK(plane[2].real() == Approx(-0.5).epsilon(1e-14));
  CHECK(plane[2].imag() == 0);
  // (x - 3)(x - 2)(x + 1)(x^2 + 4) = x^5 - 4x^4 + 5x^3 - 10x^2 + 4x + 24: companion matrix.
  const std::vector<double> coefficients = {-4, 5, -10, 4, 24};
  std::vector<double> companion(25, 0.0);
  for (int j = 0; j < 5; ++j) companion[j] = -coefficients[j];
  for (int i = 1; i < 5; ++i) companion[i * 5 + i - 1] = 1;
  const auto roots = diagnostics::eigenvalues(companion, 5);
  const std::vector<std::complex<double>> expected = {{3, 0}, {2, 0}, {0, 2}, {0, -2}, {-1, 0}};
  for (int k = 0; k < 5; ++k) CHECK(std::abs(roots[k] - expected[k]) < 1e-12);
  // A 6 x 6 matrix: the eigenvalues sum to the trace and multiply to the determinant's sign
  // times |det| (checked against the product of the singular values).
  std::vector<double> general(36);
  for (int i = 0; i < 36; ++i) general[i] = std::sin(1.3 * i + 0.7) + (i % 7 == 0 ? 0.5 : 0.0);
  const auto values = diagnostics::eigenvalues(general, 6);
  std::complex<double> sum = 0, product = 1;
  for (auto v : values) {
    sum += v;
    product *= v;
  }
  double trace = 0, singular_product = 1;
  for (int i = 0; i < 6; ++i) trace += general[i * 6 + i];
  for (double s : diagnostics::singular_values(general, 6)) singular_product *= s;
  CHECK(std::abs(sum - trace) < 1e-12);
  CHECK(std::abs(product.imag()) < 1e-12);
  CHECK(std::abs(product.real()) == Approx(singular_product).epsilon(1e-12));
}

TEST_CASE("The leading eigenspace is M-invariant, of the right dimension, and oriented",
          "[diagnostics]") {
  SECTION("rotating plane: the plane, turned by +b") {
    const auto space = diagnostics::leading_eigenspace(rotating_plane(1, 2, 0));
    REQUIRE(space.dimension == 2);
    CHECK(space.imaginary_part == Approx(2).epsilon(1e-14));
    CHECK(space.real_part == Approx(1).epsilon(1e-14));
    // Orthonormal, no e_2 component, and <u_2, M u_1> = +2.
    const auto& u = space.basis;
    CHECK(std::abs(u[2 * 2 + 0]) < 1e-14);
    CHECK(std::abs(u[2 * 2 + 1]) < 1e-14);
    double turn = 0;
    const auto m = rotating_plane(1, 2, 0);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) turn += u[i * 2 + 1] * m(i, j) * u[j * 2 + 0];
    CHECK(turn == Approx(2).epsilon(1e-13));
  }
  SECTION("a non-normal similarity transform of diag(2, 2, 1, -1): a 2-dimensional space") {
    // M = S D S^{-1} with S = I + N, N strictly upper triangular (S^{-1} = I - N + N^2 - N^3).
    const int d = 4;
    std::vector<double> s(16, 0.0), nilpotent(16, 0.0);
    for (int i = 0; i < d; ++i) s[i * d + i] = 1;
    for (int i = 0; i < d; ++i)
      for (int j = i + 1; j < d; ++j) nilpotent[i * d + j] = s[i * d + j] = 0.5 + 0.25 * (i + j);
    auto product = [d](const std::vector<double>& a, const std::vector<double>& b) {
      std::vector<double> c(16, 0.0);
      for (int i = 0; i < d; ++i)
        for (int k = 0; k < d; ++k)
          for (int j = 0; j < d; ++j) c[i * d + j] += a[i * d + k] * b[k * d + j];
      return c;
    };
    auto n2 = product(nilpotent, nilpotent), n3 = product(n2, nilpotent);
    std::vector<double> inverse(16);
    for (int i = 0; i < 16; ++i)
      inverse[i] = (i % 5 == 0 ? 1.0 : 0.0) - nilpotent[i] + n2[i] - n3[i];
    std::vector<double> diagonal(16, 0.0);
    const double eigen[4] = {2, 2, 1, -1};
    for (int i = 0; i < d; ++i) diagonal[i * d + i] = eigen[i];
    const model::Matrix m{d, product(product(s, diagonal), inverse)};
    const auto space = diagnostics::leading_eigenspace(m);
    REQUIRE(space.dimension == 2);
    CHECK(space.real_part == Approx(2).epsilon(1e-12));
    // The columns of S for eigenvalue 2 are e_0 and e_0 * s01 + e_1: E = span(e_0, e_1).
    for (int j = 0; j < 2; ++j) {
      CHECK(std::abs(space.basis[2 * 2 + j]) < 1e-12);
      CHECK(std::abs(space.basis[3 * 2 + j]) < 1e-12);
    }
  }
  SECTION("M = I: everything leads") {
    const auto space = diagnostics::leading_eigenspace(model::Matrix::identity(3));
    CHECK(space.dimension == 3);
  }
}

TEST_CASE("Second-moment spectrum and mass fraction of known configurations",
          "[diagnostics][parallel]") {
  auto m = testing::identity_model(3, 10);
  m.value = rotating_plane(1, 1, 0);
  diagnostics::PhaseObservables phases(m);
  const auto columns = diagnostics::PhaseObservables::column_names(3);
  REQUIRE(columns.size() == 7);
  SECTION("a ring in the leading plane: eigenvalues (1/2, 1/2, 0), mass fraction 1") {
    const auto state = testing::block_state(ring(40), 3, MPI_COMM_WORLD);
    const auto row = phases.row(state, std::vector<double>(state.positions.size(), 0.0));
    CHECK(row[0] == Approx(0.5).epsilon(1e-14));
    CHECK(row[1] == Approx(0.5).epsilon(1e-14));
    CHECK(std::abs(row[2]) < 1e-15);
    CHECK(row[3] == Approx(1).epsilon(1e-14));
    CHECK(row[6] == 0.0);  // no velocity: no rotation
  }
  SECTION("all tokens at e_2, orthogonal to the plane: (1, 0, 0), mass fraction 0") {
    std::vector<double> all(17 * 3, 0.0);
    for (int j = 0; j < 17; ++j) all[j * 3 + 2] = 1;
    const auto state = testing::block_state(all, 3, MPI_COMM_WORLD);
    const auto row = phases.row(state, std::vector<double>(state.positions.size(), 0.0));
    CHECK(row[0] == Approx(1).epsilon(1e-15));
    CHECK(std::abs(row[1]) < 1e-15);
    CHECK(std::abs(row[3]) < 1e-15);
    CHECK(std::isnan(row[6]));  // no mass in E: no rotation rate
  }
  SECTION("the row is bitwise the one of a single rank holding every token") {
    auto all = particles::uniform_state(101, 3, 5, MPI_COMM_SELF).positions;
    auto world = testing::block_state(all, 3, MPI_COMM_WORLD), self = testing::block_state(all, 3, MPI_COMM_SELF);
    world.time = self.time = 0.7;
    diagnostics::PhaseObservables a(m), b(m);
    a.set_initial(testing::block_state(all, 3, MPI_COMM_WORLD).positions);
    b.set_initial(all);
    std::vector<double> velocity(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) velocity[i] = std::cos(3.0 * double(i));
    const auto local = std::vector<double>(velocity.begin() + world.partition.first * 3,
                                           velocity.begin() + (world.partition.first + world.partition.count) * 3);
    const auto row_world = a.row(world, local), row_self = b.row(self, velocity);
    REQUIRE(row_world.size() == row_self.size());
    for (std::size_t c = 0; c < row_world.size(); ++c) CHECK(row_world[c] == row_self[c]);
    CHECK(std::isfinite(row_world[4]));  // the alignment columns are defined here (t = 0.7)
    // At t = 0 the prediction is normalize(x_i(0)) = x_i(0) up to the rounding of |x_i| = 1:
    // every angle a few ulps.
    world.time = 0;
    const auto at_start = a.row(world, local);
    CHECK(at_start[4] < 1e-15);
    CHECK(at_start[5] < 1e-15);
  }
}

TEST_CASE("Ring rotation law: omega = b I_1(beta) / I_0(beta) (docs/mathematics.md section 10.1)",
          "[diagnostics][parallel]") {
  // A uniform ring of N tokens under SA with Q = K = I, V = [[1,-b,0],[b,1,0],[0,0,0]]. The
  // ring's sums are trapezoidal rules of periodic analytic functions, exact up to terms of size
  // I_N(beta) / I_0(beta) ~ e^{-N^2 / (2 beta)} (< 1e-30 for N = 128, beta <= 100). Two
  // measurements: the rotation_rate column (the velocities), to 1e-6 as the issue asks and in
  // fact to 1e-12, and the angle a token turns through under RK4 with h = 0.02 over T = 1: RK4's
  // phase error on a rotation is (h omega)^5 / 120 per step, so omega T (h omega)^4 / 120 < 5e-10
  // in all (measured: 3e-10 and 4e-10 at the two largest beta).
  const double b = 0.8;
  for (double beta : {0.5, 4.0, 30.0, 100.0}) {
    auto m = testing::identity_model(3, beta);
    m.value = rotating_plane(1, b, 0);
    const double omega = b * std::cyl_bessel_i(1.0, beta) / std::cyl_bessel_i(0.0, beta);
    const std::int64_t n = 128;
    auto state = testing::block_state(ring(n), 3, MPI_COMM_WORLD);
    const auto kernel = interaction::Kernel::from_model(m);
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
    auto velocity_field = stepper::make_velocity_field(m, *engine, n);
    diagnostics::PhaseObservables phases(m);
    std::vector<double> velocity(state.positions.size());
    velocity_field.evaluate(state.positions, velocity);
    const double rate = phases.row(state, velocity).back();
    CHECK(rate == Approx(omega).epsilon(1e-6));
    CHECK(rate == Approx(omega).epsilon(1e-12));
    auto rk4 = stepper::make_integrator("rk4", velocity_field, m, 1, 1.0);
    for (int k = 0; k < 50; ++k) rk4->step(state, 0.02);
    // Every token turned by omega T: token j's angle is 0.3 + 2 pi j / N + omega.
    double worst = 0;
    for (std::int64_t i = 0; i < state.partition.count; ++i) {
      const double j = double(state.partition.first + i);
      const double expected = 0.3 + 2 * std::numbers::pi * j / double(n) + omega * 1.0;
      const double* x = state.positions.data() + i * 3;
      const double turned = std::remainder(std::atan2(x[1], x[0]) - expected, 2 * std::numbers::pi);
      worst = std::max(worst, std::abs(turned) + std::abs(x[2]));
    }
    CHECK(worst < 1e-6 * omega);
    CHECK(worst < 1e-9);
  }
}

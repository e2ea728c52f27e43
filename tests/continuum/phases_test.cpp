// The continuum's phase observables (diagnostics/phases.hpp on the cell masses at the centres,
// docs/mathematics.md section 10) against closed forms at t = 0, against the particle solver from
// the same smooth density at t = 1, and across rank counts. 1-4 ranks.
#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <map>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "continuum/circle_support.hpp"
#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "continuum/sphere_support.hpp"
#include "continuum/writer.hpp"
#include "diagnostics/phases.hpp"
#include "interaction/engine.hpp"
#include "particles/initial_state.hpp"
#include "stepper/integrator.hpp"
#include "stepper/velocity.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

constexpr double pi = std::numbers::pi;

// The solver's diagnostics row by column name (continuum::diagnostic_columns).
std::map<std::string, double> diagnostics_row(continuum::Solver& solver) {
  const auto names = solver.diagnostic_columns();
  const auto row = solver.diagnostic_row();
  REQUIRE(row.size() == names.size());
  std::map<std::string, double> out;
  for (std::size_t c = 0; c < names.size(); ++c) out[names[c]] = row[c];
  return out;
}

// SA with Q = K = I and V = M.
model::Model value_model(int dimension, double beta, std::vector<double> value) {
  auto m = testing::identity_model(dimension, model::Attention::softmax, beta);
  m.value = model::Matrix{dimension, std::move(value)};
  return m;
}

continuum::InitialDensity von_mises(std::vector<double> mean, double kappa) {
  continuum::InitialDensity initial;
  initial.kind = "vmf";
  initial.mixture.means = {std::move(mean)};
  initial.mixture.concentrations = {kappa};
  initial.mixture.weights = {1.0};
  return initial;
}

continuum::InitialDensity uniform() {
  continuum::InitialDensity initial;
  initial.amplitude = 0;
  return initial;
}

}  // namespace

TEST_CASE("Circle phases at t = 0: uniform and von Mises densities, the ring law",
          "[continuum][circle][phases]") {
  // M cells of width dx, masses m_i = rho_i dx at the centres theta_i. The centre sums of
  // e^{i k theta} vanish for 0 < |k| < M, so the uniform density has M2 = I/2 exactly (to
  // rounding). A cell average of e^{i k theta} is sinc(k dx/2) e^{i k theta_i}: the von Mises
  // density rho = e^{kappa cos(theta - mu)} / (2 pi I_0) has int e^{2 i theta} rho =
  // r e^{2 i mu}, r = I_2(kappa)/I_0(kappa), and its cell masses give r s e^{2 i mu} with
  // s = sin(dx)/dx, up to the cells' 4-point Gauss rule (~(2 dx)^8) and aliasing (~I_{M-2}):
  // eigenvalues (1 +- r s)/2 to 1e-12 (measured 2e-16), and within r dx^2/12 of the exact
  // (1 +- r)/2: the lumping error of the centre rule is (1 - s) r / 2 = r dx^2/12 - r dx^4/240,
  // a tight bound whose margin (1.4e-9 here) is far above rounding. With V = diag(1, 1/2) the leading eigenspace
  // of M = V is e_0: leading_mass_fraction = int cos^2 theta rho = (1 + r s cos 2 mu)/2, and no
  // rotation rate (dim E = 1).
  const std::int64_t cells = 128;
  const double dx = 2 * pi / double(cells), s = std::sin(dx) / dx;
  {
    auto solver = testing::circle(testing::circle_model(model::Attention::softmax, 2.0), cells,
                                  "phase_uniform_", MPI_COMM_WORLD);
    solver->set_density(continuum::initial_cell_averages(*solver, uniform()));
    auto row = diagnostics_row(*solver);
    CHECK(row.at("second_moment_eigenvalue_1") == Approx(0.5).margin(1e-14));
    CHECK(row.at("second_moment_eigenvalue_2") == Approx(0.5).margin(1e-14));
    CHECK(row.at("leading_mass_fraction") == Approx(1.0).margin(1e-14));  // E = R^2
  }
  const double kappa = 1.5, mu = 0.4;
  const double r = std::cyl_bessel_i(2.0, kappa) / std::cyl_bessel_i(0.0, kappa);
  auto solver = testing::circle(value_model(2, 2.0, {1, 0, 0, 0.5}), cells, "phase_vmf_",
                                MPI_COMM_WORLD);
  solver->set_density(
      continuum::initial_cell_averages(*solver, von_mises({std::cos(mu), std::sin(mu)}, kappa)));
  auto row = diagnostics_row(*solver);
  const double first = row.at("second_moment_eigenvalue_1");
  const double second = row.at("second_moment_eigenvalue_2");
  const double fraction = row.at("leading_mass_fraction");
  if (testing::world_rank() == 0)
    std::printf("circle von Mises kappa %g, M = %lld: eigenvalues - (1 +- r)/2 = %.3e %.3e "
                "(bound r dx^2/12 = %.3e), - (1 +- r s)/2 = %.3e %.3e\n",
                kappa, (long long)cells, first - (1 + r) / 2, second - (1 - r) / 2,
                r * dx * dx / 12, first - (1 + r * s) / 2, second - (1 - r * s) / 2);
  CHECK(first == Approx((1 + r * s) / 2).margin(1e-12));
  CHECK(second == Approx((1 - r * s) / 2).margin(1e-12));
  CHECK(std::abs(first - (1 + r) / 2) <= r * dx * dx / 12);
  CHECK(std::abs(second - (1 - r) / 2) <= r * dx * dx / 12);
  CHECK(fraction == Approx((1 + r * s * std::cos(2 * mu)) / 2).margin(1e-12));
  CHECK(std::isnan(row.at("rotation_rate")));

  // The ring law (docs/mathematics.md section 10.1) for the uniform density: M = [[a, -b],
  // [b, a]] turns it at b I_1(beta)/I_0(beta). The SA average at a centre over the M equally
  // spaced point masses is (I_1/I_0) x up to aliasing ~ I_M(beta)/I_0: 1e-12 relative.
  const double a = 0.3, b = 0.7, beta = 3.0;
  auto ring = testing::circle(value_model(2, beta, {a, -b, b, a}), cells, "phase_ring_",
                              MPI_COMM_WORLD);
  ring->set_density(continuum::initial_cell_averages(*ring, uniform()));
  const double omega = b * std::cyl_bessel_i(1.0, beta) / std::cyl_bessel_i(0.0, beta);
  row = diagnostics_row(*ring);
  CHECK(row.at("rotation_rate") == Approx(omega).epsilon(1e-12));
  CHECK(row.at("leading_mass_fraction") == Approx(1.0).margin(1e-14));
}

TEST_CASE("Sphere phases at t = 0: the uniform density, the rotating plane",
          "[continuum][sphere][phases]") {
  // The refined icosphere is invariant under the icosahedral rotation group, which acts
  // irreducibly on R^3: by Schur's lemma an invariant symmetric sum_i m_i x_i x_i^T is a multiple
  // of I, and its trace is the mass. So the uniform density has M2 = I/3 to rounding (1e-13),
  // at every refinement, and with M = [[a, -b, 0], [b, a, 0], [0, 0, c]], c < a, the leading
  // eigenspace E = span(e_0, e_1) holds 2/3 of the mass. Its rotation rate is b L(beta),
  // L = coth - 1/beta (the SA average of the uniform sphere is L(beta) x, and only the
  // tangential rotation b J x survives the projection), up to the mesh's quadrature of the
  // kernel e^{beta <x, y>}, at least O(h^2); measured (relative) 1.2e-9, 4.7e-11, 2.6e-12 at
  // r = 2, 3, 4 (the symmetric mesh integrates the smooth kernel far better than h^2). Asserted:
  // below 1e-8 at r = 2 and falling by at least 4 (h^2) per refinement.
  const double a = 0.5, b = 0.8, c = -0.2, beta = 2.0;
  const auto m = value_model(3, beta, {a, -b, 0, b, a, 0, 0, 0, c});
  const double omega = b * (1 / std::tanh(beta) - 1 / beta);
  double previous = 0;
  for (int refinements : {2, 3, 4}) {
    const std::string prefix = "phase_sphere_" + std::to_string(refinements) + "_";
    auto solver = testing::sphere(m, refinements, prefix, MPI_COMM_WORLD);
    solver->set_density(continuum::initial_cell_averages(*solver, uniform()));
    const auto row = diagnostics_row(*solver);
    for (int j = 1; j <= 3; ++j)
      CHECK(row.at("second_moment_eigenvalue_" + std::to_string(j)) ==
            Approx(1.0 / 3).margin(1e-13));
    CHECK(row.at("leading_mass_fraction") == Approx(2.0 / 3).margin(1e-13));
    const double error = std::abs(row.at("rotation_rate") / omega - 1);
    if (testing::world_rank() == 0)
      std::printf("sphere r = %d (%lld cells): rotation_rate / (b L(beta)) - 1 = %.3e\n",
                  refinements, (long long)solver->global_cells(),
                  row.at("rotation_rate") / omega - 1);
    if (refinements == 2) CHECK(error <= 1e-8);
    if (refinements > 2) CHECK(previous / error >= 4);
    previous = error;
  }
}

TEST_CASE("Phase columns do not depend on the rank count", "[continuum][phases][parallel]") {
  // The same cell averages (a smooth positive density, evaluated cell by cell) on all ranks and
  // on each rank alone: the sums are exact fixed-point sums (parallel/exact_sum.hpp) of per-cell
  // terms, so the columns agree bitwise wherever the per-cell terms do. They do on the circle
  // (centres, masses and the engine's source order are canonical there). On the sphere the
  // engine sums the sources in storage order, which PETSc's distribution may make rank-dependent,
  // so the velocity in the rotation rate could differ by rounding: 1e-13 relative there (measured:
  // bitwise at 2-4 ranks), bitwise for the rest.
  auto density = [](std::span<const double> x) {
    return 1 + 0.5 * x[0] + 0.3 * x[0] * x[1] - 0.2 * x[1];
  };
  const double a = 0.3, b = 0.7;
  struct Case {
    std::string name;
    model::Model model;
  };
  for (const auto& test : {Case{"circle", value_model(2, 3.0, {a, -b, b, a})},
                           Case{"sphere", value_model(3, 3.0, {a, -b, 0, b, a, 0, 0, 0, -a})}}) {
    std::vector<double> together, alone;
    for (MPI_Comm comm : {MPI_COMM_WORLD, MPI_COMM_SELF}) {
      const std::string prefix =
          "phase_ranks_" + test.name + (comm == MPI_COMM_SELF ? "_self_" : "_");
      auto solver = test.model.dimension == 2 ? testing::circle(test.model, 96, prefix, comm)
                                              : testing::sphere(test.model, 2, prefix, comm);
      solver->set_density(solver->cell_averages(density));
      (comm == MPI_COMM_SELF ? alone : together) = solver->diagnostics(1).phases;
    }
    REQUIRE(together.size() == alone.size());
    const std::size_t rotation = together.size() - 1;  // rotation_rate is the last column
    if (testing::world_rank() == 0)
      std::printf("%s on %d ranks vs 1: rotation_rate difference %.3e\n", test.name.c_str(),
                  testing::world_size(), together[rotation] - alone[rotation]);
    for (std::size_t c = 0; c < together.size(); ++c) {
      INFO(test.name << " phase column " << c << ": " << together[c] << " vs " << alone[c]
                     << " (difference " << together[c] - alone[c] << ")");
      CHECK(std::isfinite(together[c]));
      if (test.name == "sphere" && c == rotation)
        CHECK(together[c] == Approx(alone[c]).epsilon(1e-13));
      else
        CHECK(together[c] == alone[c]);
    }
  }
}

TEST_CASE("Particles and the continuum agree on the phase columns from the same density",
          "[continuum][circle][phases][parallel]") {
  // SA with beta = 4 and V = diag(1, 1/2) (the tokens align on e_0) from the von Mises density
  // kappa = 1 around theta = 1, to t = 1: N = 2000 iid particles (RK4, h = 0.02: time error
  // ~1e-8) against the continuum at M = 128 and 256 cells. The particles' M2 and leading mass
  // are means of (u.x)^2 and x_0^2 over the tokens (u the top eigenvector), so their sampling
  // error is about sigma = std(f) / sqrt(N) (estimated from the tokens at t = 1; the flow
  // changes the constant, not the N^{-1/2}); the continuum's grid error at 256 cells is bounded
  // by its difference to 128 cells (second order: the difference is ~3 times the error).
  // Asserted: |particles - continuum(256)| <= 5 sigma + |continuum(128) - continuum(256)|.
  // Measured: sigma 7.8e-3 for both, grid differences 6.2e-5 (lambda_1) and 4.8e-5 (fraction),
  // observed |particles - continuum| 1.3 sigma and 1.25 sigma.
  const double beta = 4.0, kappa = 1.0, mean = 1.0, horizon = 1.0, h = 0.02;
  const std::int64_t tokens = 2000;
  const auto m = value_model(2, beta, {1, 0, 0, 0.5});
  const auto initial = von_mises({std::cos(mean), std::sin(mean)}, kappa);

  auto state = particles::mixture_state(tokens, 2, initial.mixture, 5, MPI_COMM_WORLD);
  const auto kernel = interaction::Kernel::from_model(m);
  auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
  auto velocity = stepper::make_velocity_field(m, *engine, tokens);
  auto rk4 = stepper::make_integrator("rk4", velocity, m, 1, 1.0);
  for (int k = 0; k < int(std::lround(horizon / h)); ++k) rk4->step(state, h);
  state.time = horizon;
  diagnostics::PhaseObservables phases(m);
  const auto particle_row = phases.row(state, {});
  const double particle_top = particle_row[0], particle_fraction = particle_row[2];

  // The sampling errors: the standard deviations of (u.x)^2 and x_0^2 over the tokens.
  double local[5] = {0, 0, 0, 0, 0};  // sums of x0^2, x0 x1, x0^4, x0^3 x1, x0^2 x1^2
  for (std::int64_t i = 0; i < state.partition.count; ++i) {
    const double x0 = state.positions[2 * i], x1 = state.positions[2 * i + 1];
    local[0] += x0 * x0;
    local[1] += x0 * x1;
    local[2] += x0 * x0 * x0 * x0;
    local[3] += x0 * x0 * x0 * x1;
    local[4] += x0 * x0 * x1 * x1;
  }
  MPI_Allreduce(MPI_IN_PLACE, local, 5, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  for (double& v : local) v /= double(tokens);
  // u = (cos phi, sin phi), the top eigenvector of [[c00, c01], [c01, 1 - c00]].
  const double phi = 0.5 * std::atan2(2 * local[1], 2 * local[0] - 1);
  const double cu = std::cos(phi), su = std::sin(phi);
  // E (u.x)^4 = E (cu x0 + su x1)^4 with x1^2 = 1 - x0^2.
  const double x0x1_3 = local[1] - local[3];                  // E x0 x1^3
  const double x1_4 = 1 - 2 * local[0] + local[2];            // E x1^4
  const double u4 = cu * cu * cu * cu * local[2] + 4 * cu * cu * cu * su * local[3] +
                    6 * cu * cu * su * su * local[4] + 4 * cu * su * su * su * x0x1_3 +
                    su * su * su * su * x1_4;
  const double sigma_top =
      std::sqrt(std::max(0.0, u4 - particle_top * particle_top) / double(tokens));
  const double sigma_fraction =
      std::sqrt(std::max(0.0, local[2] - local[0] * local[0]) / double(tokens));

  std::vector<std::vector<double>> continuum_rows;
  for (std::int64_t cells : {128, 256}) {
    auto solver = testing::circle(m, cells, "phase_compare_" + std::to_string(cells) + "_",
                                  MPI_COMM_WORLD);
    solver->set_density(continuum::initial_cell_averages(*solver, initial));
    solver->advance_to(horizon);
    continuum_rows.push_back(solver->diagnostics(1).phases);
  }
  const auto& coarse = continuum_rows[0];
  const auto& fine = continuum_rows[1];
  const double grid_top = std::abs(coarse[0] - fine[0]);
  const double grid_fraction = std::abs(coarse[2] - fine[2]);
  if (testing::world_rank() == 0)
    std::printf("particles (N = %lld) vs continuum at t = %g: lambda_1 %.6f vs %.6f (grid %.2e, "
                "sigma %.2e, z = %.2f); leading_mass_fraction %.6f vs %.6f (grid %.2e, sigma "
                "%.2e, z = %.2f)\n",
                (long long)tokens, horizon, particle_top, fine[0], grid_top, sigma_top,
                std::abs(particle_top - fine[0]) / sigma_top, particle_fraction, fine[2],
                grid_fraction, sigma_fraction,
                std::abs(particle_fraction - fine[2]) / sigma_fraction);
  CHECK(std::abs(particle_top - fine[0]) <= 5 * sigma_top + grid_top);
  // lambda_2 = 1 - lambda_1 in both (d = 2): the same error.
  CHECK(std::abs(particle_row[1] - fine[1]) <= 5 * sigma_top + grid_top);
  CHECK(std::abs(particle_fraction - fine[2]) <= 5 * sigma_fraction + grid_fraction);
  // The alignment has happened in both: more mass near e_0 than at t = 0 ((1 + r cos 2)/2).
  const double r = std::cyl_bessel_i(2.0, kappa) / std::cyl_bessel_i(0.0, kappa);
  CHECK(fine[2] > (1 + r * std::cos(2 * mean)) / 2 + 0.05);
}

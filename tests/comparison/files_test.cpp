// attnflow::comparison on real run files: a particle file (particles::RunWriter) and a continuum file
// (continuum::Writer) written at 1-4 ranks and compared; the known W1 of quantile placement and
// the sphere histogram of particles placed one per triangle.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <vector>

#include "comparison/compare.hpp"
#include "comparison/distance.hpp"
#include "errors/errors.hpp"
#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "continuum/writer.hpp"
#include "diagnostics/diagnostics.hpp"
#include "geometry/sphere.hpp"
#include "parallel/partition.hpp"
#include "particles/particle_file.hpp"
#include "particles/initial_state.hpp"
#include "support/kernels.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

// The solver's density at t = 0 and after advancing to each later time, with diagnostics, as a
// continuum run file.
void write_continuum_file(const std::string& path, continuum::Solver& solver,
                          const std::vector<double>& later_times) {
  continuum::Writer writer(path, solver, "", {}, true);
  const int moments = continuum::max_moment(solver.dimension());
  writer.write_snapshot(solver);
  writer.write_diagnostics(solver.diagnostics(moments));
  for (double t : later_times) {
    solver.advance_to(t);
    writer.write_snapshot(solver);
    writer.write_diagnostics(solver.diagnostics(moments));
  }
  writer.finish();
}

// Both files read back and compared serially (call on rank 0 after the writers finished).
struct Compared {
  comparison::ParticleRun particles;
  comparison::ContinuumRun continuum;
  comparison::Comparison result;
};
Compared read_and_compare(const std::string& particle_path, const std::string& continuum_path) {
  Compared c{comparison::read_particle_run(particle_path),
             comparison::read_continuum_run(continuum_path), {}};
  c.result = comparison::compare(c.particles, c.continuum, 1e-9);
  return c;
}

}  // namespace

TEST_CASE("compare: quantile particles against the continuum density at the same time", "[comparison][parallel]") {
  const std::string directory =
      testing::scratch_directory("comparison_files_" + std::to_string(testing::world_size()));
  const std::string particle_path = directory + "/particles.h5", continuum_path = directory + "/continuum.h5";
  const std::int64_t tokens = 2000, cells = 512;
  model::Model m;
  m.dimension = 2;
  m.beta = 1.0;
  m.attention = model::Attention::softmax;
  m.query = m.key = m.value = model::Matrix::identity(2);
  {
    density::CircleDensity circle;
    circle.amplitude = 0.5;
    circle.mode = 2;
    const auto state = particles::circle_density_state(tokens, circle, particles::Placement::quantile,
                                                       1, MPI_COMM_WORLD);
    particles::RunWriter writer(particle_path, MPI_COMM_WORLD, 2, tokens, diagnostics::column_names(2),
                             "", {}, true);
    writer.write_snapshot(state);
    writer.write_diagnostics(diagnostics::compute(state, m, 1e-3, nullptr));
    writer.finish();
  }
  {
    auto solver = continuum::make_solver(m, cells, 0, continuum::Settings{}, MPI_COMM_WORLD);
    continuum::InitialDensity initial;
    initial.degree = 2;
    initial.amplitude = 0.5;
    solver->set_density(continuum::initial_cell_averages(*solver, initial));
    // No particle snapshot at t = 0.25: reported unmatched.
    write_continuum_file(continuum_path, *solver, {0.25});
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (testing::world_rank() != 0) return;  // the comparison is serial (rank 0)
  const auto result = read_and_compare(particle_path, continuum_path).result;
  REQUIRE(result.rows.size() == 1);
  REQUIRE(result.unmatched_times.size() == 1);
  CHECK(result.unmatched_times[0] == Approx(0.25));
  const auto& row = result.rows[0];
  CHECK(row[0] == 0.0);
  // Quantile placement: W1 = pi / (2N) (1 + O(1/N)) against the exact density (tests in
  // distance_test); the piecewise-linear cell CDF adds at most 2 pi h^2 max|rho'| / 8 with
  // h = 2 pi / M and max|rho'| = 0.5 * 2 / (2 pi): 2.4e-5 here, 3 % of pi / (2N) = 7.9e-4.
  const double h = 2 * std::numbers::pi / cells;
  CHECK(std::abs(row[4] - std::numbers::pi / (2 * tokens)) <=
        0.01 * std::numbers::pi / (2 * tokens) + 2 * std::numbers::pi * h * h * (1 / std::numbers::pi) / 8);
  // |m_2| = eps / 2 = 0.25 for both; quantiles reproduce it to O(1/N^2), the cell averages to
  // O(h^2): far below 1e-3. |m_1|, |m_3|, |m_4| vanish for both (mode 2 has only even harmonics
  // of order 2 k), quantile |m_4| = O(1/N^2).
  for (int k = 1; k <= 4; ++k) CHECK(std::abs(row[7 + std::size_t(k)]) < 1e-3);
  // The energy: with quantile placement the double sum over all pairs (i = j included) is the
  // midpoint rule in the quantile variable of a smooth periodic integrand, accurate far beyond
  // O(1/N) (iid placement would carry the self-interaction offset 1/(2 beta N) = 2.5e-4); the cell
  // quadrature adds O(h^2) ~ 1e-5. A wrong normalisation or time unit would show at 1e-2.
  CHECK(std::abs(row[7]) < 1e-4);
  // Wrong inputs: the files swapped, a missing file.
  CHECK_THROWS_AS(comparison::read_particle_run(continuum_path), errors::InputError);
  CHECK_THROWS_AS(comparison::read_continuum_run(particle_path), errors::InputError);
  CHECK_THROWS_AS(comparison::read_particle_run(directory + "/missing.h5"), errors::InputError);
}

TEST_CASE("compare on the sphere: particles near cell corners are binned to their own triangles",
          "[comparison][parallel]") {
  // One particle in every cell of a refine-2 sphere (320 cells), at the normalised barycentric
  // point (0.9, 0.05, 0.05) of its triangle: next to a corner, where the cells around that corner
  // have nearly equal centre distances and nearest-centre binning sends many particles to a
  // neighbour. Binned by containing triangle, cell i holds exactly one particle, so against the
  // uniform density (q_i = A_i / 4 pi) histogram_l1 = sum_i |1/M - A_i / (4 pi)| from the file's
  // areas, to rounding (1e-12); the nearest-centre histogram of the same points is checked to be
  // different (else this would not test the binning). A sphere file without /mesh/vertices
  // (written before they were stored) is refused with a message saying to regenerate it.
  const std::string directory =
      testing::scratch_directory("comparison_sphere_" + std::to_string(testing::world_size()));
  const std::string particle_path = directory + "/particles.h5", continuum_path = directory + "/continuum.h5";
  const model::Model m = testing::identity_model(3, model::Attention::softmax, 1.0);
  continuum::Settings settings;
  settings.options_prefix = "comparison_sphere_";
  auto solver = continuum::make_solver(m, 0, 2, settings, MPI_COMM_WORLD);
  const std::int64_t cells = solver->global_cells();
  const auto vertices = parallel::all_rows(solver->cell_vertices(), solver->global_indices(), 9,
                                           cells, MPI_COMM_WORLD);
  {
    particles::State state;
    state.dimension = 3;
    state.comm = MPI_COMM_WORLD;
    state.partition = parallel::block_partition(cells, MPI_COMM_WORLD);
    for (std::int64_t j = state.partition.first; j < state.partition.first + state.partition.count; ++j) {
      double p[3];
      for (int r = 0; r < 3; ++r)
        p[r] = 0.9 * vertices[9 * j + r] + 0.05 * vertices[9 * j + 3 + r] + 0.05 * vertices[9 * j + 6 + r];
      const double n = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
      for (double x : p) state.positions.push_back(x / n);
    }
    particles::RunWriter writer(particle_path, MPI_COMM_WORLD, 3, cells, diagnostics::column_names(3), "",
                             {}, true);
    writer.write_snapshot(state);
    writer.write_diagnostics(diagnostics::compute(state, m, 1e-3, nullptr));
    writer.finish();
  }
  {
    continuum::InitialDensity initial;
    initial.amplitude = 0;  // uniform
    solver->set_density(continuum::initial_cell_averages(*solver, initial));
    write_continuum_file(continuum_path, *solver, {});
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (testing::world_rank() != 0) return;  // the comparison is serial (rank 0)
  const auto [particles_run, continuum_run, result] = read_and_compare(particle_path, continuum_path);
  REQUIRE(result.rows.size() == 1);
  CHECK(result.unlocated_points == 0);
  double expected = 0;
  for (double area : continuum_run.measures)
    expected += std::abs(1.0 / double(cells) - area / (4 * std::numbers::pi));
  const auto positions = particles_run.positions(0);
  std::vector<double> nearest(static_cast<std::size_t>(cells), 0.0);
  for (auto c : geometry::nearest_centres(positions, continuum_run.centres, 3)) nearest[std::size_t(c)] += 1;
  const double nearest_l1 = comparison::histogram_l1(nearest, continuum_run.measures);
  std::cout << "sphere comparison: histogram_l1 " << result.rows[0][4] << ", expected " << expected
            << ", nearest-centre bins " << nearest_l1 << "\n";
  CHECK(std::abs(result.rows[0][4] - expected) < 1e-12);
  CHECK(nearest_l1 > expected + 0.1);
  // The same file without /mesh/vertices, as written before they were stored.
  const std::string old_path = directory + "/old_continuum.h5";
  std::filesystem::copy_file(continuum_path, old_path, std::filesystem::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(old_path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  H5Ldelete(file, "mesh/vertices", H5P_DEFAULT);
  H5Fclose(file);
  try {
    comparison::read_continuum_run(old_path);
    FAIL("a sphere file without /mesh/vertices was accepted");
  } catch (const errors::InputError& e) {
    CHECK(std::string(e.what()).find("regenerate") != std::string::npos);
  }
}

// The continuum output file: layout, rank-count independent content and the refusal to
// overwrite (conventions: bad input writes nothing).
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <vector>

#include "errors/errors.hpp"
#include "continuum/circle_support.hpp"
#include "continuum/initial.hpp"
#include "continuum/writer.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;
namespace fs = std::filesystem;

namespace {

// Reads a whole double dataset serially; extent returned in `shape`.
std::vector<double> read_dataset(const std::string& path, const char* name,
                                 std::vector<hsize_t>& shape) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(dataset);
  shape.assign(H5Sget_simple_extent_ndims(space), 0);
  H5Sget_simple_extent_dims(space, shape.data(), nullptr);
  std::size_t total = 1;
  for (auto e : shape) total *= e;
  std::vector<double> values(total);
  H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Sclose(space);
  H5Dclose(dataset);
  H5Fclose(file);
  return values;
}

}  // namespace

TEST_CASE("Continuum writer: snapshots, diagnostics, sidecars; no overwrite", "[continuum][output]") {
  const std::string directory = testing::scratch_directory("continuum_writer");
  const std::string path = directory + "/run.h5";
  const std::int64_t cells = 64;
  auto solver = testing::circle(testing::circle_model(model::Attention::softmax, 4.0), cells,
                                "writer_", MPI_COMM_WORLD);
  continuum::InitialDensity initial;
  initial.kind = "noise";
  initial.amplitude = 0.5;
  solver->set_density(continuum::initial_cell_averages(*solver, initial));
  {
    continuum::Writer writer(path, *solver, "model = sa\n", {{"model", "sa"}}, false);
    for (int n = 0; n <= 3; ++n) {
      solver->advance_to(0.5 * n);
      writer.write_snapshot(*solver);
      writer.write_diagnostics(solver->diagnostics(continuum::max_moment(2)));
    }
    writer.finish();
  }
  const auto final_density = testing::gather_density(*solver);
  bool exists_partial = true, sidecars = false, refused = false;
  std::vector<hsize_t> density_shape, table_shape, index_shape;
  std::vector<double> density, table, index;
  if (testing::world_rank() == 0) {
    exists_partial = fs::exists(path + ".partial");
    sidecars = fs::exists(directory + "/run.xdmf") && fs::exists(directory + "/run.csv");
    density = read_dataset(path, "density", density_shape);
    table = read_dataset(path, "diagnostics", table_shape);
    index = read_dataset(path, "mesh/cell_index", index_shape);
  }
  try {
    continuum::Writer again(path, *solver, "", {}, false);
  } catch (const errors::InputError&) {
    refused = true;  // thrown on every rank (collective check)
  }
  CHECK(refused);
  if (testing::world_rank() == 0) {
    CHECK_FALSE(exists_partial);
    CHECK(sidecars);
    REQUIRE(density_shape == std::vector<hsize_t>{4, hsize_t(cells)});
    // time, mass, min_density, energy_scaled, energy_a_scaled, mean_cosine, mean_squared_cosine,
    // then 16 Fourier moduli, then the phase columns second_moment_eigenvalue_1..2,
    // leading_mass_fraction, rotation_rate (continuum::diagnostic_columns).
    const std::size_t columns = 7 + 16 + 4;
    REQUIRE(table_shape == std::vector<hsize_t>{4, columns});
    // The last snapshot is the solver's density in global order (independent of the ranks).
    for (std::int64_t i = 0; i < cells; ++i) CHECK(density[3 * cells + i] == final_density[i]);
    for (std::int64_t i = 0; i < cells; ++i) CHECK(index[i] == double(i));
    // Columns time, mass: the recorded times and mass 1 (normalised initial density).
    for (int r = 0; r < 4; ++r) {
      CHECK(table[r * columns] == Approx(0.5 * r).margin(1e-14));
      CHECK(table[r * columns + 1] == Approx(1.0).epsilon(1e-13));
    }
  }
}

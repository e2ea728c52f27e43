#include "comparison/files.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <numeric>

#include "errors/errors.hpp"
#include "output/hdf5.hpp"
#include "output/input_check.hpp"
#include "particles/particle_file.hpp"

namespace attnflow::comparison {

namespace {

using output::Handle;

Handle open_for_reading(const std::string& path, const std::string& what) {
  output::silence_hdf5_errors();
  errors::require(std::filesystem::is_regular_file(path), what + " file '" + path + "' does not exist");
  output::require_readable(path, MPI_COMM_SELF);
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  errors::require(file.valid(), what + " file '" + path + "' is not an HDF5 file");
  return file;
}

void require_format(hid_t file, const std::string& path, const std::string& prefix, const std::string& what) {
  bool exists = false;
  const auto format = output::read_string_attribute(file, "format", &exists);
  errors::require(exists && format.rfind(prefix, 0) == 0,
                  what + " file '" + path + "' is not an " + prefix + " file (format attribute '" +
                      format + "')");
}

Handle open_dataset(hid_t file, const std::string& name, const std::string& path) {
  Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT));
  errors::require(dataset.valid(), "file '" + path + "' has no dataset /" + name);
  return dataset;
}

// Reads the whole dataset (or, with leading >= 0, its slice `leading` along the first dimension)
// as doubles.
std::vector<double> read_doubles(const std::string& path, const std::string& name, long long leading = -1) {
  Handle file = open_for_reading(path, "input");
  Handle dataset = open_dataset(file, name, path);
  output::require_type_class(dataset, H5T_FLOAT, "continuum file '" + path + "'", name);
  auto extent = output::dataset_extent(dataset);
  Handle file_space(H5Dget_space(dataset));
  std::vector<hsize_t> start(extent.size(), 0), count = extent;
  if (leading >= 0) {
    errors::require(!extent.empty() && hsize_t(leading) < extent[0],
                    "file '" + path + "': /" + name + " has no record " + std::to_string(leading));
    start[0] = hsize_t(leading);
    count[0] = 1;
  }
  hsize_t total = 1;
  for (auto c : count) total *= c;
  std::vector<double> values(total);
  if (total == 0) return values;
  if (!extent.empty())
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  Handle memory(H5Screate_simple(1, &total, nullptr));
  const herr_t status = H5Dread(dataset, H5T_NATIVE_DOUBLE, memory, file_space, H5P_DEFAULT, values.data());
  errors::require(status >= 0, "file '" + path + "': cannot read /" + name + " (damaged file?)");
  return values;
}

std::int64_t integer_attribute(hid_t file, const std::string& name, const std::string& path) {
  std::int64_t value = 0;
  errors::require(output::read_attribute(file, name, value),
                  "file '" + path + "': root attribute '" + name + "' is missing");
  return value;
}

}  // namespace

std::vector<double> ParticleRun::positions(std::int64_t snapshot) const {
  return particles::ParticleFile(path, MPI_COMM_SELF).read_positions(snapshot);
}

std::vector<double> ContinuumRun::density(std::int64_t snapshot) const {
  auto values = read_doubles(path, "density", snapshot);
  errors::require(values.size() == std::size_t(cells),
                  "continuum file '" + path + "': /density does not match cell_count");
  output::require_finite_rows(values, 1, 0, MPI_COMM_SELF, "continuum file '" + path + "'",
                              "/density snapshot " + std::to_string(snapshot));
  return values;
}

ParticleRun read_particle_run(const std::string& path) {
  const particles::ParticleFile file(path, MPI_COMM_SELF);
  ParticleRun run;
  run.path = path;
  run.dimension = file.dimension();
  run.tokens = file.token_count();
  run.times = file.times();
  run.diagnostics = file.diagnostics();
  return run;
}

ContinuumRun read_continuum_run(const std::string& path) {
  ContinuumRun run;
  run.path = path;
  {
    Handle file = open_for_reading(path, "continuum");
    require_format(file, path, "attnflow-continuum", "continuum");
    run.dimension = int(integer_attribute(file, "dimension", path));
    run.cells = integer_attribute(file, "cell_count", path);
    errors::require((run.dimension == 2 || run.dimension == 3) && run.cells >= 1,
                    "continuum file '" + path + "' has dimension " + std::to_string(run.dimension) +
                        " and " + std::to_string(run.cells) +
                        " cells; accepted: dimension 2 or 3, at least one cell");
    if (H5Lexists(file, "time", H5P_DEFAULT) > 0) {
      Handle time(H5Dopen2(file, "time", H5P_DEFAULT));
      bool has_units = false;
      const std::string units =
          time.valid() ? output::read_string_attribute(time, "units", &has_units) : std::string();
      if (has_units) run.time_units = units;
    }
  }
  run.times = read_doubles(path, "time");
  run.centres = read_doubles(path, "mesh/centres");
  run.measures = read_doubles(path, "mesh/measures");
  if (run.dimension == 3) {
    bool has_vertices = false;
    {
      Handle file = open_for_reading(path, "continuum");
      has_vertices = H5Lexists(file, "mesh", H5P_DEFAULT) > 0 &&
                     H5Lexists(file, "mesh/vertices", H5P_DEFAULT) > 0;
    }
    errors::require(has_vertices,
                    "continuum file '" + path + "' has no /mesh/vertices: it predates the stored "
                    "cell triangles that the sphere histogram needs; regenerate it with this "
                    "attnflow-continuum");
    run.vertices = read_doubles(path, "mesh/vertices");
    errors::require(run.vertices.size() == std::size_t(run.cells * 9),
                    "continuum file '" + path + "': /mesh/vertices is not cell_count x 3 x 3");
  }
  {
    Handle file = open_for_reading(path, "continuum");
    run.diagnostics = output::read_diagnostics(file, path);
  }
  errors::require(run.centres.size() == std::size_t(run.cells * run.dimension) &&
                      run.measures.size() == std::size_t(run.cells),
                  "continuum file '" + path + "': /mesh does not match cell_count");
  errors::require(!run.times.empty(), "continuum file '" + path + "' has no snapshots");
  const std::string what = "continuum file '" + path + "'";
  output::require_finite_rows(run.times, 1, 0, MPI_COMM_SELF, what, "/time");
  output::require_unit_rows(run.centres, run.dimension, 0, MPI_COMM_SELF, what, "/mesh/centres");
  output::require_finite_rows(run.measures, 1, 0, MPI_COMM_SELF, what, "/mesh/measures", true);
  if (!run.vertices.empty())
    output::require_unit_rows(run.vertices, 3, 0, MPI_COMM_SELF, what, "/mesh/vertices (corner rows)");
  return run;
}

std::vector<long long> match_times(const std::vector<double>& continuum_times,
                                   const std::vector<double>& particle_times, double tolerance) {
  std::vector<long long> match;
  for (double t : continuum_times) {
    long long best = -1;
    double distance = tolerance;
    for (std::size_t s = 0; s < particle_times.size(); ++s) {
      const double gap = std::abs(particle_times[s] - t);
      if (gap <= distance) {
        distance = gap;
        best = (long long)s;
      }
    }
    match.push_back(best);
  }
  return match;
}

std::vector<double> circle_edges(const ContinuumRun& run, std::vector<std::int64_t>& order) {
  errors::require(run.dimension == 2, "continuum file '" + run.path + "' is not on the circle");
  const std::size_t m = std::size_t(run.cells);
  std::vector<double> angle(m);
  for (std::size_t i = 0; i < m; ++i) angle[i] = std::atan2(run.centres[2 * i + 1], run.centres[2 * i]);
  order.resize(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return angle[a] < angle[b]; });
  std::vector<double> edges(m + 1);
  edges[0] = angle[order[0]] - run.measures[order[0]] / 2;
  for (std::size_t i = 0; i < m; ++i) edges[i + 1] = edges[i] + run.measures[order[i]];
  errors::require(std::abs(edges[m] - edges[0] - 2 * std::numbers::pi) < 1e-9,
                  "continuum file '" + run.path + "': circle cell lengths do not add up to 2 pi");
  return edges;
}

}  // namespace attnflow::comparison

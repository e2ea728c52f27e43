#include "comparison/compare.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "comparison/distance.hpp"
#include "domain/domain.hpp"
#include "errors/errors.hpp"
#include "geometry/triangles.hpp"
#include "output/hdf5.hpp"
#include "output/run_file.hpp"
#include "text/csv.hpp"
#include "text/number_format.hpp"

namespace attnflow::comparison {

namespace {

// The leading moment columns of the domain's diagnostics, up to order compared_moments.
std::vector<std::string> moment_columns(int dimension) {
  const auto domain = domain::make_domain(dimension);
  auto names = domain->moment_columns();
  names.resize(domain->moment_count(compared_moments));
  return names;
}

double table_value(const Table& table, long long row, const std::string& column) {
  const int c = table.column(column);
  if (row < 0 || c < 0) return NAN;
  return table.values[std::size_t(row) * table.columns.size() + std::size_t(c)];
}

}  // namespace

double circle_distance(const std::vector<double>& positions, const ContinuumRun& continuum,
                       const std::vector<double>& density) {
  std::vector<std::int64_t> order;
  const auto edges = circle_edges(continuum, order);
  std::vector<double> masses(order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    masses[i] = density[std::size_t(order[i])] * continuum.measures[std::size_t(order[i])];
  std::vector<double> angles(positions.size() / 2);
  for (std::size_t j = 0; j < angles.size(); ++j) angles[j] = std::atan2(positions[2 * j + 1], positions[2 * j]);
  return circle_wasserstein(atoms(angles), cells(edges, masses));
}

double sphere_distance(const std::vector<double>& positions, const ContinuumRun& continuum,
                       const std::vector<double>& density, std::int64_t* unlocated,
                       std::vector<double>* histogram_density) {
  errors::require(continuum.vertices.size() == std::size_t(continuum.cells) * 9,
                  "continuum file '" + continuum.path + "' has no cell triangles (/mesh/vertices); "
                  "regenerate it with this attnflow-continuum");
  const auto location =
      geometry::containing_triangles(positions, continuum.centres, continuum.vertices);
  if (unlocated) *unlocated = location.unlocated;
  std::vector<double> histogram(std::size_t(continuum.cells), 0.0), masses(histogram.size());
  for (auto c : location.cells) histogram[std::size_t(c)] += 1;
  for (std::size_t i = 0; i < masses.size(); ++i) masses[i] = density[i] * continuum.measures[i];
  if (histogram_density) {
    const double count = double(positions.size() / 3);
    histogram_density->resize(histogram.size());
    for (std::size_t i = 0; i < histogram.size(); ++i)
      (*histogram_density)[i] = histogram[i] / (count * continuum.measures[i]);
  }
  return histogram_l1(histogram, masses);
}

Comparison compare(const ParticleRun& particles, const ContinuumRun& continuum, double time_tolerance) {
  errors::require(particles.dimension == continuum.dimension,
                  "particle file '" + particles.path + "' has dimension " +
                      std::to_string(particles.dimension) + ", continuum file '" + continuum.path +
                      "' has " + std::to_string(continuum.dimension));
  errors::require(continuum.dimension == 2 || continuum.dimension == 3,
                  "continuum file '" + continuum.path + "': dimension must be 2 (circle) or 3 (sphere)");
  const int d = continuum.dimension;
  Comparison result;
  result.time_units = continuum.time_units;
  result.columns = {"time", "particle_time", "particle_snapshot", "continuum_snapshot",
                    d == 2 ? "wasserstein_1" : "histogram_l1", "energy_scaled_particles",
                    "energy_scaled_continuum", "energy_scaled_difference"};
  const auto moments = moment_columns(d);
  for (const auto& name : moments) result.columns.push_back(name + "_difference");
  const auto match = match_times(continuum.times, particles.times, time_tolerance);
  for (std::size_t s = 0; s < match.size(); ++s) {
    const double t = continuum.times[s];
    if (match[s] < 0) {
      result.unmatched_times.push_back(t);
      continue;
    }
    const auto positions = particles.positions(match[s]);
    const auto density = continuum.density(std::int64_t(s));
    std::int64_t unlocated = 0;
    std::vector<double> histogram;
    const double distance =
        d == 2 ? circle_distance(positions, continuum, density)
               : sphere_distance(positions, continuum, density, &unlocated, &histogram);
    if (d == 3) result.histograms.push_back(std::move(histogram));
    result.unlocated_points += unlocated;
    const long long prow = particles.diagnostics.row_at(particles.times[std::size_t(match[s])], time_tolerance);
    const long long crow = continuum.diagnostics.row_at(t, time_tolerance);
    const double ep = table_value(particles.diagnostics, prow, "energy_scaled");
    const double ec = table_value(continuum.diagnostics, crow, "energy_scaled");
    std::vector<double> row = {t, particles.times[std::size_t(match[s])], double(match[s]), double(s),
                               distance, ep, ec, ep - ec};
    for (const auto& name : moments)
      row.push_back(table_value(particles.diagnostics, prow, name) -
                    table_value(continuum.diagnostics, crow, name));
    result.rows.push_back(row);
  }
  return result;
}

void write_histograms(const std::string& path, const Comparison& comparison) {
  const std::string temporary = output::partial_path(path);
  {
    output::Handle file = output::create_file(temporary, MPI_COMM_SELF);
    output::write_string_attribute(file, "format", "attnflow-comparison-histograms 1");
    const std::int64_t rows = std::int64_t(comparison.histograms.size());
    const int cells = rows > 0 ? int(comparison.histograms.front().size()) : 0;
    std::vector<double> times, values;
    for (std::size_t r = 0; r < comparison.histograms.size(); ++r) {
      times.push_back(comparison.rows[r][0]);
      values.insert(values.end(), comparison.histograms[r].begin(), comparison.histograms[r].end());
    }
    output::write_row_block(file, "time", rows, 1, 0, times);
    output::write_row_block(file, "particle_density", rows, cells, 0, values);
    output::Handle time(output::check_hdf5(H5Dopen2(file, "time", H5P_DEFAULT), "H5Dopen2(time)"));
    output::write_string_attribute(time, "units", comparison.time_units);
    output::Handle density(output::check_hdf5(H5Dopen2(file, "particle_density", H5P_DEFAULT),
                                              "H5Dopen2(particle_density)"));
    output::write_string_attribute(density, "units", "1/steradian");
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw errors::IoError("cannot rename a temporary file onto", path, error.message());
}

std::string csv_text(const Comparison& comparison) {
  return text::csv_text(comparison.columns, comparison.rows);
}

std::vector<std::string> notes(const Comparison& comparison) {
  std::vector<std::string> lines;
  for (double t : comparison.unmatched_times)
    lines.push_back("unmatched continuum time " + text::format_number(t) +
                    " (no particle snapshot within the tolerance)");
  if (comparison.unlocated_points > 0)
    lines.push_back("warning: " + std::to_string(comparison.unlocated_points) +
                    " particle positions lay in no triangle around their nearest cell centre and "
                    "were binned by nearest centre");
  return lines;
}

}  // namespace attnflow::comparison

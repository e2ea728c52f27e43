// attnflow-compare: a particle run against a continuum run of the same model (docs/mathematics.md section 7): per
// continuum snapshot with a particle snapshot at the same time, the circle Wasserstein-1 distance or
// the sphere cell-histogram L1 distance, and the differences of energies and leading moments.
#include <mpi.h>

#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "comparison/compare.hpp"
#include "config/options.hpp"
#include "particles/particle_file.hpp"
#include "parallel/partition.hpp"
#include "run/application.hpp"
#include "text/output_path.hpp"
#include "text/csv.hpp"
#include "text/text_file.hpp"

using namespace attnflow;

namespace {

// Reads and compares on rank 0 (serial I/O); an InputError there is rethrown on every rank.
int compare_runs(const config::OptionSet& options) {
  const bool root = parallel::rank_of(MPI_COMM_WORLD) == 0;
  std::string error, text;
  comparison::Comparison result;
  if (root) {
    try {
      const double tolerance = options.get<double>("time-tolerance");
      errors::require(tolerance >= 0, "--time-tolerance: must be >= 0");
      const auto particle_path = options.get<std::string>("particles");
      const auto continuum_path = options.get<std::string>("continuum");
      errors::require(!particle_path.empty(), "--particles: a particle HDF5 file is required");
      errors::require(!continuum_path.empty(), "--continuum: a continuum HDF5 file is required");
      const auto output = options.get<std::string>("output");
      const std::vector<std::string> inputs = {particle_path, continuum_path,
                                               options.input_file()};
      const auto problem = text::output_problem(text::table_output(output), options.flag("overwrite"),
                                                "output", inputs);
      errors::require(problem.empty(), problem);
      const auto particles = comparison::read_particle_run(particle_path);
      const auto continuum = comparison::read_continuum_run(continuum_path);
      result = comparison::compare(particles, continuum, tolerance);
      text = comparison::csv_text(result);
      const auto histograms = options.get<std::string>("histograms");
      errors::require(histograms.empty() || continuum.dimension == 3,
                      "--histograms: the cell histograms are for the sphere (dimension 3)");
      if (!histograms.empty()) {
        auto with_output = inputs;
        with_output.push_back(output);
        const auto histogram_problem =
            text::output_problem({histograms, {}, {histograms + ".partial"}},
                                 options.flag("overwrite"), "histograms", with_output);
        errors::require(histogram_problem.empty(), histogram_problem);
      }
    } catch (const errors::InputError& e) {
      error = e.what();
    }
  }
  int length = int(error.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  error.resize(std::size_t(length));
  MPI_Bcast(error.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (length > 0) throw errors::InputError(error);
  if (root) {
    const auto output = options.get<std::string>("output");
    text::write_text_atomically(output, text);
    text::write_text_atomically(text::input_sidecar_path(output),
                                text::input_with_notes(options.resolved_ini(),
                                                       comparison::notes(result)));
    const auto histograms = options.get<std::string>("histograms");
    if (!histograms.empty()) comparison::write_histograms(histograms, result);
    std::cout << "attnflow-compare: " << result.rows.size() << " matched times, "
              << result.unmatched_times.size() << " unmatched; wrote " << options.get<std::string>("output")
              << "\n";
    for (double t : result.unmatched_times) std::cout << "  unmatched continuum time " << t << "\n";
    if (result.unlocated_points > 0)
      std::cerr << "attnflow-compare: warning: " << result.unlocated_points
                << " particle positions lay in no triangle around their nearest cell centre and "
                   "were binned by nearest centre\n";
    for (const auto& row : result.rows)
      std::cout << "  time " << row[0] << "  " << result.columns[4] << " " << row[4]
                << "  energy difference " << row[7] << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run::mpi_application(argc, argv, "attnflow-compare", [&] {
    config::OptionSet options("attnflow-compare",
                              "Compare a particle run with a continuum run (circle W1, sphere "
                              "histogram L1, energies, moments) at matching times");
    options.add<std::string>("particles", "", "", "particle run HDF5 file (attnflow-particles)");
    options.add<std::string>("continuum", "", "", "continuum run HDF5 file (attnflow-continuum)");
    options.add<std::string>("output", "comparison.csv", "", "output CSV table");
    options.add<double>("time-tolerance", 1e-6, "time",
                        "a particle snapshot matches a continuum snapshot when the times differ by at most this");
    options.add_optional("histograms", "path",
                         "sphere: also write the particles' cell-histogram densities (HDF5) for "
                         "jobs/plot/plot_overlay.py");
    options.add_flag("overwrite", "replace an existing output file");
    std::ostringstream help;
    if (!options.parse(argc, argv, help)) {
      if (parallel::rank_of(MPI_COMM_WORLD) == 0) std::cout << help.str();
      return 0;
    }
    return compare_runs(options);
  });
}

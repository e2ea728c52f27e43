// attnflow-continuum: the mean-field PDE of attention dynamics (MATH.md section 3) by finite
// volumes on the circle (--dimension 2) or the sphere (--dimension 3). Options as the particle
// app for the model; PETSc options (single dash, e.g. -continuum_ts_ssp_type rks2) pass through.
#include <mpi.h>
#include <petscsys.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "continuum/writer.hpp"
#include "model/model.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"

using namespace attnflow;

namespace {

bool is_number(const char* text) {
  char* end = nullptr;
  std::strtod(text, &end);
  return end != text && *end == '\0';
}

// The arguments Boost should see: PETSc-style single-dash options and their values are dropped.
std::vector<const char*> boost_arguments(int argc, char** argv) {
  std::vector<const char*> kept = {argv[0]};
  bool petsc_value = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool option = a[0] == '-' && !is_number(a);
    if (option && a[1] != '-') {
      petsc_value = true;  // a PETSc option: its values follow until the next option
      continue;
    }
    if (option) petsc_value = false;
    if (!petsc_value) kept.push_back(a);
  }
  return kept;
}

int run(int argc, char** argv) {
  config::OptionSet options("attnflow-continuum",
                            "Mean-field PDE of attention dynamics by finite volumes on the circle "
                            "(dimension 2) or the sphere (dimension 3). PETSc options with a single "
                            "dash and the prefix continuum_ pass through (-continuum_ts_ssp_type ...).");
  model::add_model_options(options);
  continuum::add_initial_options(options);
  options.add<long long>("cells", 256, "", "circle: number of cells M");
  options.add<int>("refine", 3, "", "sphere: refinements of the icosahedron (20 * 4^r cells)");
  options.add<double>("final-time", 10.0, "time", "end time (USA: rescaled time e^{s} t)");
  options.add<double>("output-interval", 1.0, "time", "time between snapshots and diagnostics");
  options.add<double>("cfl", 0.4, "",
                      "dt = cfl * C_ssp * h / max|X|; positivity needs <= 0.5 (MUSCL) or 1");
  options.add<double>("max-time-step", 0.1, "time", "upper bound on the time step");
  options.add<std::string>("limiter", "van-leer", "",
                           "MUSCL limiter on the circle: van-leer, mc, minmod or first-order");
  options.add<std::string>("engine", "direct", "", "interaction engine");
  options.add<std::string>("output", "continuum.h5", "", "output HDF5 file");
  options.add_flag("overwrite", "replace an existing output file");
  const auto arguments = boost_arguments(argc, argv);
  if (!options.parse(static_cast<int>(arguments.size()), arguments.data(), std::cout)) return 0;

  const auto model = model::model_from_options(options, 0);
  continuum::Settings settings;
  settings.cfl = options.get<double>("cfl");
  settings.max_time_step = options.get<double>("max-time-step");
  settings.limiter = continuum::limiter_from_name(options.get<std::string>("limiter"));
  settings.engine = options.get<std::string>("engine");
  const double final_time = options.get<double>("final-time");
  const double interval = options.get<double>("output-interval");
  config::require(std::isfinite(final_time) && final_time >= 0, "--final-time: must be >= 0");
  config::require(std::isfinite(interval) && interval > 0, "--output-interval: must be > 0");
  auto solver = continuum::make_solver(model, options.get<long long>("cells"),
                                       options.get<int>("refine"), settings, MPI_COMM_WORLD);
  const auto initial = continuum::initial_from_options(options, model.dimension);
  solver->set_density(continuum::initial_cell_averages(*solver, initial));

  const std::vector<std::pair<std::string, std::string>> metadata = {
      {"model", model.attention_name()},
      {"limiter", continuum::limiter_name(settings.limiter)},
      {"time_stepper", solver->time_stepper_description()},
      {"time_unit", model.log_time_scale() > 0 ? "rescaled t' = e^{log_time_scale} t" : "t"}};
  continuum::Writer writer(options.get<std::string>("output"), *solver, options.resolved_ini(),
                           metadata, options.flag("overwrite"));
  const int moments = continuum::max_moment(model.dimension);
  const double start = MPI_Wtime();
  auto record = [&] {
    parallel::Timers::Scope scope(&solver->timers(), parallel::Section::output);
    writer.write_snapshot(*solver);
    writer.write_diagnostics(solver->diagnostics(moments));
  };
  record();
  for (long long n = 1; solver->time() < final_time; ++n) {
    solver->advance_to(std::min(final_time, static_cast<double>(n) * interval));
    record();
  }
  writer.finish();
  const double loop = MPI_Wtime() - start;
  const auto last = solver->diagnostics(moments);
  if (parallel::rank_of(MPI_COMM_WORLD) == 0) {
    std::cout << "attnflow-continuum: " << solver->domain_name() << ", " << solver->global_cells()
              << " cells, " << model.attention_name() << " beta " << model.beta << ", "
              << solver->time_stepper_description() << "\n"
              << "  time " << last.time
              << (model.log_time_scale() > 0
                      ? " (rescaled: t' = e^{s} t, s = " + std::to_string(model.log_time_scale()) + ")"
                      : std::string())
              << ", steps " << solver->steps() << ", mass " << last.mass << ", min density "
              << last.min_density << ", energy_scaled " << last.energy_scaled << "\n"
              << "  output " << writer.path() << " (" << writer.snapshot_count() << " snapshots)\n";
  }
  parallel::print_timing_table(std::cout, solver->timers(), loop, solver->steps(),
                               solver->pairs_per_evaluation() *
                                   static_cast<double>(solver->velocity_evaluations()) /
                                   std::max<double>(1.0, static_cast<double>(solver->steps())),
                               MPI_COMM_WORLD);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  // PETSc reads its options (single dash) from the full command line; Boost sees the rest.
  if (PetscInitialize(&argc, &argv, nullptr, nullptr) != 0) MPI_Abort(MPI_COMM_WORLD, 1);
  int status = 0;
  const bool root = parallel::rank_of(MPI_COMM_WORLD) == 0;
  try {
    status = run(argc, argv);
  } catch (const config::InputError& e) {
    if (root) std::cerr << "attnflow-continuum: error: " << e.what() << "\n";
    status = 2;
  } catch (const std::exception& e) {
    std::cerr << "attnflow-continuum: error: " << e.what() << "\n";
    status = 1;
    PetscFinalize();
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  PetscFinalize();
  MPI_Finalize();
  return status;
}

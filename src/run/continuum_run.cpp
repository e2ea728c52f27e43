#include "run/continuum_run.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>

#include <petscsys.h>

#include "checkpoint/density_checkpoint.hpp"
#include "config/options.hpp"
#include "continuum/initial.hpp"
#include "continuum/petsc_error.hpp"
#include "continuum/solver.hpp"
#include "continuum/writer.hpp"
#include "model/model.hpp"
#include "output/run_file.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"
#include "run/application.hpp"
#include "run/signals.hpp"
#include "text/number_format.hpp"

namespace attnflow::run {

using errors::require;

namespace {

// Input keys a restart may change: where output and checkpoints go, when to stop, and how the
// run began (the state now comes from the checkpoint: every key continuum::add_initial_options
// registers). Every other key shapes the continuation (model, domain, scheme, output times) and
// must equal the checkpoint's.
std::set<std::string> keys_free_on_restart() {
  std::set<std::string> keys = {"output", "overwrite", "restart", "checkpoint-every",
                                "checkpoint-directory", "stop-after-steps", "final-time", "quiet"};
  config::OptionSet initial("", "");
  continuum::add_initial_options(initial);
  for (const auto& name : initial.names()) keys.insert(name);
  return keys;
}

void require_same_dynamics(const checkpoint::DensityCheckpoint& checkpoint,
                           const std::string& resolved_input) {
  std::map<std::string, std::string> stored;
  for (const auto& [key, value] : output::ini_pairs(checkpoint.input)) stored[key] = value;
  const auto free_keys = keys_free_on_restart();
  for (const auto& [key, value] : output::ini_pairs(resolved_input)) {
    if (free_keys.count(key)) continue;
    const auto it = stored.find(key);
    require(it != stored.end() && it->second == value,
            "--restart: checkpoint '" + checkpoint.path + "' was written with " + key + " = " +
                (it == stored.end() ? "(not set)" : it->second) + ", the input has " + key +
                " = " + value + "; a restart keeps every option except output, checkpoints, "
                "stop-after-steps, final-time and the initial density");
  }
}

struct Schedule {
  double final_time = 0;
  double output_interval = 0;
  std::int64_t checkpoint_every = 0;  // output intervals
  std::int64_t stop_after = 0;        // steps of this job
};

Schedule schedule_from_options(const config::OptionSet& options) {
  Schedule s;
  s.final_time = options.get<double>("final-time");
  s.output_interval = options.get<double>("output-interval");
  require(std::isfinite(s.final_time) && s.final_time >= 0, "--final-time: must be >= 0");
  require(std::isfinite(s.output_interval) && s.output_interval > 0,
          "--output-interval: must be > 0");
  s.checkpoint_every = options.get<long long>("checkpoint-every");
  require(s.checkpoint_every >= 0,
          "--checkpoint-every: must be >= 0 (output intervals; 0: no periodic checkpoints)");
  s.stop_after = options.get<long long>("stop-after-steps");
  require(s.stop_after >= 0, "--stop-after-steps: must be >= 0 (0: run to the end)");
  return s;
}

}  // namespace

void add_continuum_options(config::OptionSet& options) {
  model::add_model_options(options);
  continuum::add_initial_options(options);
  options.add<long long>("cells", 256, "", "circle: number of cells M");
  options.add<int>("refine", 3, "", "sphere: refinements of the icosahedron (20 * 4^r cells)");
  options.add<double>("final-time", 10.0, "time", "end time (USA: rescaled time e^{s} t)");
  options.add<double>("output-interval", 1.0, "time", "time between snapshots and diagnostics");
  options.add<double>("cfl", 0.4, "",
                      "dt = cfl * C_ssp * forward-Euler limit; positivity needs <= 0.5 with the "
                      "circle's MUSCL, <= 1 otherwise (the sphere's limit includes its factor 3)");
  options.add<double>("max-time-step", 0.1, "time", "upper bound on the time step");
  options.add<std::string>("limiter", "van-leer", "",
                           "slope limiter (circle MUSCL, sphere limited least squares): van-leer, "
                           "mc, minmod or first-order");
  options.add<std::string>("engine", "direct", "", "interaction engine");
  options.add<std::string>("output", "continuum.h5", "path",
                           "HDF5 output (also .xdmf and .csv beside it)");
  options.add_flag("overwrite", "replace an existing output file");
  options.add<long long>("checkpoint-every", 0, "output intervals",
                         "checkpoint after every K-th output time (0: never)");
  options.add_optional("checkpoint-directory", "path",
                       "where checkpoints go (default: <output stem>.chk)");
  options.add_optional("restart", "path", "continue from a checkpoint file or directory");
  options.add<long long>("stop-after-steps", 0, "steps",
                         "stop this job after K steps with a checkpoint (chained batch jobs)");
  options.add_flag("quiet", "no summary and no timing table");
}

int run_continuum(const config::OptionSet& options, MPI_Comm comm, std::ostream& out) {
  const int rank = parallel::rank_of(comm);
  // From the start: a stop signal during the set-up is honoured after the first step.
  install_stop_signal_handlers();
  // --- Validate everything before anything is written.
  const auto model = model::model_from_options(options, 0);
  continuum::Settings settings;
  settings.cfl = options.get<double>("cfl");
  settings.max_time_step = options.get<double>("max-time-step");
  settings.limiter = continuum::limiter_from_name(options.get<std::string>("limiter"));
  settings.engine = options.get<std::string>("engine");
  const auto schedule = schedule_from_options(options);
  const auto initial = continuum::initial_from_options(options, model.dimension);
  const auto output_path = options.get<std::string>("output");
  const auto restart = options.get<std::string>("restart");
  auto checkpoint_directory = options.get<std::string>("checkpoint-directory");
  if (checkpoint_directory.empty())
    checkpoint_directory = checkpoint::default_directory(output_path);
  const bool quiet = options.flag("quiet");
  const auto solver = continuum::make_solver(model, options.get<long long>("cells"),
                                            options.get<int>("refine"), settings, comm);
  const checkpoint::DensityDomain domain{solver->domain_name(), solver->dimension(),
                                         solver->global_cells(),
                                         solver->time_stepper_description()};

  // --- Initial density or checkpoint, and the output file.
  std::unique_ptr<continuum::Writer> writer;
  if (!restart.empty()) {
    const auto checkpoint =
        checkpoint::read_density(restart, domain, solver->global_indices(), comm);
    require_same_dynamics(checkpoint, options.resolved_ini());
    require(checkpoint.position.time <= schedule.final_time,
            "--final-time: checkpoint '" + checkpoint.path + "' is at time " +
                text::format_number(checkpoint.position.time) + ", beyond the final time " +
                text::format_number(schedule.final_time));
    require(checkpoint.position.snapshots_written >= 1 &&
                checkpoint.position.snapshots_written == checkpoint.position.diagnostics_written,
            "--restart: checkpoint '" + checkpoint.path +
                "' counts different numbers of snapshots and diagnostic rows; it is not from "
                "attnflow-continuum");
    solver->set_density(checkpoint.density);
    solver->restore(checkpoint.position.time, checkpoint.position.step);
    writer = continuum::Writer::resume(output_path, *solver, checkpoint.position.snapshots_written,
                                       checkpoint.position.diagnostics_written);
  } else {
    output::check_output_path(output_path, comm, options.flag("overwrite"));
    solver->set_density(continuum::initial_cell_averages(*solver, initial));
    const std::vector<std::pair<std::string, std::string>> metadata = {
        {"model", model.attention_name()},
        {"limiter", continuum::limiter_name(settings.limiter)},
        {"time_stepper", solver->time_stepper_description()},
        {"time_unit", model.log_time_scale() > 0 ? "rescaled t' = e^{log_time_scale} t" : "t"}};
    writer = std::make_unique<continuum::Writer>(output_path, *solver, options.resolved_ini(),
                                                 metadata, options.flag("overwrite"));
  }

  // --- Run: record n is at time min(final time, n * output interval).
  const int moments = continuum::max_moment(model.dimension);
  auto record = [&] {
    parallel::Timers::Scope scope(&solver->timers(), parallel::Section::output);
    writer->write_snapshot(*solver);
    writer->write_diagnostics(solver->diagnostics(moments));
  };
  const std::int64_t first_step = solver->steps();
  const double loop_start = MPI_Wtime();
  if (restart.empty()) record();
  std::int64_t next_record = writer->snapshot_count();
  auto stop_due = [&] {
    return stop_requested(comm) ||
           (schedule.stop_after > 0 && solver->steps() - first_step >= schedule.stop_after);
  };
  int status = 0;
  while (solver->time() < schedule.final_time) {
    const double target =
        std::min(schedule.final_time, static_cast<double>(next_record) * schedule.output_interval);
    bool stop = false;
    bool checkpoint_due = false;
    const auto keep_going = [&] {
      stop = stop_due();
      return !stop;
    };
    if (solver->advance_to(target, keep_going)) {
      record();
      const bool last = solver->time() >= schedule.final_time;
      // Stops are honoured after a record too, but not after the last one: the run is done.
      stop = !last && stop_due();
      checkpoint_due = !last && schedule.checkpoint_every > 0 &&
                       next_record % schedule.checkpoint_every == 0;
      ++next_record;
    }
    if (stop || checkpoint_due) {
      parallel::Timers::Scope scope(&solver->timers(), parallel::Section::output);
      writer->flush();
      const checkpoint::RunPosition position{solver->time(), solver->steps(),
                                             writer->snapshot_count(), writer->diagnostic_count()};
      const auto path =
          checkpoint::write_density(checkpoint_directory, domain, solver->density(),
                                    solver->global_indices(), position, options.resolved_ini(),
                                    comm);
      if (stop) {
        if (rank == 0)
          out << "stopped at t = " << solver->time() << ", step " << solver->steps() << " (signal "
              << received_stop_signal() << " or --stop-after-steps); checkpoint " << path
              << "; continue with --restart " << checkpoint_directory << "\n";
        status = stopped_for_restart;
        break;
      }
    }
  }
  if (status == 0) {
    parallel::Timers::Scope scope(&solver->timers(), parallel::Section::output);
    writer->finish();
  }
  writer.reset();
  const double loop_seconds = MPI_Wtime() - loop_start;

  // --- Summary and timing table.
  if (quiet) return status;
  const auto last = solver->diagnostics(moments);
  const long long steps_done = solver->steps() - first_step;
  if (rank == 0 && status == 0) {
    out << "attnflow-continuum: " << solver->domain_name() << ", " << solver->global_cells()
        << " cells, " << model.attention_name() << " beta " << model.beta << ", "
        << solver->time_stepper_description() << "\n"
        << "  time " << last.time
        << (model.log_time_scale() > 0
                ? " (rescaled: t' = e^{s} t, s = " + text::format_number(model.log_time_scale()) +
                      ")"
                : std::string())
        << ", steps " << solver->steps() << ", mass " << last.mass << ", min density "
        << last.min_density << ", energy_scaled " << last.energy_scaled << "\n"
        << "  output " << output_path << " (+ .xdmf, .csv)\n";
  }
  std::ostringstream table;
  parallel::print_timing_table(table, solver->timers(), loop_seconds, steps_done,
                               solver->pairs_per_evaluation() *
                                   static_cast<double>(solver->velocity_evaluations()) /
                                   std::max(1.0, static_cast<double>(steps_done)),
                               comm);
  if (rank == 0) out << table.str() << std::flush;
  return status;
}

}  // namespace attnflow::run

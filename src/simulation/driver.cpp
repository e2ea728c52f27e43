#include "simulation/driver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <sstream>

#include "errors/errors.hpp"
#include "output/run_file.hpp"
#include "parallel/partition.hpp"
#include "simulation/progress.hpp"
#include "simulation/restart_check.hpp"
#include "simulation/scaling_record.hpp"
#include "simulation/signals.hpp"
#include "text/number_format.hpp"
#include "text/output_path.hpp"

namespace attnflow::simulation {

using parallel::Section;
using parallel::check_mpi;

bool Horizon::reached(const Simulation& simulation) const {
  if (steps > 0) return simulation.step_count() >= steps;
  return simulation.time() >= time - same_time_tolerance(time);
}

double Horizon::fraction(const Simulation& simulation) const {
  if (steps > 0) return std::min(1.0, double(simulation.step_count()) / double(steps));
  return time > 0 ? std::min(1.0, simulation.time() / time) : 1.0;
}

double Horizon::time_limit() const {
  return steps > 0 ? std::numeric_limits<double>::infinity() : time;
}

namespace {

// Validates the restart against the run and reopens the output; a new run creates it.
output::RunFile& open_output(Simulation& simulation, const RunControl& control) {
  if (control.restart.empty())
    return simulation.create_output(control.output, control.resolved_input, control.overwrite);
  const auto restored = simulation.restore(control.restart);
  require_same_input(restored.input, restored.path, control.resolved_input,
                     control.restart_free_keys);
  const auto& position = restored.position;
  if (control.horizon.steps > 0)
    errors::require(position.step <= control.horizon.steps,
                    "--restart: checkpoint '" + restored.path + "' is at step " +
                        std::to_string(position.step) + ", beyond the run's " +
                        std::to_string(control.horizon.steps) + " steps");
  else
    errors::require(position.time <= control.horizon.time,
                    "--final-time: checkpoint '" + restored.path + "' is at time " +
                        text::format_number(position.time) + ", beyond the final time " +
                        text::format_number(control.horizon.time));
  return simulation.resume_output(control.output, position);
}

}  // namespace

// What is being written at a moment of the run, for the message of an I/O failure.
struct Writing {
  std::string name;  // as the message says it
  std::string path;  // where on the file system
};

// The run loop of drive(); `writing` is kept up to date.
int run_loop(Simulation& simulation, RunControl control, std::ostream& out,
             const std::vector<Observer*>& observers, Writing& writing) {
  const MPI_Comm comm = simulation.comm();
  const int rank = parallel::rank_of(comm), ranks = parallel::size_of(comm);
  // From the start: a stop signal during the set-up is honoured after the first step.
  install_stop_signal_handlers();
  output::RunFile& file = open_output(simulation, control);
  const bool restarted = !control.restart.empty();
  for (Schedule* s : {&control.diagnostics, &control.snapshots, &control.checkpoints})
    if (restarted) s->resume(simulation.time());
  const Description description = simulation.describe();
  if (rank == 0 && !control.quiet)
    for (const auto& line : description.header) out << line << "\n";

  parallel::Timers& timers = simulation.timers();
  std::vector<double> last_row;
  // Diagnostics and snapshot observers (every schedule is asked once per step, in order).
  auto observe = [&](bool last) {
    parallel::Timers::Scope scope(&timers, Section::output);
    const bool diagnostics_due = control.diagnostics.due(simulation.step_count(), simulation.time());
    const bool snapshot_due = control.snapshots.due(simulation.step_count(), simulation.time());
    if (diagnostics_due || last) {
      last_row = simulation.diagnostic_row();
      file.write_diagnostics(last_row);
    }
    if (snapshot_due || last) simulation.write_snapshot();
    for (Observer* observer : observers) observer->observe(simulation, last);
    // Live output: what was just written becomes readable (h5py, ParaView) while the run goes.
    if ((diagnostics_due || snapshot_due) && !last)
      file.flush(output::RunFile::SidecarUpdate::when_cheap);
  };

  const std::int64_t first_step = simulation.step_count();
  const double first_pairs = simulation.pairs_evaluated();
  const double loop_start = MPI_Wtime();
  // A new run records its initial state; so does a restart already at the horizon (its last
  // record was never written: checkpoints are not taken at the last step).
  if (!restarted || control.horizon.reached(simulation))
    observe(control.horizon.reached(simulation));
  // The checkpoint schedule's point at the start of a new run is the initial state: no checkpoint.
  if (!restarted) (void)control.checkpoints.due(simulation.step_count(), simulation.time());
  Progress progress(!control.quiet, rank == 0, control.progress_interval);
  int status = 0;
  while (!control.horizon.reached(simulation)) {
    const double now = simulation.time();
    const double limit = std::min({control.horizon.time_limit(), control.diagnostics.next_time(now),
                                   control.snapshots.next_time(now),
                                   control.checkpoints.next_time(now)});
    simulation.advance(limit);
    const bool last = control.horizon.reached(simulation);
    observe(last);
    const bool checkpoint_due = control.checkpoints.due(simulation.step_count(), simulation.time());
    // Stops are honoured after any step but the last one: then the run is done.
    const bool stop =
        !last && (stop_requested(comm) ||
                  (control.stop_after_steps > 0 &&
                   simulation.step_count() - first_step >= control.stop_after_steps));
    if (stop || (checkpoint_due && !last)) {
      parallel::Timers::Scope scope(&timers, Section::output);
      file.flush();
      const checkpoint::RunPosition position{simulation.time(), simulation.step_count(),
                                             file.snapshot_count(), file.diagnostic_count()};
      writing = {"checkpoint directory " + control.checkpoint_directory,
                 control.checkpoint_directory};
      const auto path = simulation.write_checkpoint(control.checkpoint_directory, position,
                                                    control.resolved_input,
                                                    control.checkpoint_keep);
      writing = {output::partial_path(control.output), output::partial_path(control.output)};
      if (stop) {
        if (rank == 0)
          out << "\nstopped at t = " << simulation.time() << ", step " << simulation.step_count()
              << " (signal " << received_stop_signal() << " or --stop-after-steps); checkpoint "
              << path << "; continue with --restart " << control.checkpoint_directory << "\n";
        status = stopped_for_restart;
        break;
      }
    }
    progress.update(simulation.step_count(), simulation.time(), control.horizon.fraction(simulation),
                    (simulation.pairs_evaluated() - first_pairs) * ranks);
  }
  progress.finish();
  if (status == 0) {
    parallel::Timers::Scope scope(&timers, Section::output);
    writing = {control.output + " and its sidecars", control.output};
    file.finish();
  }
  const double loop_seconds = MPI_Wtime() - loop_start;

  // --- Summary, scaling row and timing table.
  double pairs = simulation.pairs_evaluated() - first_pairs, total_pairs = 0;
  check_mpi(MPI_Allreduce(&pairs, &total_pairs, 1, MPI_DOUBLE, MPI_SUM, comm),
            "MPI_Allreduce(pairs)");
  const long long steps_done = simulation.step_count() - first_step;
  const double pairs_per_step = steps_done > 0 ? total_pairs / double(steps_done) : 0.0;
  if (!control.timing_csv.empty()) {
    const ScalingRecord record{control.input_file, description.items, description.dimension,
                               description.beta,   description.engine, steps_done,
                               loop_seconds,       pairs_per_step};
    append_scaling_record(control.timing_csv, record, timers, comm);
  }
  if (control.quiet) return status;
  if (rank == 0 && status == 0) {
    out << "\n";
    for (const auto& line : simulation.summary(last_row)) out << line << "\n";
    out << "output: " << control.output << " (+ .xdmf, .csv)\n\n";
  }
  std::ostringstream table;
  parallel::print_timing_table(table, timers, loop_seconds, steps_done, pairs_per_step, comm);
  if (rank == 0) out << table.str() << std::flush;
  return status;
}

int drive(Simulation& simulation, RunControl control, std::ostream& out,
          const std::vector<Observer*>& observers) {
  Writing writing{output::partial_path(control.output), output::partial_path(control.output)};
  try {
    return run_loop(simulation, std::move(control), out, observers, writing);
  } catch (const errors::IoError& error) {
    // One line naming the file, and why when it is the usual reason (a full file system).
    const std::string what = error.what();
    const std::string space = text::free_space_problem(writing.path);
    throw errors::IoError((what.find(writing.path) == std::string::npos
                               ? "writing " + writing.name + ": "
                               : std::string()) +
                          what + (space.empty() ? "" : " (" + space + ")"));
  }
}

}  // namespace attnflow::simulation

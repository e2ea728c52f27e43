#include "run/particle_run.hpp"

#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "checkpoint/checkpoint.hpp"
#include "config/options.hpp"
#include "diagnostics/diagnostics.hpp"
#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "output/run_writer.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"
#include "particles/initial_state.hpp"
#include "run/application.hpp"
#include "run/progress.hpp"
#include "run/scaling_record.hpp"
#include "run/signals.hpp"
#include "stepper/integrator.hpp"
#include "theory/stability.hpp"
#include "version/version.hpp"
#include "text/number_format.hpp"

namespace attnflow::run {

using errors::require;
using parallel::Section;

namespace {

struct Schedule {
  double step_size = 0;
  std::int64_t total_steps = 0;
  std::int64_t output_every = 1;
  std::int64_t snapshot_every = 1;
  std::int64_t checkpoint_every = 0;
  std::int64_t stop_after = 0;
};

Schedule schedule_from_options(const config::OptionSet& options, std::string& integrator) {
  Schedule s;
  const auto layers = options.get<long long>("layers");
  const auto steps = options.get<long long>("steps");
  s.step_size = options.get<double>("step-size");
  require(layers >= 0, "--layers: must be >= 0 (0: use --steps or --final-time)");
  require(steps >= 0, "--steps: must be >= 0 (0: use --final-time)");
  if (layers > 0) {
    // The layer view: one projected Euler step of size 1 per transformer layer.
    require(!options.given("integrator") || integrator == "euler",
            "--layers: the layer view uses --integrator euler (one step per layer), got '" +
                integrator + "'");
    integrator = "euler";
    if (!options.given("step-size")) s.step_size = 1.0;
    s.total_steps = layers;
  }
  require(std::isfinite(s.step_size) && s.step_size > 0,
          "--step-size: must be finite and > 0 (got " + text::format_number(s.step_size) + ")");
  if (layers == 0) {
    if (steps > 0) {
      s.total_steps = steps;
    } else {
      const double final_time = options.get<double>("final-time");
      require(std::isfinite(final_time) && final_time > 0,
              "--final-time: must be finite and > 0 (or give --steps or --layers)");
      s.total_steps = static_cast<std::int64_t>(std::ceil(final_time / s.step_size - 1e-9));
    }
  }
  const auto output_every = options.get<long long>("output-every");
  const auto snapshot_every = options.get<long long>("snapshot-every");
  require(output_every >= 0, "--output-every: must be >= 0 (0: 100 rows per run)");
  require(snapshot_every >= 0, "--snapshot-every: must be >= 0 (0: 20 snapshots per run)");
  s.output_every = output_every > 0 ? output_every : std::max<std::int64_t>(1, s.total_steps / 100);
  s.snapshot_every =
      snapshot_every > 0 ? snapshot_every : std::max<std::int64_t>(1, s.total_steps / 20);
  s.checkpoint_every = options.get<long long>("checkpoint-every");
  require(s.checkpoint_every >= 0, "--checkpoint-every: must be >= 0 (0: no periodic checkpoints)");
  s.stop_after = options.get<long long>("stop-after-steps");
  require(s.stop_after >= 0, "--stop-after-steps: must be >= 0 (0: run to the end)");
  return s;
}

std::string format_number(double value) {
  std::ostringstream out;
  out << std::setprecision(17) << value;
  return out.str();
}

}  // namespace

void add_particle_options(config::OptionSet& options) {
  options.add<long long>("tokens", 2000, "", "number of tokens N");
  model::add_model_options(options);
  particles::add_initial_state_options(options);
  options.add<std::string>("integrator", "rk4", "", "time integrator: euler | rk4 | heun");
  interaction::add_engine_options(options);
  options.add<double>("step-size", 0.05, "time", "time step h (USA: in the rescaled time e^s t)");
  options.add<double>("final-time", 10.0, "time", "simulated time to reach (unless --steps)");
  options.add<long long>("steps", 0, "", "number of steps (overrides --final-time)");
  options.add<long long>("layers", 0, "",
                         "layer view: L transformer layers = L projected Euler steps of size 1");
  options.add<std::string>("output", "particles.h5", "path",
                           "HDF5 output (also .xdmf and .csv beside it)");
  options.add_flag("overwrite", "replace an existing output file");
  options.add<long long>("output-every", 0, "steps", "diagnostics every K steps (0: 100 rows)");
  options.add<long long>("snapshot-every", 0, "steps", "positions every K steps (0: 20 snapshots)");
  options.add<double>("cluster-tolerance", 1e-3, "",
                      "tokens with <x_i, x_j> > 1 - tolerance are in the same cluster");
  options.add_flag("skip-pair-diagnostics",
                   "leave out the O(N^2) diagnostics (energy, clusters, inner products: NaN)");
  options.add<long long>("checkpoint-every", 0, "steps", "checkpoint every K steps (0: never)");
  options.add_optional("checkpoint-directory", "path",
                       "where checkpoints go (default: <output stem>.chk)");
  options.add_optional("restart", "path", "continue from a checkpoint file or directory");
  options.add<long long>("stop-after-steps", 0, "steps",
                         "stop this job after K steps with a checkpoint (chained batch jobs)");
  options.add_optional("timing-csv", "path",
                       "append one scaling-study row (wall time split, pairs/s, memory) to this CSV");
  options.add_flag("quiet", "no progress line and no summary");
}

int run_particles(const config::OptionSet& options, MPI_Comm comm, std::ostream& out) {
  const int rank = parallel::rank_of(comm), ranks = parallel::size_of(comm);
  // --- Validate everything before anything is written.
  const auto tokens = options.get<long long>("tokens");
  require(tokens >= 1, "--tokens: must be an integer >= 1 (got " + std::to_string(tokens) + ")");
  const auto model = model::model_from_options(options, tokens);
  particles::validate_initial_state_options(options, model.dimension);
  auto integrator_name = options.get<std::string>("integrator");
  const auto schedule = schedule_from_options(options, integrator_name);
  const double tolerance = options.get<double>("cluster-tolerance");
  require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 2,
          "--cluster-tolerance: must be in (0, 2)");
  const auto kernel = interaction::Kernel::from_model(model);
  auto engine = interaction::make_engine(options.get<std::string>("engine"), kernel, comm,
                                         interaction::engine_options(options));
  const auto output_path = options.get<std::string>("output");
  const auto restart = options.get<std::string>("restart");
  auto checkpoint_directory = options.get<std::string>("checkpoint-directory");
  if (checkpoint_directory.empty()) checkpoint_directory = checkpoint::default_directory(output_path);
  const auto seed = options.get<unsigned long long>("seed");
  const double log_time_scale = model.log_time_scale();
  const bool quiet = options.flag("quiet");
  const bool pair_diagnostics = !options.flag("skip-pair-diagnostics");

  // --- Build the solver.
  parallel::Timers timers;
  engine->set_timers(&timers);
  stepper::VelocityField velocity(kernel, *engine, tokens);
  auto integrator = stepper::make_integrator(integrator_name, velocity, model, seed,
                                             std::exp(-0.5 * log_time_scale));

  particles::State state;
  std::unique_ptr<output::RunWriter> writer;
  const auto columns = diagnostics::column_names(model.dimension);
  if (!restart.empty()) {
    auto checkpoint = checkpoint::read(restart, comm);
    require(checkpoint.state.dimension == model.dimension &&
                checkpoint.state.partition.global_count == tokens,
            "--restart: checkpoint '" + checkpoint.path + "' holds N = " +
                std::to_string(checkpoint.state.partition.global_count) + ", d = " +
                std::to_string(checkpoint.state.dimension) + "; the input asks for N = " +
                std::to_string(tokens) + ", d = " + std::to_string(model.dimension));
    require(checkpoint.state.step <= schedule.total_steps,
            "--restart: checkpoint is at step " + std::to_string(checkpoint.state.step) +
                ", beyond the run's " + std::to_string(schedule.total_steps) + " steps");
    state = std::move(checkpoint.state);
    writer = std::make_unique<output::RunWriter>(output::RunWriter::resume(
        output_path, comm, model.dimension, tokens, columns, checkpoint.snapshots_written,
        checkpoint.diagnostics_written));
  } else {
    output::check_output_path(output_path, comm, options.flag("overwrite"));
    state = particles::initial_state_from_options(options, tokens, model.dimension, comm);
    const std::vector<std::pair<std::string, std::string>> metadata = {
        {"model", model.attention_name()},
        {"beta", format_number(model.beta)},
        {"time_rescaling_log", format_number(log_time_scale)},
        {"time_unit", log_time_scale == 0 ? "t"
                                          : "rescaled t' = e^s t with s = time_rescaling_log"},
        {"engine", engine->summary()},
        {"integrator", integrator_name},
        {"step_size", format_number(schedule.step_size)},
        {"ranks", std::to_string(ranks)}};
    writer = std::make_unique<output::RunWriter>(output_path, comm, model.dimension, tokens,
                                                 columns, options.resolved_ini(), metadata,
                                                 options.flag("overwrite"));
  }

  auto energy_engine = diagnostics::make_energy_engine(model.dimension, model.beta, comm);
  std::vector<double> last_row;
  auto observe = [&](bool diagnostics_due, bool snapshot_due) {
    parallel::Timers::Scope scope(&timers, Section::output);
    if (diagnostics_due) {
      last_row = diagnostics::compute(state, model, tolerance, energy_engine.get(),
                                      pair_diagnostics);
      writer->write_diagnostics(last_row);
    }
    if (snapshot_due) writer->write_snapshot(state);
  };
  if (rank == 0 && !quiet) {
    out << "attnflow-particles " << version::number() << " (" << version::git_revision() << ") on "
        << ranks << " ranks: N = " << tokens << ", d = " << model.dimension << ", "
        << model.attention_name() << ", beta = " << model.beta << ", " << integrator_name
        << ", h = " << schedule.step_size << ", " << schedule.total_steps << " steps\n";
    out << "engine: " << engine->summary() << "\n";
    if (log_time_scale != 0)
      out << "USA time rescaling: the run's time is t' = e^s t with s = " << log_time_scale
          << "\n";
  }
  const std::int64_t first_step = state.step;
  const double loop_start = MPI_Wtime();
  if (restart.empty()) observe(true, true);
  install_stop_signal_handlers();
  Progress progress(!quiet, first_step, schedule.total_steps);
  int status = 0;
  while (state.step < schedule.total_steps) {
    integrator->step(state, schedule.step_size);
    const bool last = state.step == schedule.total_steps;
    observe(last || state.step % schedule.output_every == 0,
            last || state.step % schedule.snapshot_every == 0);
    const bool stop = stop_requested(comm) ||
                      (schedule.stop_after > 0 && state.step - first_step >= schedule.stop_after &&
                       !last);
    if (stop || (schedule.checkpoint_every > 0 && state.step % schedule.checkpoint_every == 0 &&
                 !last)) {
      parallel::Timers::Scope scope(&timers, Section::output);
      writer->flush();
      const auto path = checkpoint::write(checkpoint_directory, state, writer->snapshot_count(),
                                          writer->diagnostic_count(), options.resolved_ini());
      if (stop) {
        if (rank == 0)
          out << "\nstopped at step " << state.step << " (signal " << received_stop_signal()
              << " or --stop-after-steps); checkpoint " << path
              << "; continue with --restart " << checkpoint_directory << "\n";
        status = stopped_for_restart;
        break;
      }
    }
    progress.update(state.step, state.time, velocity.pairs_evaluated() * ranks);
  }
  progress.finish();
  if (status == 0) {
    parallel::Timers::Scope scope(&timers, Section::output);
    writer->finish();
  }
  writer.reset();
  const double loop_seconds = MPI_Wtime() - loop_start;
  // --- Summary and timing table.
  double pairs = velocity.pairs_evaluated(), total_pairs = 0;
  MPI_Allreduce(&pairs, &total_pairs, 1, MPI_DOUBLE, MPI_SUM, comm);
  const long long steps_done = state.step - first_step;
  const auto timing_csv = options.get<std::string>("timing-csv");
  if (!timing_csv.empty()) {
    const ScalingRecord record{options.input_file(), tokens, model.dimension, model.beta,
                               engine->name(), steps_done, loop_seconds,
                               steps_done > 0 ? total_pairs / steps_done : 0.0};
    append_scaling_record(timing_csv, record, timers, comm);
  }
  if (!quiet) {
    if (rank == 0 && status == 0) {
      out << "\nfinal state at t = " << state.time << " (step " << state.step << "):\n";
      for (std::size_t c = 1; c < std::min<std::size_t>(columns.size(), 6); ++c)
        out << "  " << std::left << std::setw(16) << columns[c] << " " << last_row[c] << "\n";
      if (model.identity_query_key() && model.value.is_identity() && !model.causal &&
          model.beta > 0) {
        out << "  theory (uniform start): winning degree l* = "
            << theory::winning_degree(model.attention, model.dimension, model.beta)
            << ", clustering time t* = ln N / (2 gamma_max) = "
            << theory::clustering_time_rescaled(model.attention, model.dimension, model.beta,
                                                tokens)
            << "\n";
      }
      out << "output: " << output_path << " (+ .xdmf, .csv)\n\n";
    }
    std::ostringstream table;
    parallel::print_timing_table(table, timers, loop_seconds, steps_done,
                                 steps_done > 0 ? total_pairs / steps_done : 0.0, comm);
    if (rank == 0) out << table.str() << std::flush;
  }
  return status;
}

}  // namespace attnflow::run

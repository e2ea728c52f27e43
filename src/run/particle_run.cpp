#include "run/particle_run.hpp"

#include <cmath>
#include <ostream>
#include <set>

#include "config/options.hpp"
#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "output/run_file.hpp"
#include "particles/initial_state.hpp"
#include "simulation/driver.hpp"
#include "simulation/particle_system.hpp"
#include "simulation/restart_check.hpp"
#include "run/run_options.hpp"
#include "text/number_format.hpp"

namespace attnflow::run {

using errors::require;

namespace {

struct Schedule {
  double step_size = 0;
  std::int64_t total_steps = 0;
  std::int64_t output_every = 1;
  std::int64_t snapshot_every = 1;
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
  return s;
}

// A restart may change where output and checkpoints go, when to stop (the horizon included) and
// how the run began, except the seed, which also drives the noise.
std::set<std::string> restart_free_keys() {
  auto keys = simulation::run_control_keys();
  keys.insert({"final-time", "steps", "layers"});
  config::OptionSet initial("", "");
  particles::add_initial_state_options(initial);
  for (const auto& name : initial.names())
    if (name != "seed") keys.insert(name);
  return keys;
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
  options.add<long long>("output-every", 0, "steps", "diagnostics every K steps (0: 100 rows)");
  options.add<long long>("snapshot-every", 0, "steps", "positions every K steps (0: 20 snapshots)");
  options.add<double>("cluster-tolerance", 1e-3, "",
                      "tokens with <x_i, x_j> > 1 - tolerance are in the same cluster");
  options.add_flag("skip-pair-diagnostics",
                   "leave out the O(N^2) diagnostics (energy, clusters, inner products: NaN)");
  add_run_options(options, "particles.h5", "steps");
}

int run_particles(const config::OptionSet& options, MPI_Comm comm, std::ostream& out,
                  const std::vector<simulation::Observer*>& observers) {
  // --- Validate everything before anything is written.
  simulation::ParticleSettings settings;
  settings.tokens = options.get<long long>("tokens");
  require(settings.tokens >= 1,
          "--tokens: must be an integer >= 1 (got " + std::to_string(settings.tokens) + ")");
  settings.model = model::model_from_options(options, settings.tokens);
  particles::validate_initial_state_options(options, settings.model.dimension);
  settings.integrator = options.get<std::string>("integrator");
  const auto schedule = schedule_from_options(options, settings.integrator);
  settings.step_size = schedule.step_size;
  settings.total_steps = schedule.total_steps;
  settings.cluster_tolerance = options.get<double>("cluster-tolerance");
  require(std::isfinite(settings.cluster_tolerance) && settings.cluster_tolerance > 0 &&
              settings.cluster_tolerance < 2,
          "--cluster-tolerance: must be in (0, 2)");
  settings.pair_diagnostics = !options.flag("skip-pair-diagnostics");
  settings.seed = options.get<unsigned long long>("seed");
  settings.engine = options.get<std::string>("engine");
  settings.engine_options = interaction::engine_options(options);

  std::int64_t checkpoint_every = 0;
  auto control = run_control_from_options(options, checkpoint_every);
  control.horizon.steps = schedule.total_steps;
  control.diagnostics = simulation::Schedule::every_steps(schedule.output_every);
  control.snapshots = simulation::Schedule::every_steps(schedule.snapshot_every);
  if (checkpoint_every > 0) control.checkpoints = simulation::Schedule::every_steps(checkpoint_every);
  control.restart_free_keys = restart_free_keys();

  // --- The initial state (a restart replaces it with the checkpoint's), then the run.
  particles::State initial;
  if (control.restart.empty()) {
    output::check_output_path(control.output, comm, control.overwrite, "output",
                              {control.input_file, options.get<std::string>("initial-file")});
    initial = particles::initial_state_from_options(options, settings.tokens,
                                                    settings.model.dimension, comm);
  }
  simulation::ParticleSystem system(settings, std::move(initial), comm);
  return simulation::drive(system, std::move(control), out, observers);
}

}  // namespace attnflow::run

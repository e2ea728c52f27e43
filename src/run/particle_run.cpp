#include "run/particle_run.hpp"

#include <array>
#include <cmath>
#include <ostream>
#include <set>

#include "config/number_list.hpp"
#include "config/options.hpp"
#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "output/run_file.hpp"
#include "particles/initial_state.hpp"
#include "simulation/driver.hpp"
#include "simulation/signals.hpp"
#include "simulation/particle_system.hpp"
#include "simulation/restart_check.hpp"
#include "run/run_options.hpp"
#include "text/number_format.hpp"

namespace attnflow::run {

using errors::require;

namespace {

constexpr const char* default_tracked_pair = "0,1";

struct Schedule {
  double step_size = 0;  // adaptive: the largest step
  std::int64_t total_steps = 0;  // adaptive: 0 (the run ends at final_time)
  double final_time = 0;
  double adaptive_tolerance = 0;
  std::int64_t steps_per_layer = 1;
  std::int64_t output_every = 1;
  std::int64_t snapshot_every = 1;
};

// Depth and horizon (README "Transformer layers with MLP blocks"). --layers L is a network of
// depth L over the horizon --final-time T: L layers of the layer scheme, or with --integrator heun
// L layers of its SDE limit of k = --substeps Heun steps each, with step h = T / (L k) (the old
// layer view of L unit steps is --layers L --final-time L). Without --layers, --steps K or
// --final-time T with --step-size h (default 0.05), as for any ODE run; with an MLP block every
// step is then one layer. --integrator auto is layer with --layers or --mlp, rk4 otherwise.
// Every rule reads values, never whether an option was given, so the resolved input echoed into
// the output reruns the same run.
Schedule schedule_from_options(const config::OptionSet& options, bool mlp, std::string& integrator) {
  Schedule s;
  const auto layers = options.get<long long>("layers");
  const auto steps = options.get<long long>("steps");
  const auto substeps = options.get<long long>("substeps");
  const double step_size = options.get<double>("step-size");
  require(layers >= 0, "--layers: must be >= 0 (0: use --steps or --final-time)");
  require(steps >= 0, "--steps: must be >= 0 (0: use --final-time)");
  require(substeps >= 1 && substeps <= 1000000,
          "--substeps: must be an integer in [1, 1000000] (got " + std::to_string(substeps) + ")");
  require(std::isfinite(step_size) && step_size >= 0,
          "--step-size: must be finite and > 0, or 0 for the default (got " +
              text::format_number(step_size) + ")");
  s.steps_per_layer = substeps;
  if (integrator == "auto") integrator = layers > 0 || mlp ? "layer" : "rk4";
  const double final_time = options.get<double>("final-time");
  s.final_time = final_time;
  s.adaptive_tolerance = options.get<double>("adaptive-tolerance");
  require(std::isfinite(s.adaptive_tolerance) && s.adaptive_tolerance >= 0,
          "--adaptive-tolerance: must be finite and >= 0 (0: fixed steps; got " +
              text::format_number(s.adaptive_tolerance) + ")");
  if (s.adaptive_tolerance > 0) {
    require(layers == 0 && steps == 0,
            "--adaptive-tolerance: adaptive steps run to --final-time; leave --steps and --layers "
            "at 0");
    require(integrator == "rk4",
            "--integrator " + integrator + ": adaptive steps (Bogacki-Shampine 3(2)) replace the "
            "integrator; accepted with --adaptive-tolerance: auto or rk4 (deterministic models)");
    require(std::isfinite(final_time) && final_time > 0,
            "--final-time: must be finite and > 0 (got " + text::format_number(final_time) + ")");
    s.step_size = step_size > 0 ? step_size : 1.0;
  } else if (layers > 0) {
    require(steps == 0, "--steps: --layers already counts the steps (L layers of --substeps "
                        "steps each); give one of --layers and --steps");
    require(integrator != "rk4",
            "--integrator rk4: --layers counts transformer layers, one step of the layer scheme "
            "(or --substeps steps of its SDE limit) each; accepted: layer, euler, heun");
    require(step_size == 0,
            "--step-size: --layers L over --final-time T sets the step T / (L substeps); leave "
            "--step-size at 0 (got " + text::format_number(step_size) + ")");
    require(std::isfinite(final_time) && final_time > 0,
            "--final-time: must be finite and > 0 (got " + text::format_number(final_time) + ")");
    s.step_size = final_time / double(layers * substeps);
    s.total_steps = layers * substeps;
  } else {
    s.step_size = step_size > 0 ? step_size : 0.05;
    if (steps > 0) {
      s.total_steps = steps;
    } else {
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

// Diagnostics and snapshot times: every K steps, or (--output-times logarithmic) at 0 and
// t_1 q^n; an adaptive run without --output-every / --snapshot-every records every final-time/100
// and /20 (time schedules, on which it lands).
void output_schedules(const config::OptionSet& options, const Schedule& s,
                      simulation::RunControl& control) {
  const auto kind = options.get<std::string>("output-times");
  require(kind == "steps" || kind == "logarithmic",
          "--output-times: unknown '" + kind + "'; accepted: steps, logarithmic");
  const double first = options.get<double>("output-first-time");
  const double factor = options.get<double>("output-factor");
  const double snapshot_factor = options.get<double>("snapshot-factor");
  require(std::isfinite(first) && first >= 0,
          "--output-first-time: must be finite and >= 0 (0: the step size)");
  require(std::isfinite(factor) && factor > 1, "--output-factor: must be finite and > 1");
  require(std::isfinite(snapshot_factor) && snapshot_factor > 1,
          "--snapshot-factor: must be finite and > 1");
  if (kind == "logarithmic") {
    const double t1 = first > 0 ? first : s.step_size;
    control.diagnostics = simulation::Schedule::logarithmic(t1, factor);
    control.snapshots = simulation::Schedule::logarithmic(t1, snapshot_factor);
    return;
  }
  const bool adaptive = s.adaptive_tolerance > 0;
  control.diagnostics = adaptive && options.get<long long>("output-every") == 0
                            ? simulation::Schedule::every_time(s.final_time / 100)
                            : simulation::Schedule::every_steps(s.output_every);
  control.snapshots = adaptive && options.get<long long>("snapshot-every") == 0
                          ? simulation::Schedule::every_time(s.final_time / 20)
                          : simulation::Schedule::every_steps(s.snapshot_every);
}

// The two token indices of --track-pair ("a,b"), checked against N. A lone token has no pair:
// the default 0,1 then gives {0, 0} (columns NaN).
std::array<std::int64_t, 2> tracked_pair(const config::OptionSet& options, std::int64_t tokens) {
  const auto text = options.get<std::string>("track-pair");
  if (tokens < 2 && text == default_tracked_pair) return {0, 0};
  const auto values = config::parse_numbers(text, "track-pair");
  const std::string accepted = "two distinct token indices in [0, N) with N = " +
                               std::to_string(tokens) + ", e.g. 0,1";
  require(values.size() == 2, "--track-pair: got '" + text + "'; accepted: " + accepted);
  std::array<std::int64_t, 2> pair{};
  for (int k = 0; k < 2; ++k) {
    require(values[k] == std::floor(values[k]) && values[k] >= 0 && values[k] < double(tokens),
            "--track-pair: got '" + text + "'; accepted: " + accepted);
    pair[k] = static_cast<std::int64_t>(values[k]);
  }
  require(pair[0] != pair[1], "--track-pair: got '" + text + "'; accepted: " + accepted);
  return pair;
}

// A restart may change where output and checkpoints go, when to stop (the horizon included) and
// how the run began, except the seed, which also drives the noise. With --layers, which sets the
// step together with --final-time (h = T / (L substeps)), neither may change.
std::set<std::string> restart_free_keys(const config::OptionSet& options) {
  auto keys = simulation::run_control_keys();
  keys.insert("steps");
  if (options.get<long long>("layers") == 0) keys.insert({"final-time", "layers"});
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
  model::add_transformer_options(options);
  options.add<std::string>("integrator", "auto", "",
                           "time integrator: euler | rk4 | heun | layer, or auto: layer with "
                           "--layers or --mlp, rk4 otherwise");
  interaction::add_engine_options(options);
  options.add<double>("step-size", 0.0, "time",
                      "time step h, 0: 0.05 (USA: in the rescaled time e^s t); with --layers the "
                      "step is final-time / (layers substeps)");
  options.add<double>("final-time", 10.0, "time",
                      "simulated time to reach (unless --steps); with --layers the horizon T of "
                      "the L layers");
  options.add<long long>("steps", 0, "", "number of steps (overrides --final-time)");
  options.add<long long>("layers", 0, "",
                         "depth L: L transformer layers over the horizon --final-time T, h = T / L "
                         "(0: no layers; --steps or --final-time with --step-size)");
  options.add<long long>("substeps", 1, "",
                         "Heun steps per MLP layer (--integrator heun): the layer's field held "
                         "over k steps, the noise path the continuum integrates");
  options.add<double>("adaptive-tolerance", 0.0, "",
                      "> 0: adaptive steps (Bogacki-Shampine 3(2)) with this local error per step "
                      "to --final-time, --step-size the largest step (0: 1); 0: fixed steps");
  options.add<long long>("output-every", 0, "steps",
                         "diagnostics every K steps (0: 100 rows; adaptive: every final-time/100)");
  options.add<long long>("snapshot-every", 0, "steps",
                         "positions every K steps (0: 20 snapshots; adaptive: every final-time/20)");
  options.add<std::string>("output-times", "steps", "",
                           "steps (--output-every, --snapshot-every) or logarithmic: diagnostics "
                           "and snapshots at time 0 and t_1 q^n (an adaptive run lands on them)");
  options.add<double>("output-first-time", 0.0, "time",
                      "logarithmic output times: t_1 (0: the step size)");
  options.add<double>("output-factor", 1.25, "", "logarithmic output times: q of the diagnostics");
  options.add<double>("snapshot-factor", 2.0, "", "logarithmic output times: q of the snapshots");
  options.add<double>("cluster-tolerance", 1e-3, "",
                      "tokens with <x_i, x_j> > 1 - tolerance are in the same cluster");
  options.add<std::string>("track-pair", default_tracked_pair, "",
                           "two token indices a,b: |x_a - x_b| and its log are diagnostics columns "
                           "(Lyapunov estimates)");
  options.add_flag("skip-pair-diagnostics",
                   "leave out the O(N^2) diagnostics (energy, clusters, inner products: NaN)");
  add_run_options(options, "particles.h5", "steps");
}

int run_particles(const config::OptionSet& options, MPI_Comm comm, std::ostream& out,
                  const std::vector<simulation::Observer*>& observers) {
  // A stop signal during the set-up (reading files, building the engine) stops after one step.
  simulation::install_stop_signal_handlers();
  // --- Validate everything before anything is written.
  simulation::ParticleSettings settings;
  settings.tokens = options.get<long long>("tokens");
  require(settings.tokens >= 1,
          "--tokens: must be an integer >= 1 (got " + std::to_string(settings.tokens) + ")");
  settings.model = model::model_from_options(options, settings.tokens);
  {
    // Positions, velocities, integrator stages, engine and diagnostics buffers: at least 12 d + 4
    // doubles per owned token, and the direct engine's copy of every token's position and weight
    // on every rank (d + 1). Measured: the resident memory grows by 390 bytes per token (49
    // doubles) at d = 3 on one rank with the direct engine, from N = 1e5 to 4e5.
    const int d = settings.model.dimension;
    const bool direct = options.get<std::string>("engine") == "direct";
    require_run_memory("tokens", settings.tokens, 12.0 * d + 4, direct ? d + 1.0 : 0.0, comm);
  }
  particles::validate_initial_state_options(options, settings.model.dimension);
  settings.integrator = options.get<std::string>("integrator");
  const auto schedule =
      schedule_from_options(options, settings.model.has_mlp(), settings.integrator);
  settings.step_size = schedule.step_size;
  settings.total_steps = schedule.total_steps;
  settings.steps_per_layer = schedule.steps_per_layer;
  settings.adaptive_tolerance = schedule.adaptive_tolerance;
  settings.tracked_pair = tracked_pair(options, settings.tokens);
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
  control.horizon.time = schedule.final_time;
  output_schedules(options, schedule, control);
  if (checkpoint_every > 0) control.checkpoints = simulation::Schedule::every_steps(checkpoint_every);
  control.restart_free_keys = restart_free_keys(options);

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

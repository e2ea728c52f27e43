#include "run/continuum_run.hpp"

#include <cmath>
#include <ostream>
#include <set>

#include "config/options.hpp"
#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"
#include "run/petsc_options.hpp"
#include "model/model.hpp"
#include "output/run_file.hpp"
#include "simulation/driver.hpp"
#include "simulation/signals.hpp"
#include "simulation/restart_check.hpp"
#include "run/run_options.hpp"

namespace attnflow::run {

using errors::require;

namespace {

// Input keys a restart may change: where output and checkpoints go, when to stop, and how the
// run began (the state now comes from the checkpoint: every key continuum::add_initial_options
// registers). Every other key shapes the continuation (model, domain, scheme, output times) and
// must equal the checkpoint's (simulation/restart_check.hpp). With an MLP block the seed keys
// the layers' weights and --final-time / --layers set the layer length: none of them is free.
std::set<std::string> restart_free_keys(bool mlp) {
  auto keys = simulation::run_control_keys();
  if (!mlp) keys.insert("final-time");
  config::OptionSet initial("", "");
  continuum::add_initial_options(initial);
  for (const auto& name : initial.names())
    if (!(mlp && name == "seed")) keys.insert(name);
  return keys;
}

// The MLP layer length h = T / L of --layers L over --final-time T (0 without an MLP block).
double layer_length_from_options(const config::OptionSet& options, const model::Model& model,
                                 double final_time) {
  const auto layers = options.get<long long>("layers");
  require(layers >= 0, "--layers: must be >= 0 (got " + std::to_string(layers) + ")");
  if (!model.has_mlp()) {
    require(layers == 0, "--layers: the continuum's layers are MLP layers; give --mlp relu, gelu, "
                         "silu, tanh or sigmoid, or leave --layers at 0");
    return 0;
  }
  require(layers > 0, "--layers: the SPDE with an MLP block needs the depth L > 0 over "
                      "--final-time T (layer length h = T / L, as for the particles)");
  require(final_time > 0, "--final-time: must be > 0 with --layers");
  return final_time / double(layers);
}

struct Schedule {
  double final_time = 0;
  double output_interval = 0;
};

Schedule schedule_from_options(const config::OptionSet& options) {
  Schedule s;
  s.final_time = options.get<double>("final-time");
  s.output_interval = options.get<double>("output-interval");
  require(std::isfinite(s.final_time) && s.final_time >= 0, "--final-time: must be >= 0");
  require(std::isfinite(s.output_interval) && s.output_interval > 0,
          "--output-interval: must be > 0");
  return s;
}

}  // namespace

void add_continuum_options(config::OptionSet& options) {
  // The PDE has no token count (beta = c N^alpha), no causal mask and no Brownian noise.
  model::ModelOptionGroups groups;
  groups.beta_scaling = groups.causal_mask = groups.noise = false;
  groups.dimensions = "2 (circle) | 3 (sphere)";
  model::add_model_options(options, groups);
  model::add_transformer_options(options);
  continuum::add_initial_options(options);
  options.add<long long>("layers", 0, "",
                         "with --mlp: depth L over --final-time T, each layer's field driving the "
                         "transport for h = T / L (the particles' --layers)");
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
  interaction::add_engine_options(options, interaction::Targets::any_points);
  add_run_options(options, "continuum.h5", "output intervals");
}

int run_continuum(const config::OptionSet& options, MPI_Comm comm, std::ostream& out) {
  // A stop signal during the set-up (reading files, building the engine) stops after one step.
  simulation::install_stop_signal_handlers();
  // --- Validate everything before anything is written.
  const auto model = model::model_from_options(options, 0);
  continuum::Settings settings;
  settings.cfl = options.get<double>("cfl");
  settings.max_time_step = options.get<double>("max-time-step");
  settings.limiter = continuum::limiter_from_name(options.get<std::string>("limiter"));
  settings.engine = options.get<std::string>("engine");
  settings.engine_options = interaction::engine_options(options);
  const auto schedule = schedule_from_options(options);
  settings.layer_length = layer_length_from_options(options, model, schedule.final_time);
  const auto initial = continuum::initial_from_options(options, model.dimension);
  settings.seed = initial.seed;
  if (model.dimension == 2) {
    // The density, its SSP stages and the face values per owned cell (>= 8 doubles) and the
    // centre; the direct engine keeps every cell's centre and mass on every rank.
    require_run_memory("cells", options.get<long long>("cells"), 8.0 + model.dimension,
                       settings.engine == "direct" ? model.dimension + 1.0 : 0.0, comm);
  }

  std::int64_t checkpoint_every = 0;
  auto control = run_control_from_options(options, checkpoint_every);
  control.horizon.time = schedule.final_time;
  // Record n at time n * output interval (and at the final time); checkpoints after every K-th.
  control.diagnostics = simulation::Schedule::every_time(schedule.output_interval);
  control.snapshots = simulation::Schedule::every_time(schedule.output_interval);
  if (checkpoint_every > 0)
    control.checkpoints =
        simulation::Schedule::every_time(schedule.output_interval, checkpoint_every);
  control.restart_free_keys = restart_free_keys(model.has_mlp());

  const auto solver = continuum::make_solver(model, options.get<long long>("cells"),
                                            options.get<int>("refine"), settings, comm);
  // Every PETSc option given has been read by the set-up, or it is refused; -help (PETSc has
  // printed what the set-up read) stops here.
  if (petsc_help_requested()) {
    if (parallel::rank_of(comm) == 0)
      out << "attnflow-continuum: -help: the PETSc options above are read with the prefix -"
          << settings.options_prefix << "; the run was not started (attnflow's options: --help)\n";
    return 0;
  }
  refuse_unused_petsc_options(settings.options_prefix);
  errors::require(solver->ssp_coefficient() > 0,
                  "-" + settings.options_prefix + "ts_ssp_nstages: too few stages for " +
                      solver->time_stepper_description() +
                      "; accepted: rks2 >= 2 stages, rks3 a square >= 4, rk104 10");
  // --- The initial density (a restart replaces it with the checkpoint's), then the run.
  if (control.restart.empty()) {
    output::check_output_path(control.output, comm, control.overwrite, "output",
                              {control.input_file, options.get<std::string>("initial-file")});
    solver->set_density(continuum::initial_cell_averages(*solver, initial));
  }
  return simulation::drive(*solver, std::move(control), out);
}

}  // namespace attnflow::run

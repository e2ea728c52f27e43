#include "simulation/particle_system.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "checkpoint/checkpoint.hpp"
#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"
#include "theory/stability.hpp"
#include "version/version.hpp"

namespace attnflow::simulation {

using parallel::Section;

ParticleSystem::ParticleSystem(const ParticleSettings& settings, particles::State initial,
                               MPI_Comm comm)
    : settings_(settings),
      comm_(comm),
      kernel_(interaction::Kernel::from_model(settings.model)),
      engine_(interaction::make_engine(settings.engine, kernel_, comm, settings.engine_options)),
      energy_engine_(diagnostics::make_energy_engine(settings.model.dimension, settings.model.beta,
                                                     comm)),
      velocity_(stepper::make_velocity_field(settings.model, *engine_, settings.tokens)),
      integrator_(stepper::make_integrator(settings.integrator, velocity_, settings.model,
                                           settings.seed,
                                           std::exp(-0.5 * settings.model.log_time_scale()),
                                           settings.steps_per_layer)),
      state_(std::move(initial)),
      phases_(settings.model),
      phase_velocity_(stepper::make_velocity_field(settings.model, *engine_, settings.tokens)) {
  engine_->set_timers(&timers_);
  if (state_.step == 0) phases_.set_initial(state_.positions);
  if (settings.adaptive_tolerance > 0)
    adaptive_ = std::make_unique<stepper::AdaptiveStepper>(
        velocity_, settings.adaptive_tolerance, settings.step_size,
        settings.model.beta > 1 ? 1 / std::sqrt(settings.model.beta) : 1.0);
  if (settings.model.mlp)
    mlp_constants_ = theory::mlp_constants(*settings.model.mlp, settings.model.dimension,
                                           settings.model.beta);
}

void ParticleSystem::advance(double time_limit) {
  if (adaptive_) {
    adaptive_->step(state_, time_limit);
    return;
  }
  integrator_->step(state_, settings_.step_size);
  // The time of step n is n h exactly (no accumulated rounding in the output's time column).
  state_.time = double(state_.step) * settings_.step_size;
}

Description ParticleSystem::describe() const {
  const auto& m = settings_.model;
  std::ostringstream first;
  first << "attnflow-particles " << version::number() << " (" << version::git_revision()
        << ") on " << parallel::size_of(comm_) << " ranks: N = " << settings_.tokens
        << ", d = " << m.dimension << ", " << m.attention_name() << ", beta = " << m.beta << ", ";
  if (adaptive_)
    first << "adaptive steps (Bogacki-Shampine 3(2), local error <= "
          << settings_.adaptive_tolerance << ", h <= " << settings_.step_size << ")";
  else
    first << settings_.integrator << ", h = " << settings_.step_size << ", "
          << settings_.total_steps << " steps";
  if (m.attention_sign != 1)
    first << ", attention " << (m.attention_sign == 0 ? "off" : "repulsive (sign -1)");
  Description d;
  d.program = "attnflow-particles";
  d.header = {first.str(), "engine: " + engine_->summary()};
  if (m.log_time_scale() != 0)
    d.header.push_back("USA time rescaling: the run's time is t' = e^s t with s = " +
                       text::format_number(m.log_time_scale()));
  if (mlp_constants_) {
    const double layer_length = settings_.step_size * double(settings_.steps_per_layer);
    std::ostringstream layers;
    layers << "layers of length " << layer_length << " ("
           << settings_.steps_per_layer << (settings_.steps_per_layer == 1 ? " step" : " steps")
           << " each), weights keyed by (seed " << settings_.seed << ", layer)";
    d.header.push_back(layers.str());
    for (auto& line : theory::summary_lines(*mlp_constants_, *m.mlp, m.dimension, m.beta))
      d.header.push_back(line);
    if (m.log_time_scale() != 0)
      d.header.push_back("  (constants per unit of t; per unit of the run's time t' times e^{-s})");
  }
  d.items = settings_.tokens;
  d.dimension = m.dimension;
  d.beta = m.beta;
  d.engine = engine_->name();
  return d;
}

std::vector<std::string> ParticleSystem::diagnostic_columns() const {
  auto columns = diagnostics::column_names(settings_.model.dimension);
  for (auto& name : diagnostics::PhaseObservables::column_names(settings_.model.dimension))
    columns.push_back(name);
  return columns;
}

std::vector<double> ParticleSystem::diagnostic_row() {
  // The cluster labels come with the pair scan: kept for a snapshot of the same step.
  auto row = diagnostics::compute(state_, settings_.model, settings_.cluster_tolerance,
                                  energy_engine_.get(), settings_.pair_diagnostics,
                                  settings_.tracked_pair,
                                  settings_.pair_diagnostics ? &labels_ : nullptr);
  labels_step_ = settings_.pair_diagnostics ? state_.step : -1;
  std::vector<double> velocity;
  if (phases_.needs_velocity()) {
    velocity.resize(state_.positions.size());
    phase_velocity_.evaluate(state_.positions, velocity);
  }
  for (double value : phases_.row(state_, velocity)) row.push_back(value);
  return row;
}

std::vector<std::string> ParticleSystem::summary(const std::vector<double>& last_row) const {
  const auto columns = diagnostic_columns();
  std::vector<std::string> lines;
  std::ostringstream first;
  first << "final state at t = " << state_.time << " (step " << state_.step << "):";
  lines.push_back(first.str());
  for (std::size_t c = 1; c < std::min<std::size_t>({columns.size(), last_row.size(), 6}); ++c) {
    std::ostringstream line;
    line << "  " << columns[c] << std::string(columns[c].size() < 16 ? 16 - columns[c].size() : 0, ' ')
         << " " << last_row[c];
    lines.push_back(line.str());
  }
  const auto& m = settings_.model;
  if (m.identity_query_key() && m.value.is_identity() && !m.causal && m.beta > 0) {
    std::ostringstream theory;
    theory << "  theory (uniform start): winning degree l* = "
           << theory::winning_degree(m.attention, m.dimension, m.beta)
           << ", clustering time t* = ln N / (2 gamma_max) = "
           << theory::clustering_time_rescaled(m.attention, m.dimension, m.beta, settings_.tokens);
    lines.push_back(theory.str());
  }
  if (adaptive_) {
    std::ostringstream steps;
    steps << "  adaptive steps: " << state_.step << " accepted, " << adaptive_->rejected_steps()
          << " rejected in this job";
    lines.push_back(steps.str());
  }
  if (m.beta > 0 && settings_.tokens >= 2)
    lines.push_back("  " + model::mean_field_regime(m.beta, settings_.tokens, m.dimension));
  return lines;
}

output::RunFile& ParticleSystem::create_output(const std::string& path,
                                               const std::string& resolved_input_ini,
                                               bool overwrite) {
  const auto& m = settings_.model;
  const double s = m.log_time_scale();
  std::vector<output::Attribute> metadata = {
      {"model", m.attention_name()},
      {"beta", m.beta},
      {"log_time_scale", s},
      {"time_unit", output::time_units(s)},
      {"engine", engine_->summary()},
      {"integrator", adaptive_ ? std::string("adaptive-bs32") : settings_.integrator},
      {"step_size", settings_.step_size},
      {"adaptive_tolerance", settings_.adaptive_tolerance},
      {"attention_sign", std::int64_t(m.attention_sign)},
      {"tracked_pair", std::to_string(settings_.tracked_pair[0]) + "," +
                           std::to_string(settings_.tracked_pair[1])},
      {"ranks", std::int64_t(parallel::size_of(comm_))}};
  if (mlp_constants_) {
    metadata.push_back({"mlp", mlp::activation_name(m.mlp->activation)});
    metadata.push_back({"mlp_width", std::int64_t(m.mlp->width)});
    metadata.push_back({"mlp_bias_u", m.mlp->input_bias});
    metadata.push_back({"mlp_bias_w", m.mlp->output_bias});
    metadata.push_back({"layer_length", settings_.step_size * double(settings_.steps_per_layer)});
    metadata.push_back({"steps_per_layer", settings_.steps_per_layer});
    for (auto& attribute : theory::describe(*mlp_constants_)) metadata.push_back(attribute);
  }
  output_ = std::make_unique<particles::RunWriter>(path, comm_, m.dimension, settings_.tokens,
                                                   diagnostic_columns(), resolved_input_ini,
                                                   metadata, overwrite, output::time_units(s),
                                                   settings_.pair_diagnostics);
  return *output_;
}

output::RunFile& ParticleSystem::resume_output(const std::string& path,
                                               const checkpoint::RunPosition& position) {
  // The alignment prediction starts from the tokens at time 0: the first snapshot of the run
  // file being resumed (without one, the alignment columns of the continuation are NaN).
  if (state_.step != 0) {
    phases_.set_initial({});
    const auto partial = output::partial_path(path);
    try {
      const auto first = particles::read_snapshot(
          std::filesystem::exists(partial) ? partial : path, comm_, settings_.model.dimension, 0);
      if (first.time == 0 && first.step == 0) phases_.set_initial(first.positions);
    } catch (const errors::InputError&) {
    }
  }
  output_ = std::make_unique<particles::RunWriter>(
      particles::RunWriter::Resumed{}, path, comm_, settings_.model.dimension, settings_.tokens,
      diagnostic_columns(),
      output::ResumeCounts{position.snapshots_written, position.diagnostics_written},
      settings_.pair_diagnostics);
  return *output_;
}

void ParticleSystem::write_snapshot() {
  if (!settings_.pair_diagnostics) return output_->write_snapshot(state_);
  if (labels_step_ != state_.step) {
    labels_ = diagnostics::cluster_labels(state_, settings_.cluster_tolerance);
    labels_step_ = state_.step;
  }
  output_->write_snapshot(state_, &labels_);
}

std::string ParticleSystem::write_checkpoint(const std::string& directory,
                                             const checkpoint::RunPosition& position,
                                             const std::string& resolved_input_ini,
                                             int keep) const {
  return checkpoint::write(directory, state_, position.snapshots_written,
                           position.diagnostics_written, resolved_input_ini, keep);
}

Simulation::Restored ParticleSystem::restore(const std::string& path_or_directory) {
  auto checkpoint = checkpoint::read(path_or_directory, comm_);
  errors::require(checkpoint.state.dimension == settings_.model.dimension &&
                      checkpoint.state.partition.global_count == settings_.tokens,
                  "--restart: checkpoint '" + checkpoint.path + "' holds N = " +
                      std::to_string(checkpoint.state.partition.global_count) + ", d = " +
                      std::to_string(checkpoint.state.dimension) + "; the input asks for N = " +
                      std::to_string(settings_.tokens) + ", d = " +
                      std::to_string(settings_.model.dimension));
  // The time of step n is n h: a checkpoint written with another step size cannot continue
  // this run (the step is set by --step-size, or by --final-time / --layers). Adaptive steps
  // continue from the checkpoint's time.
  const double expected_time =
      adaptive_ ? checkpoint.state.time : double(checkpoint.state.step) * settings_.step_size;
  errors::require(std::abs(checkpoint.state.time - expected_time) <=
                      1e-12 * std::max(1.0, std::abs(expected_time)),
                  "--restart: checkpoint '" + checkpoint.path + "' is at step " +
                      std::to_string(checkpoint.state.step) + ", time " +
                      text::format_number(checkpoint.state.time) +
                      "; the input's step size " + text::format_number(settings_.step_size) +
                      " puts that step at time " + text::format_number(expected_time) +
                      " (a restart may not change the step)");
  state_ = std::move(checkpoint.state);
  return {{state_.time, state_.step, checkpoint.snapshots_written, checkpoint.diagnostics_written},
          checkpoint.input,
          checkpoint.path};
}

}  // namespace attnflow::simulation

#pragma once
// The particle solver as a Simulation: N tokens on S^{d-1} (particles::State, block-partitioned
// by global index), the attention velocity through an interaction engine, a time integrator
// (euler, rk4, heun, layer), the particle diagnostics, the particle run file and checkpoints of the full
// state in global order (so a restart may use another rank count). Every step is bitwise the same
// on any rank count for the direct and ring engines.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "diagnostics/phases.hpp"
#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "particles/particle_file.hpp"
#include "particles/state.hpp"
#include "simulation/simulation.hpp"
#include "stepper/adaptive.hpp"
#include "stepper/integrator.hpp"
#include "stepper/velocity.hpp"
#include "theory/mlp_constants.hpp"

namespace attnflow::simulation {

struct ParticleSettings {
  model::Model model;
  std::int64_t tokens = 0;
  std::string integrator = "rk4";
  double step_size = 0.05;
  std::uint64_t seed = 1;
  std::string engine = "direct";
  interaction::EngineOptions engine_options;
  double cluster_tolerance = 1e-3;
  bool pair_diagnostics = true;  // false: the O(N^2) columns are NaN
  std::int64_t total_steps = 0;  // for the run summary's header
  // Heun steps per MLP layer (stepper::make_integrator): layer l = step / steps_per_layer.
  std::int64_t steps_per_layer = 1;
  // The two tokens whose distance the diagnostics log (equal indices: no pair, NaN columns).
  std::array<std::int64_t, 2> tracked_pair = {0, 1};
  // > 0: adaptive steps (stepper/adaptive.hpp) with this local error tolerance and step_size as
  // the largest step, instead of the fixed-step integrator.
  double adaptive_tolerance = 0;
};

class ParticleSystem final : public Simulation {
 public:
  // Builds the engine and the integrator (throws errors::InputError for settings they refuse);
  // `initial` is the state of a new run (a restart replaces it in restore()).
  ParticleSystem(const ParticleSettings& settings, particles::State initial, MPI_Comm comm);

  MPI_Comm comm() const override { return comm_; }
  double time() const override { return state_.time; }
  std::int64_t step_count() const override { return state_.step; }
  void advance(double time_limit) override;

  Description describe() const override;
  std::vector<std::string> diagnostic_columns() const override;
  std::vector<double> diagnostic_row() override;
  std::vector<std::string> summary(const std::vector<double>& last_row) const override;

  output::RunFile& create_output(const std::string& path, const std::string& resolved_input_ini,
                                 bool overwrite) override;
  output::RunFile& resume_output(const std::string& path,
                                 const checkpoint::RunPosition& position) override;
  void write_snapshot() override;

  std::string write_checkpoint(const std::string& directory,
                               const checkpoint::RunPosition& position,
                               const std::string& resolved_input_ini, int keep) const override;
  Restored restore(const std::string& path_or_directory) override;

  double pairs_evaluated() const override { return velocity_.pairs_evaluated(); }
  parallel::Timers& timers() override { return timers_; }

  const particles::State& state() const { return state_; }

 private:
  ParticleSettings settings_;
  MPI_Comm comm_;
  parallel::Timers timers_;
  interaction::Kernel kernel_;
  std::unique_ptr<interaction::Engine> engine_;
  std::unique_ptr<interaction::Engine> energy_engine_;
  stepper::VelocityField velocity_;
  std::unique_ptr<stepper::Integrator> integrator_;
  std::unique_ptr<stepper::AdaptiveStepper> adaptive_;  // null: fixed steps
  particles::State state_;
  // The phase observables (diagnostics/phases.hpp) and their own velocity field, so that the
  // rotation rate's evaluation is not counted in pairs_evaluated().
  diagnostics::PhaseObservables phases_;
  stepper::VelocityField phase_velocity_;
  std::unique_ptr<particles::RunWriter> output_;
  // The clusters of this rank's tokens at step labels_step_ (-1: none yet), for /cluster_label.
  std::vector<std::int32_t> labels_;
  std::int64_t labels_step_ = -1;
  // The MLP block's mean-field constants (docs/mathematics.md section 9), printed at start-up and
  // stored in the output metadata; none without an MLP block.
  std::optional<theory::MlpConstants> mlp_constants_;
};

}  // namespace attnflow::simulation

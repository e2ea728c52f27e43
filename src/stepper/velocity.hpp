#pragma once
// The token velocity dx/dt as a sum of terms (docs/mathematics.md sections 1 and 3), the one
// right-hand side of both solvers: the particle integrators evaluate it at the tokens themselves,
// the continuum solver at its cell faces with the cell centres and masses as weighted sources.
// Both build it with make_velocity_field, so a new physical term (a drift, a field) is one more
// VelocityTerm and one line there, and both solvers get it.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "interaction/engine.hpp"
#include "mlp/field.hpp"

namespace attnflow::stepper {

// One additive part of the velocity. Each rank passes its targets and its block of the weighted
// sources; the term adds its tangent velocity at the targets. Collective.
class VelocityTerm {
 public:
  virtual ~VelocityTerm() = default;
  virtual std::string name() const = 0;
  virtual void add(std::span<const double> targets, std::span<const double> sources,
                   std::span<const double> weights, std::span<double> velocity) = 0;
  // Kernel pairs this rank evaluated in the last add() (0 for terms without pair sums).
  virtual double pairs_last_call() const { return 0; }
};

// P_x(attention output at x) through an interaction engine: sum_j w_j e^{beta <Q x, K y_j>} V y_j
// / Z (SA) or without the normaliser (USA, in the rescaled time), projected on the tangent space,
// times the model's attention sign (+1 attractive, -1 repulsive; sign 0 has no attention term).
class AttentionTerm final : public VelocityTerm {
 public:
  AttentionTerm(const interaction::Kernel& kernel, interaction::Engine& engine, int sign = 1);
  std::string name() const override { return "attention"; }
  void add(std::span<const double> targets, std::span<const double> sources,
           std::span<const double> weights, std::span<double> velocity) override;
  double pairs_last_call() const override { return engine_.pairs_last_call(); }

 private:
  interaction::Kernel kernel_;
  interaction::Engine& engine_;
  int sign_;
  interaction::KernelSums sums_;
  std::vector<double> output_;
};

// One MLP layer's field as a velocity (docs/mathematics.md section 9.4): scale P_x G_l(x), with
// G_l from mlp::RandomField (the particles' weights for the same seed and layer). Held over a
// layer of length h with scale = noise_scale / sqrt(h), it moves a point by sqrt(h) P_x G_l(x)
// to first order: the piecewise-linear (Wong-Zakai) interpolation of the Brownian field G_t,
// whose solutions converge to the Stratonovich SDE and SPDE as h -> 0. The continuum adds it to
// its velocity field; the particle integrators apply the same field as an increment.
class LayerFieldTerm final : public VelocityTerm {
 public:
  LayerFieldTerm(const model::MlpBlock& block, int dimension, std::uint64_t seed, double scale);
  std::string name() const override { return "mlp-field"; }
  // Draws layer `layer`'s weights (nothing when they are already drawn).
  void set_layer(std::uint64_t layer);
  // Another noise realisation: the weights of every layer are now keyed by `seed` (draw one with
  // set_layer).
  void set_seed(std::uint64_t seed);
  std::uint64_t layer() const { return field_.layer(); }
  // The field is frozen within a layer, so the values at the same targets (a solver's faces) are
  // computed once per layer and reused by every stage and step of it.
  void add(std::span<const double> targets, std::span<const double> sources,
           std::span<const double> weights, std::span<double> velocity) override;

 private:
  model::MlpBlock block_;
  mlp::RandomField field_;
  double scale_;
  bool drawn_ = false;
  bool cached_ = false;
  std::vector<double> cached_targets_, cached_velocity_;
};

class VelocityField {
 public:
  // The attention velocity of N tokens through `engine` times attention_sign (more terms with
  // add_term). Sign 0: no attention term, and the engine is never called (no communication).
  VelocityField(const interaction::Kernel& kernel, interaction::Engine& engine,
                std::int64_t token_count, int attention_sign = 1);
  void add_term(std::unique_ptr<VelocityTerm> term);
  // At the tokens themselves (this rank's, count x d): sources = targets, weights 1/N.
  void evaluate(std::span<const double> positions, std::span<double> velocity);
  // At `targets` (count x d) for this rank's block of weighted `sources`.
  void evaluate(std::span<const double> targets, std::span<const double> sources,
                std::span<const double> weights, std::span<double> velocity);
  // Kernel pairs this rank evaluated: in all calls so far, and in the last one.
  double pairs_evaluated() const { return pairs_; }
  double pairs_last_call() const { return pairs_last_call_; }
  const interaction::Kernel& kernel() const { return kernel_; }
  // The names of the terms, for run summaries.
  std::vector<std::string> term_names() const;
  int attention_sign() const { return attention_sign_; }

 private:
  interaction::Kernel kernel_;
  std::int64_t token_count_;
  int attention_sign_;
  std::vector<std::unique_ptr<VelocityTerm>> terms_;
  std::vector<double> weights_;
  double pairs_ = 0, pairs_last_call_ = 0;
};

// The velocity field of a model: its attention term through `engine` (a kernel made from the
// model) times model.attention_sign, then every other term the model asks for. token_count: N
// for the particles' own weights 1/N (0 when the caller always passes weights). The MLP field is
// not added here: the particle integrators apply it as each layer's increment, and the
// continuum adds a LayerFieldTerm, which needs the layer length.
VelocityField make_velocity_field(const model::Model& model, interaction::Engine& engine,
                                  std::int64_t token_count);

}  // namespace attnflow::stepper

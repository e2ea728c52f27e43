#pragma once
// Time integrators for the token dynamics, selected by name: euler (projected Euler: exactly one
// transformer layer with post-LayerNorm per step), rk4 (classical RK4, renormalised after each
// step), heun (stochastic Heun for the Stratonovich SDE of docs/mathematics.md sections 2 and 9,
// renormalised) and layer (the transformer layer with an MLP block of docs/mathematics.md
// section 9). The attention sign (model.attention_sign) is carried by the velocity field
// (stepper::make_velocity_field), which must match the model's.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "particles/state.hpp"
#include "stepper/velocity.hpp"

namespace attnflow::stepper {

class Integrator {
 public:
  virtual ~Integrator() = default;
  virtual std::string name() const = 0;
  // Advances the state by one step of size h; state.time += h, state.step += 1. Collective.
  virtual void step(particles::State& state, double h) = 0;
};

std::vector<std::string> integrator_names();

// `noise_scale` multiplies sigma_c, sigma_i and the MLP field's increment sqrt(h) G_l: e^{-s/2}
// when the run integrates in the rescaled time t' = e^{s} t (USA), 1 otherwise.
//
// With an MLP block (model.mlp), a run of depth L over the horizon T calls step(state, h) L
// times with h = T / L (in the run's time unit), and layer l = state.step draws its weights from
// (seed, l), so restarts and every rank count see the same weights:
// - "layer": the exact layer scheme of docs/mathematics.md section 9, Y = LN(X + h Attn(X)) (the projected Euler
//   step) then X' = LN(Y + sqrt(h) G_l(Y)); without an MLP block it is "euler".
// - "heun": the Stratonovich SDE limit dX = P_X Attn dt + P_X o dG_t(X), with the increment
//   sqrt(h) G_l of the field evaluated at the predictor's and at the corrector's points (one
//   field realisation per step), plus sigma_c and sigma_i if given. With steps_per_layer = k > 1
//   layer l = step / k is held over k steps of length h, each adding sqrt(h / k) G_l: Heun on
//   the piecewise-linear (Wong-Zakai) noise path dx/dt = v + P_x G_l / sqrt(k h) over each layer,
//   which the continuum integrates too (stepper::LayerFieldTerm); as k grows the particles follow
//   that path's flow exactly.
// Throws errors::InputError for an unknown name, for noise or an MLP block with a
// deterministic integrator, for Brownian noise with the layer scheme, and for steps_per_layer > 1
// without an MLP block and heun.
std::unique_ptr<Integrator> make_integrator(const std::string& name, VelocityField& velocity,
                                            const model::Model& model, std::uint64_t seed,
                                            double noise_scale, std::int64_t steps_per_layer = 1);

}  // namespace attnflow::stepper

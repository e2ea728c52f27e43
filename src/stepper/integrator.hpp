#pragma once
// Time integrators for the token dynamics, selected by name: euler (projected Euler: exactly one
// transformer layer with post-LayerNorm per step), rk4 (classical RK4, renormalised after each
// step) and heun (stochastic Heun for the Stratonovich SDE of docs/mathematics.md section 2, renormalised).
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
// `noise_scale` multiplies sigma_c and sigma_i: e^{-s/2} when the run integrates in the rescaled
// time t' = e^{s} t (USA), 1 otherwise. Throws errors::InputError for an unknown name or for
// noise with a deterministic integrator.
std::unique_ptr<Integrator> make_integrator(const std::string& name, VelocityField& velocity,
                                            const model::Model& model, std::uint64_t seed,
                                            double noise_scale);

}  // namespace attnflow::stepper

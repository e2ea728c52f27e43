#pragma once
// An adaptive time step for deterministic particle runs (the pairing phase of the moderate
// regime, docs/mathematics.md section 10.3, is exponentially long and exponentially slow: a fixed
// step spends almost all its work there). Bogacki-Shampine 3(2): four velocity evaluations per
// trial (the cost of one rk4 step; the first is reused by the rejected trials), the third-order
// solution is kept (local extrapolation), every stage point and the result renormalised.
//
// Guarantee: every accepted step has a local error estimate max_i |x_i^(3) - x_i^(2)|_inf (over
// all tokens and components) <= tolerance; there is no bound on the global error. The trial step
// of every step is a function of the current state only: min(max_step, the stable step from the
// velocity magnitude 0.1 w / max_i |v_i| with w = min(1, beta^{-1/2}) the kernel width, and the
// distance to the next output time), shrunk by the usual factor 0.9 (tolerance / error)^{1/3}
// (at least 1/100; 1/5 after a non-finite trial) until it is accepted. No controller state outlives a step, so a run restarted
// from a checkpoint (positions, time) takes bitwise the same steps as the uninterrupted one, and
// the maximum over tokens is exact, so the steps are the same on any rank count. The fixed-step
// integrators (stepper/integrator.hpp) are not involved.
#include <span>
#include <vector>

#include "particles/state.hpp"
#include "stepper/velocity.hpp"

namespace attnflow::stepper {

class AdaptiveStepper {
 public:
  // tolerance > 0 (local error per step), max_step > 0, kernel_width = min(1, beta^{-1/2}).
  AdaptiveStepper(VelocityField& velocity, double tolerance, double max_step, double kernel_width);
  // One accepted step that does not pass time_limit: a step ending within rounding of
  // time_limit lands on it exactly. Collective; returns the step taken.
  double step(particles::State& state, double time_limit);
  std::int64_t rejected_steps() const { return rejected_; }

 private:
  void stage(const std::vector<double>& base, double h, std::initializer_list<std::pair<double, const std::vector<double>*>> terms,
             std::vector<double>& out);

  VelocityField& velocity_;
  double tolerance_, max_step_, kernel_width_;
  int dimension_ = 0;
  std::int64_t rejected_ = 0;
  std::vector<double> k1_, k2_, k3_, k4_, point_, third_;
};

}  // namespace attnflow::stepper

#pragma once
// The particle velocity field v_i = P_{x_i}(attention output at x_i) (docs/mathematics.md section 1),
// evaluated for the whole distributed state through an interaction engine.
#include <span>
#include <vector>

#include "interaction/engine.hpp"
#include "particles/state.hpp"

namespace attnflow::stepper {

class VelocityField {
 public:
  VelocityField(const interaction::Kernel& kernel, interaction::Engine& engine,
                std::int64_t token_count);
  // velocity (count x d) at `positions` (this rank's tokens, count x d). Collective.
  void evaluate(std::span<const double> positions, std::span<double> velocity);
  double pairs_evaluated() const { return pairs_; }
  const interaction::Kernel& kernel() const { return kernel_; }

 private:
  interaction::Kernel kernel_;
  interaction::Engine& engine_;
  std::int64_t token_count_;
  std::vector<double> weights_;
  interaction::KernelSums sums_;
  double pairs_ = 0;
};

}  // namespace attnflow::stepper

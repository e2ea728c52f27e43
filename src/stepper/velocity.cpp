#include "stepper/velocity.hpp"

#include "geometry/sphere.hpp"

namespace attnflow::stepper {

VelocityField::VelocityField(const interaction::Kernel& kernel, interaction::Engine& engine,
                             std::int64_t token_count)
    : kernel_(kernel), engine_(engine), token_count_(token_count) {}

void VelocityField::evaluate(std::span<const double> positions, std::span<double> velocity) {
  const int d = kernel_.dimension;
  const std::size_t count = positions.size() / d;
  if (weights_.size() != count) weights_.assign(count, 1.0 / static_cast<double>(token_count_));
  engine_.evaluate(positions, positions, weights_, sums_);
  pairs_ += engine_.pairs_last_call();
  interaction::attention_output(kernel_, sums_, velocity);
  for (std::size_t i = 0; i < count; ++i) {
    std::span<const double> x(positions.data() + i * d, d);
    std::span<double> v(velocity.data() + i * d, d);
    geometry::project_tangent(x, v);
  }
}

}  // namespace attnflow::stepper

#include "stepper/velocity.hpp"

#include <algorithm>

#include "geometry/sphere.hpp"

namespace attnflow::stepper {

AttentionTerm::AttentionTerm(const interaction::Kernel& kernel, interaction::Engine& engine)
    : kernel_(kernel), engine_(engine) {}

void AttentionTerm::add(std::span<const double> targets, std::span<const double> sources,
                        std::span<const double> weights, std::span<double> velocity) {
  const int d = kernel_.dimension;
  engine_.evaluate(targets, sources, weights, sums_);
  output_.resize(targets.size());
  interaction::attention_output(kernel_, sums_, output_);
  for (std::size_t i = 0; i < targets.size() / d; ++i) {
    std::span<const double> x(targets.data() + i * d, d);
    std::span<double> a(output_.data() + i * d, d);
    geometry::project_tangent(x, a);
    for (int k = 0; k < d; ++k) velocity[i * d + k] += a[k];
  }
}

VelocityField::VelocityField(const interaction::Kernel& kernel, interaction::Engine& engine,
                             std::int64_t token_count)
    : kernel_(kernel), token_count_(token_count) {
  terms_.push_back(std::make_unique<AttentionTerm>(kernel, engine));
}

std::vector<std::string> VelocityField::term_names() const {
  std::vector<std::string> names;
  for (const auto& term : terms_) names.push_back(term->name());
  return names;
}

VelocityField make_velocity_field(const model::Model& model, interaction::Engine& engine,
                                  std::int64_t token_count) {
  // Attention is always there; further terms of the model are added here.
  return VelocityField(interaction::Kernel::from_model(model), engine, token_count);
}

void VelocityField::add_term(std::unique_ptr<VelocityTerm> term) { terms_.push_back(std::move(term)); }

void VelocityField::evaluate(std::span<const double> positions, std::span<double> velocity) {
  const std::size_t count = positions.size() / kernel_.dimension;
  if (weights_.size() != count) weights_.assign(count, 1.0 / static_cast<double>(token_count_));
  evaluate(positions, positions, weights_, velocity);
}

void VelocityField::evaluate(std::span<const double> targets, std::span<const double> sources,
                             std::span<const double> weights, std::span<double> velocity) {
  std::fill(velocity.begin(), velocity.begin() + targets.size(), 0.0);
  pairs_last_call_ = 0;
  for (auto& term : terms_) {
    term->add(targets, sources, weights, velocity);
    pairs_last_call_ += term->pairs_last_call();
  }
  pairs_ += pairs_last_call_;
}

}  // namespace attnflow::stepper

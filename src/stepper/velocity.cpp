#include "stepper/velocity.hpp"

#include <algorithm>

#include "errors/errors.hpp"
#include "geometry/sphere.hpp"

namespace attnflow::stepper {

AttentionTerm::AttentionTerm(const interaction::Kernel& kernel, interaction::Engine& engine,
                             int sign)
    : kernel_(kernel), engine_(engine), sign_(sign) {}

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
    // sign * a: exactly a or -a, the same bits as negating the velocity afterwards.
    for (int k = 0; k < d; ++k) velocity[i * d + k] += sign_ * a[k];
  }
}

LayerFieldTerm::LayerFieldTerm(const model::MlpBlock& block, int dimension, std::uint64_t seed,
                               double scale)
    : block_(block), field_(block, dimension, seed), scale_(scale) {}

void LayerFieldTerm::set_seed(std::uint64_t seed) {
  field_ = mlp::RandomField(block_, field_.dimension(), seed);
  drawn_ = false;
  cached_ = false;
}

void LayerFieldTerm::set_layer(std::uint64_t layer) {
  if (drawn_ && field_.layer() == layer) return;
  field_.draw_layer(layer);
  drawn_ = true;
  cached_ = false;
}

void LayerFieldTerm::add(std::span<const double> targets, std::span<const double>,
                         std::span<const double>, std::span<double> velocity) {
  errors::ensure(drawn_, "LayerFieldTerm::add before set_layer");
  const int d = field_.dimension();
  // Comparing the targets costs O(count d), the field O(count m d).
  if (!cached_ || !std::equal(targets.begin(), targets.end(), cached_targets_.begin(),
                              cached_targets_.end())) {
    cached_targets_.assign(targets.begin(), targets.end());
    cached_velocity_.resize(targets.size());
    field_.evaluate(targets, cached_velocity_);
    for (std::size_t i = 0; i < targets.size() / d; ++i) {
      std::span<const double> x(targets.data() + i * d, d);
      std::span<double> g(cached_velocity_.data() + i * d, d);
      geometry::project_tangent(x, g);
      for (int k = 0; k < d; ++k) g[k] *= scale_;
    }
    cached_ = true;
  }
  for (std::size_t k = 0; k < targets.size(); ++k) velocity[k] += cached_velocity_[k];
}

VelocityField::VelocityField(const interaction::Kernel& kernel, interaction::Engine& engine,
                             std::int64_t token_count, int attention_sign)
    : kernel_(kernel), token_count_(token_count), attention_sign_(attention_sign) {
  errors::ensure(attention_sign >= -1 && attention_sign <= 1,
                 "VelocityField: attention sign outside {-1, 0, 1}");
  if (attention_sign != 0)
    terms_.push_back(std::make_unique<AttentionTerm>(kernel, engine, attention_sign));
}

std::vector<std::string> VelocityField::term_names() const {
  std::vector<std::string> names;
  for (const auto& term : terms_) names.push_back(term->name());
  return names;
}

VelocityField make_velocity_field(const model::Model& model, interaction::Engine& engine,
                                  std::int64_t token_count) {
  // Attention (unless its sign is 0); further terms of the model are added here.
  return VelocityField(interaction::Kernel::from_model(model), engine, token_count,
                       model.attention_sign);
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

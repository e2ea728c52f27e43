#include "stepper/integrator.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "errors/errors.hpp"
#include "geometry/sphere.hpp"
#include "mlp/field.hpp"
#include "random/counter_random.hpp"

namespace attnflow::stepper {

namespace {

void renormalise(particles::State& state) {
  geometry::normalise_rows(state.positions, state.dimension);
}

// The velocity field carries the attention sign (stepper/velocity.hpp): sign 0 has no attention
// term, and evaluate() then fills zeros without calling the engine.
void attention_velocity(VelocityField& velocity, std::span<const double> positions,
                        std::span<double> out) {
  velocity.evaluate(positions, out);
}

// The layer l = state.step's MLP field, or nothing (attention only).
std::optional<mlp::RandomField> make_field(const model::Model& model, std::uint64_t seed) {
  if (!model.mlp) return std::nullopt;
  return mlp::RandomField(*model.mlp, model.dimension, seed);
}

// One transformer layer (docs/mathematics.md section 9): the attention half-step Y = normalise(x + h P_x a(x))
// (projected Euler: attention, residual connection, LayerNorm), then, with an MLP block, the MLP
// half-step x' = normalise(Y + sqrt(h) G_l(Y)), whose output is not projected. Without an MLP
// block this is the "euler" integrator.
class Layer : public Integrator {
 public:
  Layer(std::string name, VelocityField& velocity, const model::Model& model, std::uint64_t seed,
        double noise_scale)
      : name_(std::move(name)),
        velocity_(velocity),
        sign_(model.attention_sign),
        field_(make_field(model, seed)),
        field_scale_(noise_scale) {}
  std::string name() const override { return name_; }
  // Sign 0 skips the attention half-step (and its renormalisation) altogether.
  void step(particles::State& state, double h) override {
    const std::size_t n = state.positions.size();
    if (sign_ != 0) {
      velocity_field_.resize(n);
      attention_velocity(velocity_, state.positions, velocity_field_);
      for (std::size_t k = 0; k < n; ++k) state.positions[k] += h * velocity_field_[k];
      renormalise(state);
    }
    if (field_) {
      field_values_.resize(n);
      field_->draw_layer(static_cast<std::uint64_t>(state.step));
      field_->evaluate(state.positions, field_values_);
      const double increment_scale = field_scale_ * std::sqrt(h);
      for (std::size_t k = 0; k < n; ++k) state.positions[k] += increment_scale * field_values_[k];
      renormalise(state);
    }
    state.time += h;
    ++state.step;
  }

 private:
  std::string name_;
  VelocityField& velocity_;
  int sign_;
  std::optional<mlp::RandomField> field_;
  double field_scale_;
  std::vector<double> velocity_field_, field_values_;
};

class RungeKutta4 : public Integrator {
 public:
  explicit RungeKutta4(VelocityField& velocity) : velocity_(velocity) {}
  std::string name() const override { return "rk4"; }
  void step(particles::State& state, double h) override {
    const std::size_t n = state.positions.size();
    for (auto* v : {&k1_, &k2_, &k3_, &k4_, &stage_}) v->resize(n);
    const auto& x = state.positions;
    attention_velocity(velocity_, x, k1_);
    for (std::size_t k = 0; k < n; ++k) stage_[k] = x[k] + 0.5 * h * k1_[k];
    attention_velocity(velocity_, stage_, k2_);
    for (std::size_t k = 0; k < n; ++k) stage_[k] = x[k] + 0.5 * h * k2_[k];
    attention_velocity(velocity_, stage_, k3_);
    for (std::size_t k = 0; k < n; ++k) stage_[k] = x[k] + h * k3_[k];
    attention_velocity(velocity_, stage_, k4_);
    for (std::size_t k = 0; k < n; ++k)
      state.positions[k] += h / 6.0 * (k1_[k] + 2 * k2_[k] + 2 * k3_[k] + k4_[k]);
    renormalise(state);
    state.time += h;
    ++state.step;
  }

 private:
  VelocityField& velocity_;
  std::vector<double> k1_, k2_, k3_, k4_, stage_;
};

// Stratonovich Heun: predictor x~ = x + h v(x) + P_x dW(x), corrector
// x' = x + h/2 (v(x) + v(x~)) + 1/2 (P_x dW(x) + P_x~ dW(x~)), then renormalise. The increment
// dW(y) = sigma_c dB + sigma_i dW_i + sqrt(h) G_l(y): dB is the same on every rank (counter keyed
// by step only), and the MLP field G_l is one realisation per step (layer l = step), evaluated
// at both x and x~. Without a field dW(x~) = dW(x), and the corrector's 1/2 (dW + dW) is dW
// exactly, so runs without an MLP block keep their bits.
// With k steps per layer (steps_per_layer), layer l = step / k is held over its k steps: each
// step of length h adds h G_l / sqrt(k h) = sqrt(h / k) G_l, so the k steps integrate the ODE
// dx/dt = v(x) + P_x G_l(x) / sqrt(H) over the layer's time H = k h, the piecewise-linear
// (Wong-Zakai) noise path that the continuum's LayerFieldTerm integrates; k = 1 is one Heun step
// per layer (sqrt(h / 1) = sqrt(h) exactly).
class StochasticHeun : public Integrator {
 public:
  StochasticHeun(VelocityField& velocity, const model::Model& model, std::uint64_t seed,
                 double noise_scale, std::int64_t steps_per_layer)
      : velocity_(velocity),
        steps_per_layer_(steps_per_layer),
        common_(seed, random::Stream::common_noise),
        independent_(seed, random::Stream::independent_noise),
        sigma_common_(model.common_noise * noise_scale),
        sigma_independent_(model.independent_noise * noise_scale),
        field_(make_field(model, seed)),
        field_scale_(noise_scale) {}
  std::string name() const override { return "heun"; }
  void step(particles::State& state, double h) override {
    const int d = state.dimension;
    const std::size_t n = state.positions.size();
    const std::size_t count = n / d;
    for (auto* v : {&drift_, &drift_predicted_, &increment_, &predicted_}) v->resize(n);
    std::vector<double> common(d), own(d);
    const double root_h = std::sqrt(h);
    common_.normals(0, state.step, common);
    for (std::size_t i = 0; i < count; ++i) {
      if (sigma_independent_ != 0)
        independent_.normals(state.partition.first + i, state.step, own);
      for (int k = 0; k < d; ++k)
        increment_[i * d + k] =
            root_h * (sigma_common_ * common[k] +
                      (sigma_independent_ != 0 ? sigma_independent_ * own[k] : 0.0));
    }
    const auto& x = state.positions;
    // The increment at x, and (with a field) the field part at x~ below.
    const std::vector<double>* increment_at_x = &increment_;
    const double field_increment_scale =
        field_scale_ * std::sqrt(h / static_cast<double>(steps_per_layer_));
    if (field_) {
      increment_at_x_.resize(n);
      field_values_.resize(n);
      const auto layer = static_cast<std::uint64_t>(state.step / steps_per_layer_);
      if (field_->layer() != layer || !field_drawn_) field_->draw_layer(layer);
      field_drawn_ = true;
      field_->evaluate(x, field_values_);
      for (std::size_t k = 0; k < n; ++k)
        increment_at_x_[k] = increment_[k] + field_increment_scale * field_values_[k];
      increment_at_x = &increment_at_x_;
    }
    attention_velocity(velocity_, x, drift_);
    for (std::size_t i = 0; i < count; ++i) {
      std::span<const double> xi(x.data() + i * d, d);
      std::span<const double> dw(increment_at_x->data() + i * d, d);
      const double c = geometry::dot(xi, dw);
      for (int k = 0; k < d; ++k)
        predicted_[i * d + k] = xi[k] + h * drift_[i * d + k] + dw[k] - c * xi[k];
    }
    attention_velocity(velocity_, predicted_, drift_predicted_);
    const std::vector<double>* increment_at_predicted = increment_at_x;
    if (field_) {
      increment_at_predicted_.resize(n);
      field_->evaluate(predicted_, field_values_);
      for (std::size_t k = 0; k < n; ++k)
        increment_at_predicted_[k] = increment_[k] + field_increment_scale * field_values_[k];
      increment_at_predicted = &increment_at_predicted_;
    }
    for (std::size_t i = 0; i < count; ++i) {
      std::span<const double> dwx(increment_at_x->data() + i * d, d);
      std::span<const double> dwp(increment_at_predicted->data() + i * d, d);
      std::span<const double> xi(x.data() + i * d, d), pi(predicted_.data() + i * d, d);
      const double cx = geometry::dot(xi, dwx), cp = geometry::dot(pi, dwp);
      for (int k = 0; k < d; ++k) {
        const double projected_noise = 0.5 * (dwx[k] + dwp[k]) - 0.5 * (cx * xi[k] + cp * pi[k]);
        state.positions[i * d + k] +=
            0.5 * h * (drift_[i * d + k] + drift_predicted_[i * d + k]) + projected_noise;
      }
    }
    renormalise(state);
    state.time += h;
    ++state.step;
  }

 private:
  VelocityField& velocity_;
  std::int64_t steps_per_layer_;
  random::CounterRandom common_, independent_;
  double sigma_common_, sigma_independent_;
  std::optional<mlp::RandomField> field_;
  bool field_drawn_ = false;
  double field_scale_;
  std::vector<double> drift_, drift_predicted_, increment_, predicted_;
  std::vector<double> increment_at_x_, increment_at_predicted_, field_values_;
};

std::string mlp_name(const model::Model& model) {
  return mlp::activation_name(model.mlp->activation);
}

}  // namespace

std::vector<std::string> integrator_names() { return {"euler", "rk4", "heun", "layer"}; }

std::unique_ptr<Integrator> make_integrator(const std::string& name, VelocityField& velocity,
                                            const model::Model& model, std::uint64_t seed,
                                            double noise_scale, std::int64_t steps_per_layer) {
  errors::ensure(model.attention_sign >= -1 && model.attention_sign <= 1,
                 "make_integrator: attention sign outside {-1, 0, 1}");
  errors::ensure(velocity.attention_sign() == model.attention_sign,
                 "make_integrator: the velocity field's attention sign differs from the model's "
                 "(build it with make_velocity_field)");
  errors::ensure(steps_per_layer >= 1, "make_integrator: steps_per_layer < 1");
  const bool known = name == "euler" || name == "rk4" || name == "heun" || name == "layer";
  if (!known)
    throw errors::InputError("--integrator: unknown integrator '" + name +
                             "'; accepted: euler, rk4, heun, layer");
  if (model.stochastic() && name != "heun")
    throw errors::InputError("--integrator " + name +
                             ": noise (common-noise or independent-noise > 0) needs the "
                             "Stratonovich scheme; accepted: heun");
  if (model.has_mlp() && (name == "euler" || name == "rk4"))
    throw errors::InputError("--integrator " + name + ": the MLP block (--mlp " +
                             mlp_name(model) +
                             ") needs the layer scheme or its SDE limit; accepted: layer, heun");
  if (steps_per_layer > 1 && !(name == "heun" && model.has_mlp()))
    throw errors::InputError(
        "--substeps " + std::to_string(steps_per_layer) +
        ": sub-steps hold one MLP layer's field over several Heun steps; they need --mlp and "
        "--integrator heun (the layer scheme is one step per layer)");
  if (name == "euler" || name == "layer")
    return std::make_unique<Layer>(name, velocity, model, seed, noise_scale);
  if (name == "rk4") return std::make_unique<RungeKutta4>(velocity);
  return std::make_unique<StochasticHeun>(velocity, model, seed, noise_scale, steps_per_layer);
}

}  // namespace attnflow::stepper

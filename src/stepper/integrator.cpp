#include "stepper/integrator.hpp"

#include <cmath>

#include "errors/errors.hpp"
#include "geometry/sphere.hpp"
#include "random/counter_random.hpp"

namespace attnflow::stepper {

namespace {

void renormalise(particles::State& state) {
  geometry::normalise_rows(state.positions, state.dimension);
}

// x_{n+1} = normalise(x_n + h P_x a(x_n)): attention, residual connection, LayerNorm.
class ProjectedEuler : public Integrator {
 public:
  explicit ProjectedEuler(VelocityField& velocity) : velocity_(velocity) {}
  std::string name() const override { return "euler"; }
  void step(particles::State& state, double h) override {
    velocity_field.resize(state.positions.size());
    velocity_.evaluate(state.positions, velocity_field);
    for (std::size_t k = 0; k < state.positions.size(); ++k)
      state.positions[k] += h * velocity_field[k];
    renormalise(state);
    state.time += h;
    ++state.step;
  }

 private:
  VelocityField& velocity_;
  std::vector<double> velocity_field;
};

class RungeKutta4 : public Integrator {
 public:
  explicit RungeKutta4(VelocityField& velocity) : velocity_(velocity) {}
  std::string name() const override { return "rk4"; }
  void step(particles::State& state, double h) override {
    const std::size_t n = state.positions.size();
    for (auto* v : {&k1_, &k2_, &k3_, &k4_, &stage_}) v->resize(n);
    const auto& x = state.positions;
    velocity_.evaluate(x, k1_);
    for (std::size_t k = 0; k < n; ++k) stage_[k] = x[k] + 0.5 * h * k1_[k];
    velocity_.evaluate(stage_, k2_);
    for (std::size_t k = 0; k < n; ++k) stage_[k] = x[k] + 0.5 * h * k2_[k];
    velocity_.evaluate(stage_, k3_);
    for (std::size_t k = 0; k < n; ++k) stage_[k] = x[k] + h * k3_[k];
    velocity_.evaluate(stage_, k4_);
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

// Stratonovich Heun: predictor x~ = x + h v(x) + P_x dW, corrector
// x' = x + h/2 (v(x) + v(x~)) + 1/2 (P_x + P_x~) dW, then renormalise. dW_i = sigma_c dB +
// sigma_i dW_i, with dB the same on every rank (counter keyed by step only).
class StochasticHeun : public Integrator {
 public:
  StochasticHeun(VelocityField& velocity, const model::Model& model, std::uint64_t seed,
                 double noise_scale)
      : velocity_(velocity),
        common_(seed, random::Stream::common_noise),
        independent_(seed, random::Stream::independent_noise),
        sigma_common_(model.common_noise * noise_scale),
        sigma_independent_(model.independent_noise * noise_scale) {}
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
    velocity_.evaluate(x, drift_);
    for (std::size_t i = 0; i < count; ++i) {
      std::span<const double> xi(x.data() + i * d, d);
      std::span<const double> dw(increment_.data() + i * d, d);
      const double c = geometry::dot(xi, dw);
      for (int k = 0; k < d; ++k)
        predicted_[i * d + k] = xi[k] + h * drift_[i * d + k] + dw[k] - c * xi[k];
    }
    velocity_.evaluate(predicted_, drift_predicted_);
    for (std::size_t i = 0; i < count; ++i) {
      std::span<const double> dw(increment_.data() + i * d, d);
      std::span<const double> xi(x.data() + i * d, d), pi(predicted_.data() + i * d, d);
      const double cx = geometry::dot(xi, dw), cp = geometry::dot(pi, dw);
      for (int k = 0; k < d; ++k) {
        const double projected_noise = dw[k] - 0.5 * (cx * xi[k] + cp * pi[k]);
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
  random::CounterRandom common_, independent_;
  double sigma_common_, sigma_independent_;
  std::vector<double> drift_, drift_predicted_, increment_, predicted_;
};

}  // namespace

std::vector<std::string> integrator_names() { return {"euler", "rk4", "heun"}; }

std::unique_ptr<Integrator> make_integrator(const std::string& name, VelocityField& velocity,
                                            const model::Model& model, std::uint64_t seed,
                                            double noise_scale) {
  if (model.stochastic() && name != "heun")
    throw errors::InputError("--integrator " + name +
                             ": noise (common-noise or independent-noise > 0) needs the "
                             "Stratonovich scheme; accepted: heun");
  if (name == "euler") return std::make_unique<ProjectedEuler>(velocity);
  if (name == "rk4") return std::make_unique<RungeKutta4>(velocity);
  if (name == "heun")
    return std::make_unique<StochasticHeun>(velocity, model, seed, noise_scale);
  throw errors::InputError("--integrator: unknown integrator '" + name +
                           "'; accepted: euler, rk4, heun");
}

}  // namespace attnflow::stepper

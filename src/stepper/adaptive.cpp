#include "stepper/adaptive.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors/errors.hpp"
#include "geometry/sphere.hpp"
#include "parallel/partition.hpp"

namespace attnflow::stepper {

AdaptiveStepper::AdaptiveStepper(VelocityField& velocity, double tolerance, double max_step,
                                 double kernel_width)
    : velocity_(velocity), tolerance_(tolerance), max_step_(max_step), kernel_width_(kernel_width) {
  errors::ensure(tolerance > 0 && max_step > 0 && kernel_width > 0,
                 "AdaptiveStepper: tolerance, max_step and kernel width must be > 0");
}

void AdaptiveStepper::stage(const std::vector<double>& base, double h,
                            std::initializer_list<std::pair<double, const std::vector<double>*>> terms,
                            std::vector<double>& out) {
  out = base;
  for (const auto& [coefficient, k] : terms)
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += h * coefficient * (*k)[i];
  // Stage points on the sphere: the method is then Bogacki-Shampine for the extension
  // v(x) = v(x / |x|) of the tangent field, which conserves |x| exactly and agrees with the true
  // flow on the sphere, so the order is kept. (Off the sphere the attention velocity has a
  // radial part (1 - |x|^2) x of size (h |v|)^2 that swamps the tiny velocities of the pairing
  // phase and would make the error estimate reject every long step.)
  geometry::normalise_rows(out, dimension_);
}

namespace {
double global_max(double value, MPI_Comm comm) {
  parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, comm),
                      "MPI_Allreduce(adaptive step)");
  return value;
}
}  // namespace

double AdaptiveStepper::step(particles::State& state, double time_limit) {
  const std::size_t n = state.positions.size();
  const int d = state.dimension;
  dimension_ = d;
  const std::vector<double> x = state.positions;
  k1_.resize(n), k2_.resize(n), k3_.resize(n), k4_.resize(n);
  velocity_.evaluate(x, k1_);
  double speed = 0;
  for (std::size_t i = 0; i < n; i += d) {
    double square = 0;
    for (int a = 0; a < d; ++a) square += k1_[i + a] * k1_[i + a];
    speed = std::max(speed, std::sqrt(square));
  }
  speed = global_max(speed, state.comm);
  double h = max_step_;
  if (speed > 0) h = std::min(h, 0.1 * kernel_width_ / speed);
  const double remaining = time_limit - state.time;
  errors::ensure(remaining > 0, "AdaptiveStepper: no time left before the limit");
  bool lands = false;
  if (h >= remaining * (1 - 1e-12)) {
    h = remaining;
    lands = true;
  }
  for (int trial = 0;; ++trial) {
    errors::ensure(trial < 200, "AdaptiveStepper: the step size underflowed");
    stage(x, h, {{0.5, &k1_}}, point_);
    velocity_.evaluate(point_, k2_);
    stage(x, h, {{0.75, &k2_}}, point_);
    velocity_.evaluate(point_, k3_);
    stage(x, h, {{2.0 / 9, &k1_}, {1.0 / 3, &k2_}, {4.0 / 9, &k3_}}, third_);
    velocity_.evaluate(third_, k4_);
    // Second-order companion: x + h (7/24 k1 + 1/4 k2 + 1/3 k3 + 1/8 k4); its difference from
    // the third-order solution, with the coefficients subtracted exactly:
    double error = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double difference = h * ((2.0 / 9 - 7.0 / 24) * k1_[i] + (1.0 / 3 - 1.0 / 4) * k2_[i] +
                                     (4.0 / 9 - 1.0 / 3) * k3_[i] - (1.0 / 8) * k4_[i]);
      // NaN-aware: a stage that left the representable range rejects the trial.
      if (!(std::abs(difference) <= error)) error = std::abs(difference);
    }
    if (std::isnan(error)) error = std::numeric_limits<double>::infinity();
    error = global_max(error, state.comm);
    if (error <= tolerance_) break;
    ++rejected_;
    lands = false;
    // The usual controller factor, down to 1/100 (the trial starts from a state-only guess,
    // which may be far too long), 1/5 when the trial blew up.
    h *= std::isfinite(error) ? std::max(0.01, 0.9 * std::cbrt(tolerance_ / error)) : 0.2;
  }
  state.positions = third_;
  geometry::normalise_rows(state.positions, d);
  state.time = lands ? time_limit : state.time + h;
  ++state.step;
  return h;
}

}  // namespace attnflow::stepper

#include "simulation/schedule.hpp"

#include <algorithm>
#include <cmath>

#include "errors/errors.hpp"

namespace attnflow::simulation {

double same_time_tolerance(double time) {
  return 8 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(time));
}

Schedule Schedule::never() { return Schedule{}; }

Schedule Schedule::every_steps(std::int64_t steps) {
  errors::ensure(steps >= 1, "Schedule::every_steps: needs at least one step");
  Schedule s;
  s.kind_ = Kind::steps;
  s.steps_ = steps;
  return s;
}

Schedule Schedule::every_time(double interval, std::int64_t stride) {
  errors::ensure(std::isfinite(interval) && interval > 0 && stride >= 1,
                 "Schedule::every_time: needs a finite interval > 0 and a stride >= 1");
  Schedule s;
  s.kind_ = Kind::time;
  s.interval_ = interval;
  s.stride_ = stride;
  return s;
}

Schedule Schedule::logarithmic(double first, double factor) {
  errors::ensure(std::isfinite(first) && first > 0 && std::isfinite(factor) && factor > 1,
                 "Schedule::logarithmic: needs a first time > 0 and a factor > 1");
  Schedule s;
  s.kind_ = Kind::logarithmic;
  s.interval_ = first;
  s.factor_ = factor;
  return s;
}

double Schedule::point(std::int64_t n) const {
  if (kind_ == Kind::time) return static_cast<double>(n * stride_) * interval_;
  // Logarithmic: point 0 is time 0, point n >= 1 is first * factor^(n - 1).
  return n == 0 ? 0.0 : interval_ * std::pow(factor_, static_cast<double>(n - 1));
}

std::int64_t Schedule::first_after(double time) const {
  std::int64_t n = next_;
  while (point(n) <= time + same_time_tolerance(time)) ++n;
  return n;
}

bool Schedule::due(std::int64_t step, double time) {
  switch (kind_) {
    case Kind::never: return false;
    case Kind::steps: return step % steps_ == 0;
    case Kind::time:
    case Kind::logarithmic: {
      if (point(next_) > time + same_time_tolerance(time)) return false;
      next_ = first_after(time);
      return true;
    }
  }
  return false;
}

double Schedule::next_time(double time) const {
  if (kind_ != Kind::time && kind_ != Kind::logarithmic)
    return std::numeric_limits<double>::infinity();
  return point(first_after(time));
}

void Schedule::resume(double time) {
  if (kind_ == Kind::time || kind_ == Kind::logarithmic) next_ = first_after(time);
}

}  // namespace attnflow::simulation

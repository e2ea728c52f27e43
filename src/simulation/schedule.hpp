#pragma once
// When an observer acts (LAMMPS's thermo/dump/restart frequencies, with times as well as steps):
// never, every K steps, every dT of simulated time (optionally only every K-th such time), or at
// logarithmically spaced times t_n = t_1 q^(n-1) (the phases of the moderate regime span 1 to
// e^{c beta}). A schedule remembers which point it is at: due() is asked once per step, in order.
// Time points are computed as n * dT or t_1 q^(n-1), never accumulated, so they are exact and
// the same on every rank and after a restart.
#include <cstdint>
#include <limits>

namespace attnflow::simulation {

class Schedule {
 public:
  static Schedule never();
  static Schedule every_steps(std::int64_t steps);
  // Times n * interval, n = 0, stride, 2 stride, ...
  static Schedule every_time(double interval, std::int64_t stride = 1);
  // Time 0 and times first * factor^n, n = 0, 1, ... (factor > 1).
  static Schedule logarithmic(double first, double factor);

  // True when (step, time) is an observation point (a time point within rounding of `time`, or
  // passed since the last call); advances past every point <= time.
  bool due(std::int64_t step, double time);
  // The next time point strictly after `time` (infinity for step schedules and `never`): an
  // adaptive simulation lands on it.
  double next_time(double time) const;
  // After a restart at `time`: the points up to and including `time` count as observed.
  void resume(double time);
  bool is_never() const { return kind_ == Kind::never; }

 private:
  enum class Kind { never, steps, time, logarithmic };
  double point(std::int64_t n) const;  // the n-th time point
  std::int64_t first_after(double time) const;

  Kind kind_ = Kind::never;
  std::int64_t steps_ = 0;
  double interval_ = 0, factor_ = 0;
  std::int64_t stride_ = 1;
  std::int64_t next_ = 0;  // index of the next time point not yet observed
};

// Two times closer than this are the same observation point (a few ulps of the larger).
double same_time_tolerance(double time);

}  // namespace attnflow::simulation

#pragma once
// Progress on rank 0 while a run advances: step, simulated time, ETA and pair interactions per
// second, redrawn on one terminal line at most once a second; silent when standard error is not a
// terminal or when the user asks for quiet.
#include <cstdint>

namespace attnflow::run {

class Progress {
 public:
  Progress(bool enabled, std::int64_t first_step, std::int64_t last_step);
  // Call after each step with the pairs evaluated so far in this job (all ranks).
  void update(std::int64_t step, double time, double pairs);
  void finish();

 private:
  bool enabled_;
  std::int64_t first_step_, last_step_;
  double start_, last_print_;
  bool printed_ = false;
};

}  // namespace attnflow::run

#pragma once
// Progress on rank 0 while a run advances: step, simulated time, per cent done, ETA and pair
// interactions per second. On a terminal one line redrawn at most once a second; otherwise (under
// mpiexec with redirected output, in a batch system's log) a plain line every `log_interval`
// seconds of wall time, so that a running job can be followed with tail -f. Silent when the user
// asks for quiet.
#include <cstdint>

namespace attnflow::simulation {

class Progress {
 public:
  Progress(bool enabled, bool on_root, double log_interval = 60.0);
  // Call after each step: `done` is the fraction of the run's horizon reached (0..1), `pairs`
  // the kernel pairs evaluated so far in this job (all ranks).
  void update(std::int64_t step, double time, double done, double pairs);
  void finish();

 private:
  bool enabled_, terminal_;
  double log_interval_;
  double start_, last_print_;
  double first_done_ = -1;
  bool printed_ = false;
};

}  // namespace attnflow::simulation

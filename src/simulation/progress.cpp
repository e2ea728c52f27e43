#include "simulation/progress.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstdio>

namespace attnflow::simulation {

Progress::Progress(bool enabled, bool on_root, double log_interval)
    : enabled_(enabled && on_root),
      terminal_(isatty(STDERR_FILENO) != 0),
      log_interval_(log_interval),
      start_(MPI_Wtime()),
      last_print_(start_) {}

void Progress::update(std::int64_t step, double time, double done, double pairs) {
  if (!enabled_) return;
  if (first_done_ < 0) first_done_ = done;
  const double now = MPI_Wtime();
  const bool finished = done >= 1;
  if (now - last_print_ < (terminal_ ? 1.0 : log_interval_) && !(terminal_ && finished)) return;
  last_print_ = now;
  const double elapsed = now - start_;
  const double progress = done - first_done_;
  const double eta = progress > 0 ? elapsed / progress * (1 - done) : 0.0;
  std::fprintf(stderr, "%sstep %lld  t = %.6g  %5.1f%%  ETA %02d:%02d:%02d  %.3g pairs/s%s",
               terminal_ ? "\r" : "progress: ", static_cast<long long>(step), time, 100 * done,
               static_cast<int>(eta / 3600), static_cast<int>(eta / 60) % 60,
               static_cast<int>(eta) % 60, elapsed > 0 ? pairs / elapsed : 0.0,
               terminal_ ? "   " : "\n");
  std::fflush(stderr);
  printed_ = true;
}

void Progress::finish() {
  if (enabled_ && printed_ && terminal_) std::fprintf(stderr, "\n");
}

}  // namespace attnflow::simulation

#include "run/progress.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstdio>

namespace attnflow::run {

Progress::Progress(bool enabled, std::int64_t first_step, std::int64_t last_step)
    : first_step_(first_step), last_step_(last_step), start_(MPI_Wtime()), last_print_(start_) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  enabled_ = enabled && rank == 0 && isatty(STDERR_FILENO);
}

void Progress::update(std::int64_t step, double time, double pairs) {
  if (!enabled_) return;
  const double now = MPI_Wtime();
  if (now - last_print_ < 1.0 && step != last_step_) return;
  last_print_ = now;
  const double elapsed = now - start_;
  const double done = static_cast<double>(step - first_step_);
  const double remaining = static_cast<double>(last_step_ - step);
  const double eta = done > 0 ? elapsed / done * remaining : 0.0;
  std::fprintf(stderr, "\rstep %lld/%lld  t = %.6g  ETA %02d:%02d:%02d  %.3g pairs/s   ",
               static_cast<long long>(step), static_cast<long long>(last_step_), time,
               static_cast<int>(eta / 3600), static_cast<int>(eta / 60) % 60,
               static_cast<int>(eta) % 60, elapsed > 0 ? pairs / elapsed : 0.0);
  std::fflush(stderr);
  printed_ = true;
}

void Progress::finish() {
  if (enabled_ && printed_) std::fprintf(stderr, "\n");
}

}  // namespace attnflow::run

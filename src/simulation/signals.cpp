#include "simulation/signals.hpp"

#include <csignal>

namespace attnflow::simulation {

namespace {
volatile std::sig_atomic_t received = 0;
extern "C" void on_stop_signal(int signal) {
  // A second interrupt (Ctrl-C again) does not wait for the step: the default action, at once.
  if (signal == SIGINT && received != 0) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  received = signal;
}
}  // namespace

void install_stop_signal_handlers() {
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);
}

bool stop_requested(MPI_Comm comm) {
  int local = received != 0 ? 1 : 0, any = 0;
  MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, comm);
  return any != 0;
}

int received_stop_signal() { return received; }

}  // namespace attnflow::simulation

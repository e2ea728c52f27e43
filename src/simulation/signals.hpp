#pragma once
// SIGTERM and SIGUSR1 (what batch systems send before killing a job) and SIGINT (Ctrl-C; a second
// one ends the process at once) request a checkpoint and a clean stop. Installed as the run
// starts, before its set-up, so that a signal during the set-up stops it after the first step. The handler only sets a flag; the run loop polls it collectively so that all ranks
// stop at the same step.
#include <mpi.h>

namespace attnflow::simulation {

void install_stop_signal_handlers();
// Collective: true on every rank when any rank has received a stop signal.
bool stop_requested(MPI_Comm comm);
// The signal received (0 if none), for the message.
int received_stop_signal();

}  // namespace attnflow::simulation

#pragma once
// SIGTERM and SIGUSR1 (what batch systems send before killing a job) request a checkpoint and a
// clean stop. The handler only sets a flag; the run loop polls it collectively so that all ranks
// stop at the same step.
#include <mpi.h>

namespace attnflow::simulation {

void install_stop_signal_handlers();
// Collective: true on every rank when any rank has received a stop signal.
bool stop_requested(MPI_Comm comm);
// The signal received (0 if none), for the message.
int received_stop_signal();

}  // namespace attnflow::simulation

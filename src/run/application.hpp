#pragma once
// The top of every MPI app: initialise MPI, run, and turn errors (errors/errors.hpp) into the
// house behaviour, LAMMPS's error->all versus error->one:
// - exit status 2 for errors::InputError, 1 for errors::IoError, errors::InternalError (the
//   message says it is a bug), std::bad_alloc and any other exception;
// - when every rank failed (bad input, checked on every rank) rank 0 prints one line and the job
//   ends cleanly; when a rank failed alone (the others may be waiting for it in a collective) it
//   prints its line, naming its rank, and aborts the whole job within a few seconds
//   (MPI_Abort with the same status), so that no rank hangs.
#include <functional>
#include <string>

#include "simulation/driver.hpp"

namespace attnflow::run {

// Calls MPI_Init/MPI_Finalize around body(); returns the process exit status.
int mpi_application(int argc, char** argv, const std::string& name,
                    const std::function<int()>& body);

// Exit status of a run that stopped early (signal or --stop-after-steps) after a checkpoint.
using simulation::stopped_for_restart;

}  // namespace attnflow::run

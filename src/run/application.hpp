#pragma once
// The top of every MPI app: initialise MPI, run, and turn errors into the house behaviour: an
// InputError prints one line on rank 0 and exits 2 (nothing written); any other failure prints
// on the failing rank and aborts the whole job so no rank is left waiting in a collective.
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

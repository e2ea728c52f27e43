#pragma once
// The continuum solver's run: reads its options, builds the model, the finite-volume solver and the
// initial density (or a checkpoint), advances the density from output time to output time, writes
// snapshots and diagnostics, checkpoints (periodically, on SIGTERM/SIGUSR1, after
// --stop-after-steps), then prints a summary and a timing table. The counterpart of particle_run.
#include <mpi.h>

#include <iosfwd>

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::run {

// Every option of attnflow-continuum (model, domain, initial density, time stepping, output,
// checkpoints and restart).
void add_continuum_options(config::OptionSet& options);

// Collective; PETSc must be initialised. Validates everything before writing anything (throws
// errors::InputError), then runs. Returns 0 when the run finished, stopped_for_restart when it
// stopped early after writing a checkpoint (a stop signal or --stop-after-steps).
int run_continuum(const config::OptionSet& options, MPI_Comm comm, std::ostream& out);

}  // namespace attnflow::run

#pragma once
// The particle solver's run: reads its options, builds model, initial state (or a checkpoint),
// interaction engine and integrator, advances the tokens, and feeds the observers (diagnostics,
// HDF5/XDMF/CSV writer, checkpoints, progress), then prints a summary and a timing table.
#include <mpi.h>

#include <iosfwd>
#include <vector>

#include "simulation/driver.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::run {

// Every option of attnflow-particles (model, initial state, time stepping, output, restart).
void add_particle_options(config::OptionSet& options);

// Collective. Validates everything before writing anything (throws errors::InputError), then
// runs. Returns 0 when the run finished, stopped_for_restart when it stopped early after
// writing a checkpoint (a stop signal or --stop-after-steps).
// `observers` are called after every step besides the built-in ones (simulation/driver.hpp).
int run_particles(const config::OptionSet& options, MPI_Comm comm, std::ostream& out,
                  const std::vector<simulation::Observer*>& observers = {});

}  // namespace attnflow::run

// attnflow-particles: N tokens on S^{d-1} under self-attention dynamics (docs/mathematics.md sections 1-2),
// distributed over MPI ranks. Parse the input, run, summarise.
#include <iostream>
#include <sstream>

#include "parallel/partition.hpp"

#include "config/options.hpp"
#include "run/application.hpp"
#include "run/particle_run.hpp"

int main(int argc, char** argv) {
  using namespace attnflow;
  return run::mpi_application(argc, argv, "attnflow-particles", [&] {
    config::OptionSet options("attnflow-particles",
                              "Particle solver for the mean-field dynamics of transformer tokens");
    run::add_particle_options(options);
    std::ostringstream help;
    if (!options.parse(argc, argv, help)) {
      if (parallel::rank_of(MPI_COMM_WORLD) == 0) std::cout << help.str();
      return 0;
    }
    return run::run_particles(options, MPI_COMM_WORLD, std::cout);
  });
}

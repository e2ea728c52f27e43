// attnflow-continuum: the mean-field PDE of attention dynamics (docs/mathematics.md section 3) by finite
// volumes on the circle (--dimension 2) or the sphere (--dimension 3). Options as the particle
// app for the model; PETSc options (single dash, e.g. -continuum_ts_ssp_type rks2) pass through.
// Parse the input, run, summarise.
#include <iostream>
#include <sstream>

#include "config/options.hpp"
#include "continuum/petsc_session.hpp"
#include "parallel/partition.hpp"
#include "run/application.hpp"
#include "run/continuum_run.hpp"

int main(int argc, char** argv) {
  using namespace attnflow;
  return run::mpi_application(argc, argv, "attnflow-continuum", [&] {
    const continuum::PetscSession petsc(argc, argv);
    config::OptionSet options("attnflow-continuum",
                              "Mean-field PDE of attention dynamics by finite volumes on the circle "
                              "(dimension 2) or the sphere (dimension 3). PETSc options with a "
                              "single dash and the prefix continuum_ pass through "
                              "(-continuum_ts_ssp_type ...); others are refused. -help lists the PETSc options "
                              "and does not run.");
    run::add_continuum_options(options);
    const auto arguments = config::without_petsc_options(argc, argv);
    std::ostringstream help;
    if (!options.parse(static_cast<int>(arguments.size()), arguments.data(), help)) {
      if (parallel::rank_of(MPI_COMM_WORLD) == 0) std::cout << help.str();
      return 0;
    }
    return run::run_continuum(options, MPI_COMM_WORLD, std::cout);
  });
}

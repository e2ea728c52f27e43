#pragma once
// PETSc initialised for the lifetime of a scope (inside MPI_Init/MPI_Finalize). When an exception
// leaves the scope, PETSc is not finalised here (PetscFinalize may wait for the other ranks, which
// a rank failing alone must not do): run::mpi_application finalises it once it knows that every
// rank failed, or aborts the job.
// PETSc is given only the PETSc options of the command line (single dash, config::petsc_options),
// so that its database holds nothing else and run::refuse_unused_petsc_options
// (run/petsc_options.hpp) can refuse any option the set-up did not read. PETSc's errors are kept (petsc_error_message) instead of printed as a
// trace: check_petsc turns them into one line.
#include <mpi.h>
#include <petscsys.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "continuum/petsc_error.hpp"
#include "errors/errors.hpp"

namespace attnflow::continuum {

class PetscSession {
 public:
  PetscSession(int argc, char** argv)
      : arguments_(config::petsc_options(argc, argv)),
        count_(static_cast<int>(arguments_.size()) - 1),
        pointer_(arguments_.data()) {
    // Pushed before PetscInitialize so that a bad option it reads (-options_file missing.txt)
    // is kept too; PetscInitialize keeps the handler.
    PetscPushErrorHandler(&keep_petsc_error, nullptr);
    if (PetscInitialize(&count_, &pointer_, nullptr, nullptr) != 0) {
      std::string message = petsc_error_message();
      for (char& c : message)
        if (c == '\n' || c == '\r') c = ' ';
      throw errors::InputError("PETSc options: " +
                               (message.empty() ? std::string("PetscInitialize failed") : message) +
                               "; see -help for the accepted PETSc options");
    }
  }
  ~PetscSession() {
    // The error handler stays: it was allocated before PetscInitialize, outside PETSc's memory
    // tracking, so -malloc_debug would refuse to free it.
    if (std::uncaught_exceptions() == 0) PetscFinalize();
  }
  PetscSession(const PetscSession&) = delete;
  PetscSession& operator=(const PetscSession&) = delete;

 private:
  std::vector<char*> arguments_;  // PETSc keeps a pointer to its argv until PetscFinalize
  int count_;
  char** pointer_;
};

}  // namespace attnflow::continuum

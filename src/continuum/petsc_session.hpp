#pragma once
// PETSc initialised for the lifetime of a scope (inside MPI_Init/MPI_Finalize). When an exception
// leaves the scope, PETSc is not finalised here (PetscFinalize may wait for the other ranks, which
// a rank failing alone must not do): run::mpi_application finalises it once it knows that every
// rank failed, or aborts the job. PETSc reads its options (single dash) from the command line.
#include <mpi.h>
#include <petscsys.h>

#include <exception>
#include <stdexcept>

#include "errors/errors.hpp"

namespace attnflow::continuum {

class PetscSession {
 public:
  PetscSession(int* argc, char*** argv) {
    if (PetscInitialize(argc, argv, nullptr, nullptr) != 0)
      throw errors::InternalError("PetscInitialize failed");
  }
  ~PetscSession() {
    if (std::uncaught_exceptions() == 0) PetscFinalize();
  }
  PetscSession(const PetscSession&) = delete;
  PetscSession& operator=(const PetscSession&) = delete;
};

}  // namespace attnflow::continuum

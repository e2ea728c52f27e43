#pragma once
// PETSc initialised for the lifetime of a scope (inside MPI_Init/MPI_Finalize): finalised also when
// an exception leaves the scope, so that an app's error handling still ends PETSc before MPI.
// PETSc reads its options (single dash) from the full command line.
#include <mpi.h>
#include <petscsys.h>

#include <stdexcept>

namespace attnflow::continuum {

class PetscSession {
 public:
  PetscSession(int* argc, char*** argv) {
    if (PetscInitialize(argc, argv, nullptr, nullptr) != 0)
      throw std::runtime_error("PetscInitialize failed");
  }
  ~PetscSession() { PetscFinalize(); }
  PetscSession(const PetscSession&) = delete;
  PetscSession& operator=(const PetscSession&) = delete;
};

}  // namespace attnflow::continuum

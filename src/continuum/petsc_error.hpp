#pragma once
// PETSc 3.18 has no PetscCallThrow: check_petsc turns a PETSc error code into an exception that
// names the call, so library code can use PETSc under the same error model as the rest. A failing
// PETSc call is an internal error unless the caller knows better (options: see the solver).
#include <petscsys.h>

#include <stdexcept>
#include <string>

#include "errors/errors.hpp"

namespace attnflow::continuum {

inline void check_petsc(PetscErrorCode code, const char* what) {
  if (code != 0)
    throw errors::InternalError(std::string("PETSc error ") + std::to_string(static_cast<int>(code)) +
                             " in " + what);
}

}  // namespace attnflow::continuum

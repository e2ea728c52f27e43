#pragma once
// PETSc 3.18 has no PetscCallThrow: check_petsc turns a PETSc error code into an exception that
// names the call and carries PETSc's own message (kept by keep_petsc_error, the error handler that
// PetscSession installs instead of PETSc's trace printer), so library code can use PETSc under the
// same error model as the rest. A failing PETSc call is an internal error, except a failing
// *SetFromOptions call, which means a bad PETSc option value (bad input: one line, exit 2).
#include <petscsys.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "errors/errors.hpp"

namespace attnflow::continuum {

// The message of PETSc's latest error (empty when none was kept).
inline std::string& petsc_error_message() {
  static std::string message;
  return message;
}

// A PETSc error handler (PetscPushErrorHandler) that keeps the first message of an error and
// returns the code, printing nothing.
inline PetscErrorCode keep_petsc_error(MPI_Comm, int, const char*, const char*, PetscErrorCode code,
                                       PetscErrorType type, const char* message, void*) {
  if (type == PETSC_ERROR_INITIAL) petsc_error_message() = message ? message : "";
  return code;
}

inline void check_petsc(PetscErrorCode code, const char* what) {
  if (code == 0) return;
  std::string message = petsc_error_message();
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  petsc_error_message().clear();
  if (std::string_view(what).ends_with("FromOptions"))
    throw errors::InputError("PETSc options: " + (message.empty() ? std::string("invalid value") : message) +
                             " (in " + what + "); see -help for the accepted PETSc options");
  throw errors::InternalError(std::string("PETSc error ") + std::to_string(static_cast<int>(code)) +
                              " in " + what + (message.empty() ? "" : ": " + message));
}

}  // namespace attnflow::continuum

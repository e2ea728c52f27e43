#include "run/petsc_options.hpp"

#include <petscsys.h>

#include <string>

#include "errors/errors.hpp"

namespace attnflow::run {

bool petsc_help_requested() {
  PetscBool help = PETSC_FALSE;
  PetscOptionsHasHelp(nullptr, &help);
  return help == PETSC_TRUE;
}

void refuse_unused_petsc_options(const std::string& prefix) {
  PetscInt count = 0;
  char** names = nullptr;
  char** values = nullptr;
  if (PetscOptionsLeftGet(nullptr, &count, &names, &values) != 0 || count == 0) return;
  // Read by PETSc only in PetscFinalize, after this check.
  const auto read_at_finalize = [](const std::string& name) {
    return name == "options_left" || name == "options_view" || name == "malloc_dump" ||
           name == "malloc_view" || name == "objects_dump" || name == "memory_view" ||
           name == "log_view" || name == "log_all" || name == "log_trace";
  };
  std::string unused;
  for (PetscInt i = 0; i < count && unused.empty(); ++i)
    if (!read_at_finalize(names[i])) unused = names[i];
  PetscOptionsLeftRestore(nullptr, &count, &names, &values);
  if (unused.empty()) return;
  std::string hint = "the solver's PETSc options carry the prefix " + prefix;
  if (unused.rfind(prefix, 0) != 0) hint += " (-" + prefix + unused + "?)";
  throw errors::InputError("-" + unused + ": not a PETSc option this run reads (unprefixed or "
                           "misspelled); " + hint + "; see -help for the accepted PETSc options");
}

}  // namespace attnflow::run

#pragma once
// The PETSc options of an app (continuum::PetscSession gives PETSc only those): either applied or
// refused, and -help prints them without running the job.
#include <string>

namespace attnflow::run {

// True when PETSc's database has -help: the set-up prints the PETSc options it reads (PETSc does
// so as they are queried), and the app stops after the set-up, before writing anything.
bool petsc_help_requested();

// Throws errors::InputError naming the first PETSc option (command line, PETSC_OPTIONS or a
// .petscrc file) that nothing has read since PetscInitialize: an option without the solver's
// prefix (-ts_type for -<prefix>ts_type) or a misspelled one would otherwise be ignored. Call it
// after the set-up, before anything is written; every rank has the same options, so every rank
// throws.
void refuse_unused_petsc_options(const std::string& prefix);

}  // namespace attnflow::run

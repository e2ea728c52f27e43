#pragma once
// The version and git revision recorded in every output file, checkpoint and run summary. They
// live in one generated source file (CMake writes it only when the revision changes), so a new
// commit recompiles one file, not the library.
#include <string>

namespace attnflow::version {

const char* number();        // the project version, e.g. "0.1.0"
const char* git_revision();  // short hash, "-dirty" for uncommitted changes, or "unknown"

// What --version prints (three lines): "<program> <version> (git <describe>)", the compiler and
// build type, and the MPI, PETSc and HDF5 versions the build was configured against.
std::string describe(const std::string& program);

}  // namespace attnflow::version

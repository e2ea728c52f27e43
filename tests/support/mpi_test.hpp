#pragma once
// Helpers for tests that run at several rank counts.
#include <mpi.h>

#include <string>

namespace attnflow::testing {

inline int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}
// A directory for this test's files, created by rank 0 and shared by all ranks.
std::string scratch_directory(const std::string& name);

}  // namespace attnflow::testing

// Catch2 main for every attnflow test: initialises MPI (and PETSc for PETSc tests), silences
// standard output on ranks other than 0, and combines the failure counts of all ranks so that a
// failure on any rank fails the test everywhere.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <mpi.h>

#include <cstdio>
#ifdef ATTNFLOW_TEST_WITH_PETSC
#include <petscsys.h>
#endif

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
#ifdef ATTNFLOW_TEST_WITH_PETSC
  PetscInitializeNoArguments();
#endif
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0 && !std::freopen("/dev/null", "w", stdout)) return 1;
  Catch::Session session;
  int failures = session.applyCommandLine(argc, argv);
  if (failures == 0) failures = session.run();
  if (failures != 0) std::fprintf(stderr, "rank %d: %d failed test case(s)\n", rank, failures);
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
#ifdef ATTNFLOW_TEST_WITH_PETSC
  PetscFinalize();
#endif
  MPI_Finalize();
  return total == 0 ? 0 : 1;
}

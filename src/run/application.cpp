#include "run/application.hpp"

#include <mpi.h>

#include <exception>
#include <iostream>

#include "errors/errors.hpp"

namespace attnflow::run {

int mpi_application(int argc, char** argv, const std::string& name,
                    const std::function<int()>& body) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int status = 0;
  try {
    status = body();
  } catch (const errors::InputError& error) {
    if (rank == 0) std::cerr << name << ": error: " << error.what() << std::endl;
    status = 2;
  } catch (const std::exception& error) {
    std::cerr << name << ": fatal error on rank " << rank << ": " << error.what() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return status;
}

}  // namespace attnflow::run

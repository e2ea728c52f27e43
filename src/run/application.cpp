#include "run/application.hpp"

#include <mpi.h>
#include <petscsys.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>

#include "errors/errors.hpp"
#include "output/hdf5.hpp"
#include "parallel/failure.hpp"

namespace attnflow::run {

namespace {

void finalize_petsc() {
  PetscBool initialized = PETSC_FALSE, finalized = PETSC_FALSE;
  PetscInitialized(&initialized);
  PetscFinalized(&finalized);
  if (initialized && !finalized) PetscFinalize();
}

}  // namespace

int mpi_application(int argc, char** argv, const std::string& name,
                    const std::function<int()>& body) {
  // Open MPI's shared-file-pointer component "sm" keeps one named semaphore per file name in
  // /dev/shm (sem.OMPIO_<file name>); a process killed while opening a file leaves it locked, and
  // every later open of a file of that name on the node (checkpoint names repeat across runs)
  // then waits forever. attnflow uses no shared file pointers: leave the component out, unless
  // the user chose the sharedfp components.
  setenv("OMPI_MCA_sharedfp", "^sm", 0);
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // A communicator of its own for the failure agreement (parallel/failure.hpp), so that its
  // barrier can never match a collective of the run that other ranks may be waiting in.
  MPI_Comm failures = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &failures);
  parallel::set_failure_communicator(failures);
  int status = 0;
  std::string message;
  try {
    status = body();
  } catch (const errors::InputError& error) {
    status = 2;
    message = std::string("error: ") + error.what();
  } catch (const errors::IoError& error) {
    status = 1;
    message = std::string("I/O error: ") + error.what();
  } catch (const errors::InternalError& error) {
    status = 1;
    message = std::string("internal error (a bug in attnflow; please report it with the input): ") +
              error.what();
  } catch (const std::bad_alloc&) {
    status = 1;
    message = "out of memory (std::bad_alloc): reduce the problem size per rank or use more ranks";
  } catch (const std::exception& error) {
    status = 1;
    message = std::string("internal error (please report it with the input): ") + error.what();
  }
  if (!message.empty()) {
    if (parallel::every_rank_failed()) {
      // Every rank failed (bad input, checked everywhere): one line from rank 0, clean exit.
      if (rank == 0) std::cerr << name << ": " << message << std::endl;
      finalize_petsc();
      // A file whose close failed (full disk) would crash HDF5's clean-up inside MPI_Finalize
      // (output::file_close_failed): then every rank leaves without it, with the same status.
      int abandon = output::file_close_failed() ? 1 : 0, any = 0;
      MPI_Allreduce(&abandon, &any, 1, MPI_INT, MPI_MAX, failures);
      if (any) {
        std::cout.flush();
        std::cerr.flush();
        std::_Exit(status);
      }
    } else {
      // This rank failed alone: say which, then end every rank now (the others may be waiting
      // for it in a collective and would hang).
      std::cerr << name << ": rank " << rank << ": " << message << std::endl;
      MPI_Abort(MPI_COMM_WORLD, status);
    }
  }
  parallel::clear_failure_communicator();
  MPI_Comm_free(&failures);
  MPI_Finalize();
  return status;
}

}  // namespace attnflow::run

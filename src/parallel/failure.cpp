#include "parallel/failure.hpp"

#include <exception>

namespace attnflow::parallel {

namespace {
MPI_Comm failure_communicator = MPI_COMM_NULL;
int answer = -1;  // -1: not asked yet
}  // namespace

void set_failure_communicator(MPI_Comm comm) { failure_communicator = comm; }
void clear_failure_communicator() { failure_communicator = MPI_COMM_NULL; }

bool every_rank_failed(double seconds) {
  if (answer >= 0) return answer == 1;
  if (failure_communicator == MPI_COMM_NULL) return true;
  MPI_Request request = MPI_REQUEST_NULL;
  int done = 0;
  if (MPI_Ibarrier(failure_communicator, &request) == MPI_SUCCESS) {
    const double start = MPI_Wtime();
    while (!done && MPI_Wtime() - start < seconds)
      if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) break;
  }
  answer = done ? 1 : 0;
  return answer == 1;
}

bool collective_cleanup_allowed() {
  return std::uncaught_exceptions() == 0 || every_rank_failed();
}

}  // namespace attnflow::parallel

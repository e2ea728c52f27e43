#pragma once
// What a rank does when an exception leaves a collective section. If every rank failed (bad
// input, checked everywhere), the exception may unwind normally: destructors that close files or
// free PETSc objects collectively find every rank doing the same. If a rank failed alone, the
// others may be waiting for it in a collective, so it must neither wait for them (a collective
// close would hang) nor go on: owners of collective resources skip that clean-up while unwinding
// (collective_cleanup_allowed() false), and run::mpi_application aborts the job. The answer comes
// from a non-blocking barrier, with a time limit, on a communicator of its own; it is asked at
// most once per process and remembered.
#include <mpi.h>

namespace attnflow::parallel {

// Called by run::mpi_application with a duplicate of MPI_COMM_WORLD (freed by the caller after
// clear_failure_communicator()). Without it (library tests) every failure counts as collective.
void set_failure_communicator(MPI_Comm comm);
void clear_failure_communicator();

// Collective over the failing ranks: true when every rank reaches it within `seconds`. Asked
// once; later calls return the first answer.
bool every_rank_failed(double seconds = 3.0);

// For destructors: true unless the destructor runs during unwinding on a rank that failed alone.
bool collective_cleanup_allowed();

}  // namespace attnflow::parallel

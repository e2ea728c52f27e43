#pragma once
// Block partition of N global items over the ranks of a communicator: rank r owns the contiguous
// global indices [first, first + count); ranks may own nothing but still join every collective.
#include <mpi.h>

#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::parallel {

struct Partition {
  std::int64_t global_count = 0;
  std::int64_t first = 0;  // global index of this rank's first item
  std::int64_t count = 0;  // items owned by this rank
};

// Balanced blocks: the first (N mod P) ranks own one item more.
Partition block_partition(std::int64_t global_count, int rank, int size);
Partition block_partition(std::int64_t global_count, MPI_Comm comm);
// Partition from each rank's own count (offsets by MPI_Exscan). Collective.
Partition partition_from_counts(std::int64_t local_count, MPI_Comm comm);
// Counts and displacements of every rank's block, scaled by `stride` (for MPI_Allgatherv).
void gather_layout(std::int64_t local_count, int stride, MPI_Comm comm, std::vector<int>& counts,
                   std::vector<int>& displacements);

// Sum of every rank's values in global order (all-gathered, then summed serially): bitwise the
// same for any number of ranks, unlike MPI_Allreduce. Collective.
double ordered_sum(std::span<const double> local_values, MPI_Comm comm);

int rank_of(MPI_Comm comm);
int size_of(MPI_Comm comm);

// Aborts the whole job when an MPI call fails (never leaves other ranks waiting).
void check_mpi(int code, const char* what);

}  // namespace attnflow::parallel

#pragma once
// Block partition of N global items over the ranks of a communicator: rank r owns the contiguous
// global indices [first, first + count); ranks may own nothing but still join every collective.
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
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

// Redistribution between an arbitrary distribution of rows (each rank holds rows with the given
// global indices, `width` values each; every index 0..global_count-1 held by exactly one rank)
// and the block partition of global_count rows. Used where a rank-count dependent ownership (the
// sphere mesh's PETSc partition) meets a file in global order. Collective.
// This rank's block of rows, in global order:
std::vector<double> rows_to_blocks(std::span<const double> rows,
                                   std::span<const std::int64_t> global_indices, int width,
                                   std::int64_t global_count, MPI_Comm comm);
// The rows with the given global indices, from every rank's block (the inverse):
std::vector<double> rows_from_blocks(std::span<const double> block,
                                     std::span<const std::int64_t> global_indices, int width,
                                     std::int64_t global_count, MPI_Comm comm);
// Every row in global order on every rank (rows_to_blocks, then all-gathered).
std::vector<double> all_rows(std::span<const double> rows,
                             std::span<const std::int64_t> global_indices, int width,
                             std::int64_t global_count, MPI_Comm comm);

// Sends rows of `width` values to arbitrary ranks: `send` holds send_counts[r] rows for rank r,
// grouped in rank order. Returns the rows received, grouped by source rank in rank order, and
// their counts per source rank in `received_counts`. Collective.
std::vector<double> exchange_rows(const std::vector<double>& send,
                                  const std::vector<int>& send_counts, int width, MPI_Comm comm,
                                  std::vector<int>& received_counts);

// Rows of `width` values bucketed by destination rank; send() flattens them in rank order for
// exchange_rows (and frees the buckets: memory stays O(rows)). Collective in send().
class Outbox {
 public:
  Outbox(int ranks, int width) : width_(width), rows_(static_cast<std::size_t>(ranks)) {}
  // Room for one row to `rank`; the pointer is valid until the next add().
  double* add(int rank);
  std::vector<double> send(MPI_Comm comm, std::vector<int>& received_counts);

 private:
  int width_;
  std::vector<std::vector<double>> rows_;
};

// Sum of every rank's values in global order (all-gathered, then summed serially): bitwise the
// same for any number of ranks, unlike MPI_Allreduce. Collective.
double ordered_sum(std::span<const double> local_values, MPI_Comm comm);

int rank_of(MPI_Comm comm);
int size_of(MPI_Comm comm);

// Rank 0 decides, every rank throws: runs `check` on rank 0 only (e.g. file system tests) and,
// when it returns a non-empty message, throws errors::InputError(message) on every rank.
// Collective.
void require_on_root(MPI_Comm comm, const std::function<std::string()>& check);

// Aborts the whole job when an MPI call fails (never leaves other ranks waiting).
void check_mpi(int code, const char* what);

}  // namespace attnflow::parallel

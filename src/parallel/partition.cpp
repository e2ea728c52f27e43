#include "parallel/partition.hpp"

#include <cstdio>
#include <limits>
#include <stdexcept>

namespace attnflow::parallel {

Partition block_partition(std::int64_t global_count, int rank, int size) {
  const std::int64_t base = global_count / size, extra = global_count % size;
  Partition p;
  p.global_count = global_count;
  p.count = base + (rank < extra ? 1 : 0);
  p.first = rank * base + std::min<std::int64_t>(rank, extra);
  return p;
}

Partition block_partition(std::int64_t global_count, MPI_Comm comm) {
  return block_partition(global_count, rank_of(comm), size_of(comm));
}

Partition partition_from_counts(std::int64_t local_count, MPI_Comm comm) {
  Partition p;
  p.count = local_count;
  std::int64_t first = 0;
  check_mpi(MPI_Exscan(&local_count, &first, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Exscan");
  p.first = rank_of(comm) == 0 ? 0 : first;
  check_mpi(MPI_Allreduce(&local_count, &p.global_count, 1, MPI_INT64_T, MPI_SUM, comm),
            "MPI_Allreduce");
  return p;
}

void gather_layout(std::int64_t local_count, int stride, MPI_Comm comm, std::vector<int>& counts,
                   std::vector<int>& displacements) {
  const int size = size_of(comm);
  std::vector<std::int64_t> all(size);
  check_mpi(MPI_Allgather(&local_count, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, comm),
            "MPI_Allgather");
  counts.assign(size, 0);
  displacements.assign(size, 0);
  std::int64_t offset = 0;
  for (int r = 0; r < size; ++r) {
    const std::int64_t c = all[r] * stride;
    if (offset + c > std::numeric_limits<int>::max())
      throw std::runtime_error("gather_layout: more than 2^31 values; use the ring engine");
    counts[r] = static_cast<int>(c);
    displacements[r] = static_cast<int>(offset);
    offset += c;
  }
}

double ordered_sum(std::span<const double> local_values, MPI_Comm comm) {
  std::vector<int> counts, displacements;
  gather_layout(static_cast<std::int64_t>(local_values.size()), 1, comm, counts, displacements);
  std::vector<double> all(displacements.back() + counts.back());
  check_mpi(MPI_Allgatherv(local_values.data(), static_cast<int>(local_values.size()), MPI_DOUBLE,
                           all.data(), counts.data(), displacements.data(), MPI_DOUBLE, comm),
            "MPI_Allgatherv(ordered sum)");
  double sum = 0;
  for (double v : all) sum += v;
  return sum;
}

int rank_of(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

int size_of(MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  return size;
}

void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  std::fprintf(stderr, "attnflow: %s failed: %s\n", what, text);
  MPI_Abort(MPI_COMM_WORLD, 3);
}

}  // namespace attnflow::parallel

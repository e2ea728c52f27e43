#include "parallel/partition.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "errors/errors.hpp"

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
      throw errors::InputError("the all-gathered positions exceed 2^31 values (MPI counts are int): use --engine ring or spectral");
    counts[r] = static_cast<int>(c);
    displacements[r] = static_cast<int>(offset);
    offset += c;
  }
}

namespace {

// The rank whose block_partition block holds global index `index`.
int block_owner(std::int64_t index, std::int64_t global_count, int size) {
  const std::int64_t base = global_count / size, extra = global_count % size;
  const std::int64_t in_long_blocks = extra * (base + 1);
  if (index < in_long_blocks) return static_cast<int>(index / (base + 1));
  return static_cast<int>(extra + (index - in_long_blocks) / base);
}

std::vector<int> displacements_of(const std::vector<int>& counts, int scale = 1) {
  std::vector<int> displacements(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r)
    displacements[r] = displacements[r - 1] + counts[r - 1] * scale;
  return displacements;
}

std::vector<int> scaled(std::vector<int> counts, int scale) {
  for (int& c : counts) c *= scale;
  return counts;
}

// Who sends which rows where: this rank's rows grouped by the rank whose block holds their global
// index (`order`: row positions by destination, in their original order within a group), the
// counts per destination and per source, and the global indices this rank receives.
struct Exchange {
  std::vector<std::size_t> order;
  std::vector<int> send_counts, received_counts;
  std::vector<std::int64_t> received_indices;
};

Exchange plan_exchange(std::span<const std::int64_t> global_indices, std::int64_t global_count,
                       MPI_Comm comm) {
  const int size = size_of(comm);
  Exchange plan;
  plan.send_counts.assign(size, 0);
  std::vector<int> owner(global_indices.size());
  for (std::size_t i = 0; i < global_indices.size(); ++i) {
    const std::int64_t g = global_indices[i];
    if (g < 0 || g >= global_count)
      throw errors::InternalError("parallel redistribution: global index out of range");
    owner[i] = block_owner(g, global_count, size);
    ++plan.send_counts[owner[i]];
  }
  auto next = displacements_of(plan.send_counts);
  plan.order.assign(global_indices.size(), 0);
  for (std::size_t i = 0; i < global_indices.size(); ++i) plan.order[next[owner[i]]++] = i;
  plan.received_counts.assign(size, 0);
  check_mpi(MPI_Alltoall(plan.send_counts.data(), 1, MPI_INT, plan.received_counts.data(), 1,
                         MPI_INT, comm),
            "MPI_Alltoall(redistribution counts)");
  std::vector<std::int64_t> send(plan.order.size());
  for (std::size_t k = 0; k < plan.order.size(); ++k) send[k] = global_indices[plan.order[k]];
  const auto received_displacements = displacements_of(plan.received_counts);
  plan.received_indices.resize(received_displacements.back() + plan.received_counts.back());
  check_mpi(MPI_Alltoallv(send.data(), plan.send_counts.data(),
                          displacements_of(plan.send_counts).data(), MPI_INT64_T,
                          plan.received_indices.data(), plan.received_counts.data(),
                          received_displacements.data(), MPI_INT64_T, comm),
            "MPI_Alltoallv(redistribution indices)");
  return plan;
}

// Sends rows of `width` values, send_counts[r] of them to rank r, and returns the rows received,
// received_counts[r] of them from rank r.
std::vector<double> exchange_rows(const std::vector<double>& send, const std::vector<int>& send_counts,
                                  const std::vector<int>& received_counts, int width, MPI_Comm comm) {
  const auto received_displacements = displacements_of(received_counts, width);
  std::vector<double> received(received_displacements.back() + received_counts.back() * width);
  check_mpi(MPI_Alltoallv(send.data(), scaled(send_counts, width).data(),
                          displacements_of(send_counts, width).data(), MPI_DOUBLE, received.data(),
                          scaled(received_counts, width).data(), received_displacements.data(),
                          MPI_DOUBLE, comm),
            "MPI_Alltoallv(redistribution rows)");
  return received;
}

}  // namespace

std::vector<double> exchange_rows(const std::vector<double>& send,
                                  const std::vector<int>& send_counts, int width, MPI_Comm comm,
                                  std::vector<int>& received_counts) {
  received_counts.assign(send_counts.size(), 0);
  check_mpi(MPI_Alltoall(send_counts.data(), 1, MPI_INT, received_counts.data(), 1, MPI_INT, comm),
            "MPI_Alltoall(row counts)");
  return exchange_rows(send, send_counts, received_counts, width, comm);
}

std::vector<double> rows_to_blocks(std::span<const double> rows,
                                   std::span<const std::int64_t> global_indices, int width,
                                   std::int64_t global_count, MPI_Comm comm) {
  const Exchange plan = plan_exchange(global_indices, global_count, comm);
  std::vector<double> send(plan.order.size() * width);
  for (std::size_t k = 0; k < plan.order.size(); ++k)
    std::copy_n(rows.data() + plan.order[k] * width, width, send.data() + k * width);
  const auto received = exchange_rows(send, plan.send_counts, plan.received_counts, width, comm);
  const Partition block = block_partition(global_count, comm);
  std::vector<double> out(block.count * width);
  for (std::size_t k = 0; k < plan.received_indices.size(); ++k)
    std::copy_n(received.data() + k * width, width,
                out.data() + (plan.received_indices[k] - block.first) * width);
  return out;
}

std::vector<double> rows_from_blocks(std::span<const double> block_rows,
                                     std::span<const std::int64_t> global_indices, int width,
                                     std::int64_t global_count, MPI_Comm comm) {
  // The requests travel like rows_to_blocks' rows; the answers go back the opposite way.
  const Exchange plan = plan_exchange(global_indices, global_count, comm);
  const Partition block = block_partition(global_count, comm);
  std::vector<double> answer(plan.received_indices.size() * width);
  for (std::size_t k = 0; k < plan.received_indices.size(); ++k)
    std::copy_n(block_rows.data() + (plan.received_indices[k] - block.first) * width, width,
                answer.data() + k * width);
  const auto replies = exchange_rows(answer, plan.received_counts, plan.send_counts, width, comm);
  std::vector<double> out(global_indices.size() * width);
  for (std::size_t k = 0; k < plan.order.size(); ++k)
    std::copy_n(replies.data() + k * width, width, out.data() + plan.order[k] * width);
  return out;
}

std::vector<double> all_rows(std::span<const double> rows,
                             std::span<const std::int64_t> global_indices, int width,
                             std::int64_t global_count, MPI_Comm comm) {
  const auto block = rows_to_blocks(rows, global_indices, width, global_count, comm);
  std::vector<int> counts, displacements;
  gather_layout(static_cast<std::int64_t>(block.size()) / width, width, comm, counts, displacements);
  std::vector<double> all(global_count * width);
  check_mpi(MPI_Allgatherv(block.data(), static_cast<int>(block.size()), MPI_DOUBLE, all.data(),
                           counts.data(), displacements.data(), MPI_DOUBLE, comm),
            "MPI_Allgatherv(all rows)");
  return all;
}

void require_on_root(MPI_Comm comm, const std::function<std::string()>& check) {
  std::string message = rank_of(comm) == 0 ? check() : std::string();
  int length = static_cast<int>(message.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast(error length)");
  message.resize(length);
  check_mpi(MPI_Bcast(message.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast(error)");
  if (length > 0) throw errors::InputError(message);
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

double* Outbox::add(int rank) {
  auto& bucket = rows_[static_cast<std::size_t>(rank)];
  bucket.resize(bucket.size() + static_cast<std::size_t>(width_));
  return bucket.data() + bucket.size() - width_;
}

std::vector<double> Outbox::send(MPI_Comm comm, std::vector<int>& received_counts) {
  std::size_t total = 0;
  for (const auto& bucket : rows_) total += bucket.size();
  std::vector<double> flat;
  flat.reserve(total);
  std::vector<int> counts(rows_.size());
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    flat.insert(flat.end(), rows_[r].begin(), rows_[r].end());
    counts[r] = static_cast<int>(rows_[r].size() / static_cast<std::size_t>(width_));
    std::vector<double>().swap(rows_[r]);
  }
  return exchange_rows(flat, counts, width_, comm, received_counts);
}

}  // namespace attnflow::parallel

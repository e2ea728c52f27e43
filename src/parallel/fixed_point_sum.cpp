#include "parallel/fixed_point_sum.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

#include "parallel/partition.hpp"

namespace attnflow::parallel {

namespace {

constexpr double scale = 18446744073709551616.0;  // 2^64
constexpr double term_bound = 1048576.0;          // 2^20

void add_int128(void* in, void* inout, int* length, MPI_Datatype*) {
  auto* a = static_cast<const Int128*>(in);
  auto* b = static_cast<Int128*>(inout);
  for (int k = 0; k < *length; ++k) b[k] += a[k];
}

}  // namespace

void FixedPointSums::add(std::size_t index, double term) {
  if (!(std::abs(term) < term_bound)) {
    invalid_[index] = 1;
    return;
  }
  // trunc(term 2^64) without the slow double -> 128-bit conversion: high = trunc(term 2^32) fits
  // in 53 bits, the remainder term 2^32 - high is exact (the fraction of a double), and
  // trunc(remainder 2^32) completes the truncation towards zero (both parts share the sign).
  const double shifted = term * 4294967296.0;
  const auto high = static_cast<std::int64_t>(shifted);
  const auto low = static_cast<std::int64_t>((shifted - double(high)) * 4294967296.0);
  sums_[index] += static_cast<Int128>(high) * 4294967296 + low;
}

void FixedPointSums::add(std::span<const double> terms) {
  for (std::size_t k = 0; k < terms.size(); ++k) add(k, terms[k]);
}

std::vector<double> FixedPointSums::total(MPI_Comm comm) const {
  const int count = static_cast<int>(sums_.size());
  std::vector<Int128> global(sums_.size(), 0);
  std::vector<int> invalid(invalid_.size(), 0);
  MPI_Datatype type;
  MPI_Op op;
  check_mpi(MPI_Type_contiguous(int(sizeof(Int128)), MPI_BYTE, &type), "MPI_Type_contiguous");
  check_mpi(MPI_Type_commit(&type), "MPI_Type_commit");
  check_mpi(MPI_Op_create(&add_int128, 1, &op), "MPI_Op_create");
  const int status =
      MPI_Allreduce(sums_.data(), global.data(), count, type, op, comm);
  MPI_Op_free(&op);
  MPI_Type_free(&type);
  check_mpi(status, "MPI_Allreduce(fixed-point sums)");
  check_mpi(MPI_Allreduce(invalid_.data(), invalid.data(), count, MPI_INT, MPI_MAX, comm),
            "MPI_Allreduce(fixed-point sums valid)");
  std::vector<double> out(sums_.size());
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k] = invalid[k] ? std::numeric_limits<double>::quiet_NaN()
                        : static_cast<double>(global[k]) / scale;
  return out;
}

}  // namespace attnflow::parallel

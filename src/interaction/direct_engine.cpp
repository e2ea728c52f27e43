#include "interaction/direct_engine.hpp"

#include <algorithm>
#include <cmath>

#include "parallel/partition.hpp"

namespace attnflow::interaction {

using parallel::check_mpi;
using parallel::Section;

namespace {
constexpr std::size_t header = 8;  // begin, end, then padding to keep rows 64-byte aligned
}

std::size_t SourceBlock::stride_for(std::int64_t largest_count) {
  // Up to block_alignment - 1 padding entries in front, rows a multiple of block_alignment.
  return static_cast<std::size_t>(largest_count + 2 * (block_alignment - 1)) / block_alignment *
         block_alignment;
}

std::size_t SourceBlock::buffer_size(const Kernel& kernel, std::size_t stride) {
  const int d = kernel.dimension;
  return header + stride * (d + (kernel.value.is_identity() ? 0 : d) + 1);
}

void SourceBlock::assign(const Kernel& kernel, std::span<const double> rows,
                         std::span<const double> weights, std::int64_t begin, std::size_t stride) {
  const int d = kernel.dimension;
  const bool identity_value = kernel.value.is_identity();
  buffer_.assign(buffer_size(kernel, stride), 0.0);
  const std::size_t n = weights.size();
  buffer_[0] = static_cast<double>(begin);
  buffer_[1] = static_cast<double>(begin + static_cast<std::int64_t>(n));
  const std::size_t offset = static_cast<std::size_t>(begin - aligned_first(begin));
  double* positions = buffer_.data() + header;
  double* values = positions + d * stride;
  double* w = identity_value ? values : values + d * stride;
  for (std::size_t j = 0; j < n; ++j) {
    for (int k = 0; k < d; ++k) positions[k * stride + offset + j] = rows[j * d + k];
    w[offset + j] = weights[j];
    if (!identity_value)
      for (int r = 0; r < d; ++r) {
        double s = 0;
        for (int c = 0; c < d; ++c) s += kernel.value(r, c) * rows[j * d + c];
        values[r * stride + offset + j] = s;
      }
  }
}

SourceArrays SourceBlock::arrays(const Kernel& kernel) const {
  const int d = kernel.dimension;
  const bool identity_value = kernel.value.is_identity();
  const std::size_t stride =
      (buffer_.size() - header) / static_cast<std::size_t>(d + (identity_value ? 0 : d) + 1);
  const double* positions = buffer_.data() + header;
  const double* values = identity_value ? positions : positions + d * stride;
  const double* weights = identity_value ? positions + d * stride : values + d * stride;
  const auto begin = static_cast<std::int64_t>(buffer_[0]);
  const auto end = static_cast<std::int64_t>(buffer_[1]);
  return SourceArrays{d,         stride, stride, aligned_first(begin), begin, end,
                      positions, values, weights};
}

TargetSetup setup_targets(const Kernel& kernel, std::span<const double> targets) {
  const int d = kernel.dimension;
  const std::size_t count = targets.size() / d;
  const bool identity = kernel.identity_query_key();
  TargetSetup setup;
  setup.exponent_vectors.resize(count * d);
  for (std::size_t i = 0; i < count; ++i)
    for (int r = 0; r < d; ++r) {
      double s = 0;
      if (identity) {
        s = targets[i * d + r];
      } else {
        for (int c = 0; c < d; ++c) s += kernel.query_key(r, c) * targets[i * d + c];
      }
      setup.exponent_vectors[i * d + r] = kernel.beta * s;
    }
  setup.needs_maxima = kernel.normalised && !identity;
  setup.shifts.assign(count, setup.needs_maxima ? -HUGE_VAL : kernel.constant_shift);
  return setup;
}

std::int64_t first_target_index(std::size_t target_count, MPI_Comm comm) {
  std::int64_t count = static_cast<std::int64_t>(target_count), first = 0;
  check_mpi(MPI_Exscan(&count, &first, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Exscan(targets)");
  return parallel::rank_of(comm) == 0 ? 0 : first;
}

DirectEngine::DirectEngine(const Kernel& kernel, MPI_Comm comm, Precision precision)
    : kernel_(kernel), comm_(comm), precision_(precision) {}

void DirectEngine::evaluate(std::span<const double> targets, std::span<const double> sources,
                            std::span<const double> weights, KernelSums& sums) {
  const int d = kernel_.dimension;
  const std::size_t count = targets.size() / d;
  std::int64_t first_target = 0;
  {
    parallel::Timers::Scope scope(timers_, Section::communication);
    const std::int64_t local = static_cast<std::int64_t>(weights.size());
    parallel::gather_layout(local, d, comm_, counts_, displacements_);
    gathered_rows_.resize(displacements_.back() + counts_.back());
    check_mpi(MPI_Allgatherv(sources.data(), static_cast<int>(sources.size()), MPI_DOUBLE,
                             gathered_rows_.data(), counts_.data(), displacements_.data(),
                             MPI_DOUBLE, comm_),
              "MPI_Allgatherv(sources)");
    for (auto& c : counts_) c /= d;
    for (auto& o : displacements_) o /= d;
    gathered_weights_.resize(gathered_rows_.size() / d);
    check_mpi(MPI_Allgatherv(weights.data(), static_cast<int>(weights.size()), MPI_DOUBLE,
                             gathered_weights_.data(), counts_.data(), displacements_.data(),
                             MPI_DOUBLE, comm_),
              "MPI_Allgatherv(weights)");
    first_target = first_target_index(count, comm_);
  }
  parallel::Timers::Scope scope(timers_, Section::compute);
  const auto n = static_cast<std::int64_t>(gathered_weights_.size());
  block_.assign(kernel_, gathered_rows_, gathered_weights_, 0, SourceBlock::stride_for(n));
  const SourceArrays arrays = block_.arrays(kernel_);
  auto setup = setup_targets(kernel_, targets);
  const auto windows = summation_windows(first_target, count, n, kernel_.causal);
  if (setup.needs_maxima)
    kernel_maxima(arrays, count, setup.exponent_vectors.data(), windows.limit.data(),
                  setup.shifts.data());
  accumulators_.reset(count, d, precision_);
  kernel_accumulate(arrays, count, setup.exponent_vectors.data(), setup.shifts.data(),
                    windows.start.data(), windows.limit.data(), accumulators_);
  kernel_accumulate(arrays, count, setup.exponent_vectors.data(), setup.shifts.data(),
                    windows.zero.data(), windows.wrap.data(), accumulators_);
  sums.numerator.resize(count * d);
  sums.normaliser.resize(count);
  accumulators_.finish(sums.numerator.data(), sums.normaliser.data());
  pairs_ = 0;
  for (auto l : windows.limit) pairs_ += static_cast<double>(l);
}

}  // namespace attnflow::interaction

#include "interaction/direct_engine.hpp"

#include <algorithm>
#include <cmath>

#include "parallel/partition.hpp"

namespace attnflow::interaction {

using parallel::check_mpi;
using parallel::Section;

DirectEngine::DirectEngine(const Kernel& kernel, MPI_Comm comm) : kernel_(kernel), comm_(comm) {}

SourceArrays DirectEngine::gather_sources(std::span<const double> sources,
                                          std::span<const double> weights) {
  const int d = kernel_.dimension;
  const std::int64_t local = static_cast<std::int64_t>(weights.size());
  {
    parallel::Timers::Scope scope(timers_, Section::communication);
    parallel::gather_layout(local, d, comm_, counts_, displacements_);
    const std::size_t total_values = displacements_.back() + counts_.back();
    gathered_rows_.resize(total_values);
    check_mpi(MPI_Allgatherv(sources.data(), static_cast<int>(sources.size()), MPI_DOUBLE,
                             gathered_rows_.data(), counts_.data(), displacements_.data(),
                             MPI_DOUBLE, comm_),
              "MPI_Allgatherv(sources)");
    for (auto& c : counts_) c /= d;
    for (auto& o : displacements_) o /= d;
  }
  parallel::Timers::Scope scope(timers_, Section::compute);
  const std::size_t n = gathered_rows_.size() / d;
  const std::size_t stride = (n + 7) / 8 * 8;
  positions_.assign(stride * d, 0.0);
  for (std::size_t j = 0; j < n; ++j)
    for (int k = 0; k < d; ++k) positions_[k * stride + j] = gathered_rows_[j * d + k];
  const bool identity_value = kernel_.value.is_identity();
  if (!identity_value) {
    values_.assign(stride * d, 0.0);
    for (std::size_t j = 0; j < n; ++j)
      for (int r = 0; r < d; ++r) {
        double s = 0;
        for (int c = 0; c < d; ++c) s += kernel_.value(r, c) * gathered_rows_[j * d + c];
        values_[r * stride + j] = s;
      }
  }
  weights_.assign(stride, 0.0);
  {
    parallel::Timers::Scope comm_scope(timers_, Section::communication);
    check_mpi(MPI_Allgatherv(weights.data(), static_cast<int>(weights.size()), MPI_DOUBLE,
                             weights_.data(), counts_.data(), displacements_.data(), MPI_DOUBLE,
                             comm_),
              "MPI_Allgatherv(weights)");
  }
  return SourceArrays{d,
                      stride,
                      stride,
                      0,
                      0,
                      static_cast<std::int64_t>(n),
                      positions_.data(),
                      identity_value ? positions_.data() : values_.data(),
                      weights_.data()};
}

void DirectEngine::evaluate(std::span<const double> targets, std::span<const double> sources,
                            std::span<const double> weights, KernelSums& sums) {
  const int d = kernel_.dimension;
  const SourceArrays arrays = gather_sources(sources, weights);
  parallel::Timers::Scope scope(timers_, Section::compute);
  const std::size_t count = targets.size() / d;
  std::int64_t first_target = 0;
  if (kernel_.causal) {
    const int rank = parallel::rank_of(comm_);
    first_target = displacements_[rank];
  }
  std::vector<double> exponent_vectors(count * d), shifts(count, kernel_.constant_shift);
  std::vector<std::int64_t> limits(count, static_cast<std::int64_t>(arrays.count));
  const bool identity = kernel_.identity_query_key();
  for (std::size_t i = 0; i < count; ++i) {
    for (int r = 0; r < d; ++r) {
      double s = 0;
      if (identity) {
        s = targets[i * d + r];
      } else {
        for (int c = 0; c < d; ++c) s += kernel_.query_key(r, c) * targets[i * d + c];
      }
      exponent_vectors[i * d + r] = kernel_.beta * s;
    }
    if (kernel_.causal) limits[i] = first_target + static_cast<std::int64_t>(i) + 1;
  }
  if (kernel_.normalised && !identity) {
    std::fill(shifts.begin(), shifts.end(), -HUGE_VAL);
    kernel_maxima(arrays, count, exponent_vectors.data(), limits.data(), shifts.data());
  }
  sums.numerator.resize(count * d);
  sums.normaliser.resize(count);
  kernel_sums(arrays, count, exponent_vectors.data(), shifts.data(), limits.data(),
              sums.numerator.data(), sums.normaliser.data());
  pairs_ = 0;
  for (auto l : limits) pairs_ += static_cast<double>(l);
}

}  // namespace attnflow::interaction

#include "interaction/ring_engine.hpp"

#include <utility>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"

namespace attnflow::interaction {

using parallel::check_mpi;
using parallel::Section;

RingEngine::RingEngine(const Kernel& kernel, MPI_Comm comm, Precision precision)
    : kernel_(kernel), comm_(comm), precision_(precision) {}

void RingEngine::ring_pass(const std::function<void(const SourceArrays&, int)>& visit) {
  const int rank = parallel::rank_of(comm_), size = parallel::size_of(comm_);
  current_.buffer() = own_.buffer();
  incoming_.buffer().resize(own_.buffer().size());
  const int length = static_cast<int>(own_.buffer().size());
  for (int step = 0; step < size; ++step) {
    MPI_Request requests[2];
    const bool more = step + 1 < size;
    if (more) {
      parallel::Timers::Scope scope(timers_, Section::communication);
      check_mpi(MPI_Irecv(incoming_.buffer().data(), length, MPI_DOUBLE, (rank + 1) % size, 0,
                          comm_, &requests[0]),
                "MPI_Irecv(source block)");
      check_mpi(MPI_Isend(current_.buffer().data(), length, MPI_DOUBLE, (rank + size - 1) % size, 0,
                          comm_, &requests[1]),
                "MPI_Isend(source block)");
    }
    {
      parallel::Timers::Scope scope(timers_, Section::compute);
      visit(current_.arrays(kernel_), (rank + step) % size);
    }
    if (more) {
      parallel::Timers::Scope scope(timers_, Section::communication);
      check_mpi(MPI_Waitall(2, requests, MPI_STATUSES_IGNORE), "MPI_Waitall(source block)");
      std::swap(current_, incoming_);
    }
  }
}

void RingEngine::evaluate(std::span<const double> targets, std::span<const double> sources,
                          std::span<const double> weights, KernelSums& sums) {
  const int d = kernel_.dimension;
  const int rank = parallel::rank_of(comm_);
  const std::size_t count = targets.size() / d;
  std::int64_t local[2] = {static_cast<std::int64_t>(weights.size()),
                           targets.size() == sources.size() ? 0 : 1};
  std::int64_t global[2] = {0, 0}, first = 0, source_count = 0;
  {
    parallel::Timers::Scope scope(timers_, Section::communication);
    check_mpi(MPI_Allreduce(local, global, 2, MPI_INT64_T, MPI_MAX, comm_),
              "MPI_Allreduce(block sizes)");
    check_mpi(MPI_Allreduce(local, &source_count, 1, MPI_INT64_T, MPI_SUM, comm_),
              "MPI_Allreduce(source count)");
    first = first_target_index(weights.size(), comm_);
  }
  errors::require(global[1] == 0,
                  "--engine ring: the targets must be the sources (same tokens on every rank); "
                  "accepted for other targets: direct, spectral, large-beta");
  own_.assign(kernel_, sources, weights, first, SourceBlock::stride_for(global[0]));
  auto setup = setup_targets(kernel_, targets);
  // Targets are this rank's sources, so every start lies in the own block: the cyclic order is
  // [start, own end), the blocks to the right, the blocks to the left, [own begin, start).
  const auto windows = summation_windows(first, count, source_count, kernel_.causal);
  if (setup.needs_maxima)
    ring_pass([&](const SourceArrays& block, int) {
      kernel_maxima(block, count, setup.exponent_vectors.data(), windows.limit.data(),
                    setup.shifts.data());
    });
  accumulators_.reset(count, d, precision_);
  ring_pass([&](const SourceArrays& block, int owner) {
    const bool wrapped = owner < rank;
    kernel_accumulate(block, count, setup.exponent_vectors.data(), setup.shifts.data(),
                      wrapped ? windows.zero.data() : windows.start.data(),
                      wrapped ? windows.wrap.data() : windows.limit.data(), accumulators_);
  });
  {
    parallel::Timers::Scope scope(timers_, Section::compute);
    kernel_accumulate(own_.arrays(kernel_), count, setup.exponent_vectors.data(),
                      setup.shifts.data(), windows.zero.data(), windows.wrap.data(), accumulators_);
    sums.numerator.resize(count * d);
    sums.normaliser.resize(count);
    accumulators_.finish(sums.numerator.data(), sums.normaliser.data());
  }
  pairs_ = 0;
  for (auto l : windows.limit) pairs_ += static_cast<double>(l);
}

}  // namespace attnflow::interaction

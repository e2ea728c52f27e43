#pragma once
// The ring engine: the direct sum with O(N/P) memory. Source blocks travel around the ranks
// (non-blocking send to the left neighbour, receive from the right, overlapped with the kernel
// on the block in hand); each rank starts at its own block and follows the per-target cyclic
// order of summation_windows, so its sums are bitwise those of the all-gather direct engine.
// Targets must be the sources (each rank's targets are its own source block).
#include <functional>

#include "interaction/direct_engine.hpp"

namespace attnflow::interaction {

class RingEngine : public Engine {
 public:
  RingEngine(const Kernel& kernel, MPI_Comm comm,
             Precision precision = Precision::double_precision);
  std::string name() const override { return "ring"; }
  bool targets_must_be_sources() const override { return true; }
  void evaluate(std::span<const double> targets, std::span<const double> sources,
                std::span<const double> weights, KernelSums& sums) override;

 private:
  // Calls visit(block, owner) for every rank's block, starting with this rank's, in ring order.
  void ring_pass(const std::function<void(const SourceArrays&, int)>& visit);

  Kernel kernel_;
  MPI_Comm comm_;
  Precision precision_;
  SourceBlock own_, current_, incoming_;
  KernelAccumulators accumulators_;
};

}  // namespace attnflow::interaction

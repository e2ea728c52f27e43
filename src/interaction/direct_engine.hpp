#pragma once
// The direct engine: all-gathers the sources (positions, weights) and sums over all of them for
// each owned target with the fused kernel. Sums run in global source order on every rank, so the
// result is bitwise the same for any number of ranks. Memory O(N) per rank.
#include "interaction/aligned.hpp"
#include "interaction/direct_kernel.hpp"
#include "interaction/engine.hpp"

namespace attnflow::interaction {

class DirectEngine : public Engine {
 public:
  DirectEngine(const Kernel& kernel, MPI_Comm comm);
  std::string name() const override { return "direct"; }
  void evaluate(std::span<const double> targets, std::span<const double> sources,
                std::span<const double> weights, KernelSums& sums) override;

 private:
  // All-gathers this rank's source block into structure-of-arrays storage.
  SourceArrays gather_sources(std::span<const double> sources, std::span<const double> weights);

  Kernel kernel_;
  MPI_Comm comm_;
  std::vector<double> gathered_rows_;
  AlignedVector<double> positions_, values_, weights_;
  std::vector<int> counts_, displacements_;
};

}  // namespace attnflow::interaction

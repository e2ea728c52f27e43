#pragma once
// The direct engine: all-gathers the sources (positions, weights) and sums over all of them for
// each owned target with the fused kernel, in the per-target order of summation_windows, so the
// result is bitwise the same for any number of ranks (and the same as the ring engine's).
// Memory O(N) per rank.
#include "interaction/aligned.hpp"
#include "interaction/direct_kernel.hpp"
#include "interaction/engine.hpp"

namespace attnflow::interaction {

// A block of sources with global indices [begin, end) in the kernel's structure-of-arrays layout,
// in one flat buffer (so that it can travel as one MPI message): a header, then positions, V y
// (when V is not the identity) and weights, each row `stride` long, padded in front so that
// entry 0 is global index aligned_first(begin).
class SourceBlock {
 public:
  // Buffer size for blocks of at most `largest_count` sources.
  static std::size_t stride_for(std::int64_t largest_count);
  // Fills the block from row-major source rows and their weights.
  void assign(const Kernel& kernel, std::span<const double> rows, std::span<const double> weights,
              std::int64_t begin, std::size_t stride);
  // A view of the block (valid while the buffer is unchanged).
  SourceArrays arrays(const Kernel& kernel) const;
  AlignedVector<double>& buffer() { return buffer_; }
  static std::size_t buffer_size(const Kernel& kernel, std::size_t stride);

 private:
  AlignedVector<double> buffer_;
};

// What every direct-type engine computes per target before summing: beta K^T Q x_i (row-major)
// and the shift (constant, or -infinity when it is the exact maximum still to be found).
struct TargetSetup {
  std::vector<double> exponent_vectors, shifts;
  bool needs_maxima = false;
};
TargetSetup setup_targets(const Kernel& kernel, std::span<const double> targets);

class DirectEngine : public Engine {
 public:
  DirectEngine(const Kernel& kernel, MPI_Comm comm,
               Precision precision = Precision::double_precision);
  std::string name() const override { return "direct"; }
  void evaluate(std::span<const double> targets, std::span<const double> sources,
                std::span<const double> weights, KernelSums& sums) override;

 private:
  Kernel kernel_;
  MPI_Comm comm_;
  Precision precision_;
  std::vector<double> gathered_rows_, gathered_weights_;
  SourceBlock block_;
  KernelAccumulators accumulators_;
  std::vector<int> counts_, displacements_;
};

// Global index of this rank's first target (targets numbered in rank order). Collective.
std::int64_t first_target_index(std::size_t target_count, MPI_Comm comm);

}  // namespace attnflow::interaction

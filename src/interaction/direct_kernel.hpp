#pragma once
// The fused, vectorised pair kernel shared by the direct and the ring engines: for each target,
// passes over the sources accumulate the normaliser and the numerator vector without storing any
// N x N matrix. Sources are stored by coordinate (structure of arrays), 64-byte aligned.
//
// Bitwise reproducibility: source j (global index) always goes to lane j % kernel_lanes of a
// per-target accumulator, every lane sums its sources in increasing j, and the lanes are combined
// in one fixed order at the end. Sources may therefore arrive in one array (all-gather) or in
// rank blocks (ring), and targets may be owned by any rank or processed in any grouping: the bits
// of each target's sums are the same.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace attnflow::interaction {

// Lanes of the accumulators (one AVX2 register of doubles); part of the summation order.
inline constexpr int kernel_lanes = 4;
// Single precision: 8 float lanes per group; float partial sums are added into double lanes
// whenever a target's next term lies in a new global chunk of single_chunk sources (the same
// places for every engine and rank count), which bounds the float rounding to chunk terms.
inline constexpr int single_lanes = 8;
inline constexpr std::int64_t single_chunk = 256;
// Stored blocks start on this grid of global indices (a multiple of both lane counts).
inline constexpr int block_alignment = 8;

enum class Precision { double_precision, single_precision };

struct SourceArrays {
  int dimension = 0;
  std::size_t count = 0;   // stored entries, a multiple of block_alignment (padding included)
  std::size_t stride = 0;  // distance between coordinate rows (>= count)
  std::int64_t first = 0;  // global index of stored entry 0, a multiple of block_alignment
  std::int64_t begin = 0;  // the real sources held: global indices [begin, end)
  std::int64_t end = 0;
  const double* positions = nullptr;  // positions[k * stride + j]
  const double* values = nullptr;     // V y_j, same layout (may equal positions)
  const double* weights = nullptr;    // w_j
};

// Global index of the first stored entry for a block whose first real source is `begin`.
inline std::int64_t aligned_first(std::int64_t begin) { return begin - begin % block_alignment; }

// Per-target lane-wise partial sums, carried across source blocks.
class KernelAccumulators {
 public:
  // Zeroes the sums of `target_count` targets in dimension d.
  void reset(std::size_t target_count, int dimension,
             Precision precision = Precision::double_precision);
  // normaliser[t] and numerator[t * d + k] from the lanes, in a fixed order.
  void finish(double* numerator, double* normaliser) const;
  std::size_t target_count() const { return target_count_; }
  int dimension() const { return dimension_; }
  Precision precision() const { return precision_; }
  int lanes() const {
    return precision_ == Precision::double_precision ? kernel_lanes : single_lanes;
  }
  // (1 + d) x lanes() doubles per target: the normaliser lanes, then each numerator row.
  double* target(std::size_t t) { return data_.data() + t * (1 + dimension_) * lanes(); }
  // Single precision: the float partial sums (same layout) and the chunk they belong to.
  float* partial(std::size_t t) { return partials_.data() + t * (1 + dimension_) * single_lanes; }
  std::int64_t& chunk(std::size_t t) { return chunks_[t]; }

 private:
  std::size_t target_count_ = 0;
  int dimension_ = 0;
  Precision precision_ = Precision::double_precision;
  std::vector<double> data_;
  std::vector<float> partials_;
  std::vector<std::int64_t> chunks_;
};

// Adds the sources in `sources` to every target's sums: for target t, over the global source
// indices j in [lower[t], upper[t]) that the block holds, exponent_j = <exponent_vectors[t], y_j>
// - shifts[t] and
//   normaliser[t] += w_j e^{exponent_j},  numerator[t, k] += w_j e^{exponent_j} (V y)_k.
// Each lane sums in call order: for identical bits, every engine must present each target's
// sources in the same global order (see summation_windows).
void kernel_accumulate(const SourceArrays& sources, std::size_t target_count,
                       const double* exponent_vectors, const double* shifts,
                       const std::int64_t* lower, const std::int64_t* upper,
                       KernelAccumulators& accumulators);

// The summation order every engine uses, fixed by the target alone: target t with global index
// g (in the targets' own global numbering) sums its sources cyclically from j = min(g, N):
// first [start, limit), then [zero, wrap) = [0, min(start, limit)), where limit is N or, causal,
// g + 1. A ring that starts at the rank's own block can follow it with O(N/P) memory.
struct SummationWindows {
  std::vector<std::int64_t> start, limit, zero, wrap;
};
SummationWindows summation_windows(std::int64_t first_target, std::size_t target_count,
                                   std::int64_t source_count, bool causal);

// maxima[t] = max_{j < limits[t]} <exponent_vectors[t], y_j> over the real sources of the block,
// combined with the value already in maxima[t] (start from -infinity). Exact, so any order.
// The result is the same whatever the block boundaries.
void kernel_maxima(const SourceArrays& sources, std::size_t target_count,
                   const double* exponent_vectors, const std::int64_t* limits, double* maxima);

// e^x for every entry, with the kernel's own vectorised exponential (relative error ~2e-16;
// 0 below -708.3, +inf above 709.7, NaN propagates). Exposed for its accuracy test.
void kernel_exp(const double* x, double* result, std::size_t count);

}  // namespace attnflow::interaction

#pragma once
// The fused, vectorised pair kernel of the direct engine: for each target, one pass over the
// sources accumulates the normaliser and the numerator vector without storing any N x N matrix.
// Sources are stored by coordinate (structure of arrays) and 64-byte aligned.
#include <cstddef>
#include <cstdint>

namespace attnflow::interaction {

struct SourceArrays {
  int dimension = 0;
  std::size_t count = 0;
  std::size_t stride = 0;           // distance between coordinate rows (>= count, padded)
  const double* positions = nullptr;  // positions[k * stride + j]
  const double* values = nullptr;     // V y_j, same layout (may equal positions)
  const double* weights = nullptr;    // w_j
};

// For target t: exponent_j = <exponent_vectors[t], y_j> - shifts[t] over sources j < limits[t];
// normaliser[t] = sum_j w_j e^{exponent_j}, numerator[t*d + k] = sum_j w_j e^{exponent_j} V y_j.
// The summation order depends only on limits[t], so results are bitwise reproducible.
void kernel_sums(const SourceArrays& sources, std::size_t target_count,
                 const double* exponent_vectors, const double* shifts,
                 const std::int64_t* limits, double* numerator, double* normaliser);

// maxima[t] = max_{j < limits[t]} <exponent_vectors[t], y_j> (the exact softmax shift).
void kernel_maxima(const SourceArrays& sources, std::size_t target_count,
                   const double* exponent_vectors, const std::int64_t* limits, double* maxima);

}  // namespace attnflow::interaction

#pragma once
// Four double lanes with GCC's vector extension (one AVX2 register with -march=native), and
// unaligned loads and stores: the batched recurrences of the harmonic basis and the spectral
// engine's moment sums run four points side by side with them.
#include <cstring>

namespace attnflow::simd {

using Vec4 = double __attribute__((vector_size(32)));

inline Vec4 splat(double x) { return Vec4{x, x, x, x}; }
inline Vec4 load4(const double* p) {
  Vec4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(double* p, Vec4 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace attnflow::simd

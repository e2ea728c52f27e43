// Compiled with -ffast-math -fopenmp-simd (see CMakeLists.txt): exp vectorises via libmvec.
#include "interaction/direct_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnflow::interaction {

namespace {

constexpr std::size_t block = 256;

template <int D>
void fused_sums(const SourceArrays& s, std::size_t target_count, const double* u,
                const double* shifts, const std::int64_t* limits, double* numerator,
                double* normaliser) {
  const double* __restrict y0 = s.positions;
  const double* __restrict y1 = s.positions + s.stride;
  const double* __restrict y2 = D > 2 ? s.positions + 2 * s.stride : nullptr;
  const double* __restrict v0 = s.values;
  const double* __restrict v1 = s.values + s.stride;
  const double* __restrict v2 = D > 2 ? s.values + 2 * s.stride : nullptr;
  const double* __restrict w = s.weights;
  for (std::size_t t = 0; t < target_count; ++t) {
    const double u0 = u[t * D], u1 = u[t * D + 1], u2 = D > 2 ? u[t * D + 2] : 0.0;
    const double shift = shifts[t];
    const std::int64_t n = limits[t];
    double z = 0, n0 = 0, n1 = 0, n2 = 0;
    if constexpr (D == 2) {
#pragma omp simd reduction(+ : z, n0, n1) aligned(y0, y1, v0, v1, w : 64)
      for (std::int64_t j = 0; j < n; ++j) {
        const double e = w[j] * std::exp(u0 * y0[j] + u1 * y1[j] - shift);
        z += e;
        n0 += e * v0[j];
        n1 += e * v1[j];
      }
    } else {
#pragma omp simd reduction(+ : z, n0, n1, n2) aligned(y0, y1, y2, v0, v1, v2, w : 64)
      for (std::int64_t j = 0; j < n; ++j) {
        const double e = w[j] * std::exp(u0 * y0[j] + u1 * y1[j] + u2 * y2[j] - shift);
        z += e;
        n0 += e * v0[j];
        n1 += e * v1[j];
        n2 += e * v2[j];
      }
    }
    normaliser[t] = z;
    numerator[t * D] = n0;
    numerator[t * D + 1] = n1;
    if constexpr (D > 2) numerator[t * D + 2] = n2;
  }
}

// Any dimension: blocks of sources, exponent computed coordinate by coordinate.
void blocked_sums(const SourceArrays& s, std::size_t target_count, const double* u,
                  const double* shifts, const std::int64_t* limits, double* numerator,
                  double* normaliser) {
  const int d = s.dimension;
  alignas(64) double e[block];
  for (std::size_t t = 0; t < target_count; ++t) {
    const double* ut = u + t * d;
    double* num = numerator + t * d;
    std::fill(num, num + d, 0.0);
    double z = 0;
    const std::size_t n = static_cast<std::size_t>(limits[t]);
    for (std::size_t start = 0; start < n; start += block) {
      const std::size_t len = std::min(block, n - start);
      const double* __restrict y = s.positions + start;
      const double u0 = ut[0];
#pragma omp simd aligned(e : 64)
      for (std::size_t j = 0; j < len; ++j) e[j] = u0 * y[j];
      for (int k = 1; k < d; ++k) {
        const double uk = ut[k];
        const double* __restrict yk = y + k * s.stride;
#pragma omp simd aligned(e : 64)
        for (std::size_t j = 0; j < len; ++j) e[j] += uk * yk[j];
      }
      const double shift = shifts[t];
      const double* __restrict w = s.weights + start;
      double zb = 0;
#pragma omp simd reduction(+ : zb) aligned(e : 64)
      for (std::size_t j = 0; j < len; ++j) {
        e[j] = w[j] * std::exp(e[j] - shift);
        zb += e[j];
      }
      z += zb;
      for (int k = 0; k < d; ++k) {
        const double* __restrict vk = s.values + k * s.stride + start;
        double sum = 0;
#pragma omp simd reduction(+ : sum) aligned(e : 64)
        for (std::size_t j = 0; j < len; ++j) sum += e[j] * vk[j];
        num[k] += sum;
      }
    }
    normaliser[t] = z;
  }
}

}  // namespace

void kernel_sums(const SourceArrays& sources, std::size_t target_count,
                 const double* exponent_vectors, const double* shifts,
                 const std::int64_t* limits, double* numerator, double* normaliser) {
  switch (sources.dimension) {
    case 2:
      fused_sums<2>(sources, target_count, exponent_vectors, shifts, limits, numerator,
                    normaliser);
      break;
    case 3:
      fused_sums<3>(sources, target_count, exponent_vectors, shifts, limits, numerator,
                    normaliser);
      break;
    default:
      blocked_sums(sources, target_count, exponent_vectors, shifts, limits, numerator,
                   normaliser);
  }
}

void kernel_maxima(const SourceArrays& s, std::size_t target_count,
                   const double* exponent_vectors, const std::int64_t* limits, double* maxima) {
  const int d = s.dimension;
  alignas(64) double e[block];
  for (std::size_t t = 0; t < target_count; ++t) {
    const double* ut = exponent_vectors + t * d;
    double best = -std::numeric_limits<double>::max();
    const std::size_t n = static_cast<std::size_t>(limits[t]);
    for (std::size_t start = 0; start < n; start += block) {
      const std::size_t len = std::min(block, n - start);
      const double* __restrict y = s.positions + start;
#pragma omp simd aligned(e : 64)
      for (std::size_t j = 0; j < len; ++j) e[j] = ut[0] * y[j];
      for (int k = 1; k < d; ++k) {
        const double uk = ut[k];
        const double* __restrict yk = y + k * s.stride;
#pragma omp simd aligned(e : 64)
        for (std::size_t j = 0; j < len; ++j) e[j] += uk * yk[j];
      }
      for (std::size_t j = 0; j < len; ++j) best = std::max(best, e[j]);
    }
    maxima[t] = best;
  }
}

}  // namespace attnflow::interaction

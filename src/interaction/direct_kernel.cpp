// Explicit 4-lane vectors (GCC vector extensions) and an inlined polynomial exponential: the lane
// of every source and the order of every sum are fixed by this code, not by the vectoriser, and
// no fast-math is needed (glibc's libmvec exp is not used; it is an out-of-line call and is only
// declared when __FAST_MATH__ is defined). Compiled with -ffp-contract=fast (CMakeLists.txt).
#include "interaction/direct_kernel.hpp"
#include "simd/lanes.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace attnflow::interaction {

namespace {

using Vec = simd::Vec4;
using Index = std::int64_t __attribute__((vector_size(32)));
static_assert(sizeof(Vec) == kernel_lanes * sizeof(double));

inline Vec broadcast(double x) { return simd::splat(x); }
inline Vec load(const double* p) { return simd::load4(p); }
inline void store(double* p, Vec v) { simd::store4(p, v); }

// e^x: x = n ln 2 + r with |r| <= ln(2)/2 (Cody-Waite split of ln 2, exact n * ln2_high for
// |n| < 2^11), degree-12 Taylor polynomial for e^r (truncation < 2.4e-16 relative), times 2^n
// built in the exponent bits. Below -708.3 the result would be subnormal: 0 is returned, which
// only drops terms 1e-308 times smaller than the self term.
inline Vec exp_vector(Vec x) {
  const Vec magic = broadcast(0x1.8p52);  // adding it rounds to an integer in the low bits
  const Vec t = x * broadcast(1.4426950408889634) + magic;
  const Vec n = t - magic;
  Vec r = x - n * broadcast(6.93145751953125e-1);
  r = r - n * broadcast(1.42860682030941723212e-6);
  // Estrin's scheme: the same polynomial with a dependency chain of ~5 FMAs instead of 12, so
  // that several exponentials overlap in the pipelines.
  const Vec r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const Vec p01 = broadcast(1.0) + r;
  const Vec p23 = broadcast(0.5) + broadcast(1.0 / 6.0) * r;
  const Vec p45 = broadcast(1.0 / 24.0) + broadcast(1.0 / 120.0) * r;
  const Vec p67 = broadcast(1.0 / 720.0) + broadcast(1.0 / 5040.0) * r;
  const Vec p89 = broadcast(1.0 / 40320.0) + broadcast(1.0 / 362880.0) * r;
  const Vec p1011 = broadcast(1.0 / 3628800.0) + broadcast(1.0 / 39916800.0) * r;
  const Vec q0 = p01 + p23 * r2, q1 = p45 + p67 * r2, q2 = p89 + p1011 * r2;
  const Vec s0 = q0 + q1 * r4, s1 = q2 + broadcast(1.0 / 479001600.0) * r4;
  const Vec p = s0 + s1 * r8;
  const Index exponent = (std::bit_cast<Index>(t) - std::bit_cast<Index>(magic) + 1023) << 52;
  const Vec result = p * std::bit_cast<Vec>(exponent);
  // Bit masks rather than selects: one instruction each, and NaN (all comparisons false) passes.
  const Index underflow = x < broadcast(-708.3);
  const Index overflow = x > broadcast(709.7);
  return std::bit_cast<Vec>(
      (std::bit_cast<Index>(result) & ~(underflow | overflow)) |
      (overflow & std::bit_cast<Index>(broadcast(std::numeric_limits<double>::infinity()))));
}

// Global source indices as doubles (exact below 2^53): a double comparison needs no negation
// and yields the mask that keeps a lane's term.
inline Vec lane_indices(std::int64_t first) {
  const double f = static_cast<double>(first);
  return Vec{f, f + 1, f + 2, f + 3};
}

inline Vec keep(Index mask, Vec x) { return std::bit_cast<Vec>(mask & std::bit_cast<Index>(x)); }

// Stored entries [from, to) (whole lane groups) covering global indices [lo, hi) of the block.
struct EntryRange {
  std::size_t from = 0, to = 0;
};
EntryRange entry_range(const SourceArrays& s, std::int64_t lo, std::int64_t hi) {
  lo = std::max(lo, s.begin);
  hi = std::min(hi, s.end);
  if (hi <= lo) return {};
  const std::int64_t from = (lo - s.first) / kernel_lanes * kernel_lanes;
  const std::int64_t to = (hi - s.first + kernel_lanes - 1) / kernel_lanes * kernel_lanes;
  return {static_cast<std::size_t>(from), static_cast<std::size_t>(to)};
}

// Dimensions 2 and 3: all accumulators of T targets stay in registers; T targets share every
// source load. Padding targets (beyond target_count) are fully masked and write to scratch.
template <int D, int T>
void fused_accumulate(const SourceArrays& s, std::size_t target_count, const double* u,
                      const double* shifts, const std::int64_t* lowers, const std::int64_t* uppers,
                      KernelAccumulators& accumulators) {
  const double* __restrict y[D];
  const double* __restrict v[D];
  for (int k = 0; k < D; ++k) {
    y[k] = s.positions + k * s.stride;
    v[k] = s.values + k * s.stride;
  }
  const double* __restrict w = s.weights;
  alignas(64) double scratch[(1 + D) * kernel_lanes];
  for (std::size_t t0 = 0; t0 < target_count; t0 += T) {
    Vec exponent_vector[T][D], shift[T], normaliser[T], numerator[T][D], lower[T], upper[T];
    double* sums[T];
    std::int64_t lowest = s.end, highest = s.begin;
    for (int a = 0; a < T; ++a) {
      const std::size_t t = t0 + a;
      const bool real = t < target_count;
      sums[a] = real ? accumulators.target(t) : scratch;
      if (!real) std::fill(scratch, scratch + (1 + D) * kernel_lanes, 0.0);
      for (int k = 0; k < D; ++k) exponent_vector[a][k] = broadcast(real ? u[t * D + k] : 0.0);
      shift[a] = broadcast(real ? shifts[t] : 0.0);
      const std::int64_t lo = real ? std::max(lowers[t], s.begin) : s.end;
      const std::int64_t hi = real ? std::min(uppers[t], s.end) : s.begin;
      if (lo < hi) {
        lowest = std::min(lowest, lo);
        highest = std::max(highest, hi);
      }
      lower[a] = broadcast(static_cast<double>(lo));
      upper[a] = broadcast(static_cast<double>(hi));
      normaliser[a] = load(sums[a]);
      for (int k = 0; k < D; ++k) numerator[a][k] = load(sums[a] + (1 + k) * kernel_lanes);
    }
    const EntryRange range = entry_range(s, lowest, highest);
    Vec index = lane_indices(s.first + static_cast<std::int64_t>(range.from));
    for (std::size_t j = range.from; j < range.to; j += kernel_lanes) {
      Vec yj[D], vj[D];
      for (int k = 0; k < D; ++k) {
        yj[k] = load(y[k] + j);
        vj[k] = load(v[k] + j);
      }
      const Vec wj = load(w + j);
      for (int a = 0; a < T; ++a) {
        Vec x = exponent_vector[a][0] * yj[0];
        for (int k = 1; k < D; ++k) x = exponent_vector[a][k] * yj[k] + x;
        const Vec e = keep((index >= lower[a]) & (index < upper[a]), wj * exp_vector(x - shift[a]));
        normaliser[a] += e;
        for (int k = 0; k < D; ++k) numerator[a][k] = e * vj[k] + numerator[a][k];
      }
      index += broadcast(static_cast<double>(kernel_lanes));
    }
    for (int a = 0; a < T; ++a) {
      store(sums[a], normaliser[a]);
      for (int k = 0; k < D; ++k) store(sums[a] + (1 + k) * kernel_lanes, numerator[a][k]);
    }
  }
}

// Any dimension: T targets share each chunk of sources; the exponents of a chunk are kept in a
// small buffer and the numerator rows are accumulated row by row over the chunk.
template <int T>
void blocked_accumulate(const SourceArrays& s, std::size_t target_count, const double* u,
                        const double* shifts, const std::int64_t* lowers,
                        const std::int64_t* uppers, KernelAccumulators& accumulators) {
  constexpr std::size_t chunk_groups = 16;
  constexpr std::size_t chunk = chunk_groups * kernel_lanes;
  const int d = s.dimension;
  std::vector<Vec> exponent_vector(static_cast<std::size_t>(T) * d);
  std::vector<double> scratch((1 + d) * kernel_lanes);
  Vec e[T][chunk_groups];
  for (std::size_t t0 = 0; t0 < target_count; t0 += T) {
    Vec shift[T], lower[T], upper[T];
    double* sums[T];
    std::int64_t lowest = s.end, highest = s.begin;
    for (int a = 0; a < T; ++a) {
      const std::size_t t = t0 + a;
      const bool real = t < target_count;
      sums[a] = real ? accumulators.target(t) : scratch.data();
      if (!real) std::fill(scratch.begin(), scratch.end(), 0.0);
      for (int k = 0; k < d; ++k) exponent_vector[a * d + k] = broadcast(real ? u[t * d + k] : 0.0);
      shift[a] = broadcast(real ? shifts[t] : 0.0);
      const std::int64_t lo = real ? std::max(lowers[t], s.begin) : s.end;
      const std::int64_t hi = real ? std::min(uppers[t], s.end) : s.begin;
      if (lo < hi) {
        lowest = std::min(lowest, lo);
        highest = std::max(highest, hi);
      }
      lower[a] = broadcast(static_cast<double>(lo));
      upper[a] = broadcast(static_cast<double>(hi));
    }
    const EntryRange range = entry_range(s, lowest, highest);
    for (std::size_t j0 = range.from; j0 < range.to; j0 += chunk) {
      const std::size_t groups = std::min(chunk, range.to - j0) / kernel_lanes;
      Vec normaliser[T];
      for (int a = 0; a < T; ++a) normaliser[a] = load(sums[a]);
      for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t j = j0 + g * kernel_lanes;
        Vec x[T];
        const Vec y0 = load(s.positions + j);
        for (int a = 0; a < T; ++a) x[a] = exponent_vector[a * d] * y0;
        for (int k = 1; k < d; ++k) {
          const Vec yk = load(s.positions + k * s.stride + j);
          for (int a = 0; a < T; ++a) x[a] = exponent_vector[a * d + k] * yk + x[a];
        }
        const Vec index = lane_indices(s.first + static_cast<std::int64_t>(j));
        const Vec wj = load(s.weights + j);
        for (int a = 0; a < T; ++a) {
          const Vec ea =
              keep((index >= lower[a]) & (index < upper[a]), wj * exp_vector(x[a] - shift[a]));
          e[a][g] = ea;
          normaliser[a] += ea;
        }
      }
      for (int a = 0; a < T; ++a) store(sums[a], normaliser[a]);
      for (int k = 0; k < d; ++k) {
        const double* __restrict vk = s.values + k * s.stride + j0;
        Vec numerator[T];
        for (int a = 0; a < T; ++a) numerator[a] = load(sums[a] + (1 + k) * kernel_lanes);
        for (std::size_t g = 0; g < groups; ++g) {
          const Vec vj = load(vk + g * kernel_lanes);
          for (int a = 0; a < T; ++a) numerator[a] = e[a][g] * vj + numerator[a];
        }
        for (int a = 0; a < T; ++a) store(sums[a] + (1 + k) * kernel_lanes, numerator[a]);
      }
    }
  }
}

// Single precision: 8 float lanes; sources are converted from the double block on the fly.
using Float8 = float __attribute__((vector_size(32)));
using Float4 = float __attribute__((vector_size(16)));
using Int8 = std::int32_t __attribute__((vector_size(32)));

inline Float8 broadcast8(float x) { return Float8{x, x, x, x, x, x, x, x}; }
inline Float8 load8(const double* p) {
  const Float4 low = __builtin_convertvector(load(p), Float4);
  const Float4 high = __builtin_convertvector(load(p + 4), Float4);
  return __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7);
}

// e^x in float: the same construction as exp_vector, degree-7 Taylor polynomial on
// |r| <= ln(2)/2 (truncation 5e-9 relative, below float rounding); 0 below -87.3.
inline Float8 exp_float(Float8 x) {
  const Float8 magic = broadcast8(0x1.8p23f);
  const Float8 t = x * broadcast8(1.44269504f) + magic;
  const Float8 n = t - magic;
  Float8 r = x - n * broadcast8(0.693359375f);
  r = r - n * broadcast8(-2.12194440e-4f);
  const Float8 r2 = r * r, r4 = r2 * r2;
  const Float8 p01 = broadcast8(1.0f) + r;
  const Float8 p23 = broadcast8(0.5f) + broadcast8(1.0f / 6.0f) * r;
  const Float8 p45 = broadcast8(1.0f / 24.0f) + broadcast8(1.0f / 120.0f) * r;
  const Float8 p67 = broadcast8(1.0f / 720.0f) + broadcast8(1.0f / 5040.0f) * r;
  const Float8 p = (p01 + p23 * r2) + (p45 + p67 * r2) * r4;
  const Int8 exponent = (std::bit_cast<Int8>(t) - std::bit_cast<Int8>(magic) + 127) << 23;
  const Float8 result = p * std::bit_cast<Float8>(exponent);
  const Int8 underflow = x < broadcast8(-87.3f);
  const Int8 overflow = x > broadcast8(88.7f);
  return std::bit_cast<Float8>(
      (std::bit_cast<Int8>(result) & ~(underflow | overflow)) |
      (overflow & std::bit_cast<Int8>(broadcast8(std::numeric_limits<float>::infinity()))));
}

// Adds a target's float partial sums into its double lanes and clears them.
inline void flush(float* partial, double* sums, int rows) {
  for (int q = 0; q < rows * single_lanes; ++q) {
    sums[q] += static_cast<double>(partial[q]);
    partial[q] = 0.0f;
  }
}

template <int D, int T, bool IdentityValue>
void single_accumulate(const SourceArrays& s, std::size_t target_count, const double* u,
                       const double* shifts, const std::int64_t* lowers, const std::int64_t* uppers,
                       KernelAccumulators& accumulators) {
  constexpr int rows = 1 + D;
  alignas(64) double scratch_sums[rows * single_lanes];
  alignas(64) float scratch_partial[rows * single_lanes];
  std::int64_t scratch_chunk = -1;
  for (std::size_t t0 = 0; t0 < target_count; t0 += T) {
    Float8 exponent_vector[T][D], shift[T], partial[T][rows];
    Int8 lower[T], upper[T];
    std::int64_t lower_entry[T], upper_entry[T];
    double* sums[T];
    float* stored[T];
    std::int64_t* chunk[T];
    std::int64_t lowest = s.end, highest = s.begin;
    for (int a = 0; a < T; ++a) {
      const std::size_t t = t0 + a;
      const bool real = t < target_count;
      sums[a] = real ? accumulators.target(t) : scratch_sums;
      stored[a] = real ? accumulators.partial(t) : scratch_partial;
      chunk[a] = real ? &accumulators.chunk(t) : &scratch_chunk;
      if (!real) {
        std::fill(scratch_sums, scratch_sums + rows * single_lanes, 0.0);
        std::fill(scratch_partial, scratch_partial + rows * single_lanes, 0.0f);
      }
      for (int k = 0; k < D; ++k)
        exponent_vector[a][k] = broadcast8(real ? static_cast<float>(u[t * D + k]) : 0.0f);
      shift[a] = broadcast8(real ? static_cast<float>(shifts[t]) : 0.0f);
      const std::int64_t lo = real ? std::max(lowers[t], s.begin) : s.end;
      const std::int64_t hi = real ? std::min(uppers[t], s.end) : s.begin;
      if (lo < hi) {
        lowest = std::min(lowest, lo);
        highest = std::max(highest, hi);
      }
      // Entry indices relative to the block fit in 32 bits.
      const auto lo_entry = static_cast<std::int32_t>(std::max<std::int64_t>(lo - s.first, -1));
      const auto hi_entry = static_cast<std::int32_t>(std::max<std::int64_t>(hi - s.first, -1));
      lower_entry[a] = lo_entry;
      upper_entry[a] = hi_entry;
      lower[a] =
          Int8{lo_entry, lo_entry, lo_entry, lo_entry, lo_entry, lo_entry, lo_entry, lo_entry};
      upper[a] =
          Int8{hi_entry, hi_entry, hi_entry, hi_entry, hi_entry, hi_entry, hi_entry, hi_entry};
      for (int q = 0; q < rows; ++q) std::memcpy(&partial[a][q], stored[a] + q * single_lanes, 32);
    }
    if (lowest < highest) {
      const std::size_t from =
          static_cast<std::size_t>((lowest - s.first) / single_lanes * single_lanes);
      const std::size_t to = static_cast<std::size_t>((highest - s.first + single_lanes - 1) /
                                                      single_lanes * single_lanes);
      for (std::size_t j = from; j < to; j += single_lanes) {
        const std::int64_t group_chunk = (s.first + static_cast<std::int64_t>(j)) / single_chunk;
        // Flush only before a group holding some of the target's own terms: then the flushes
        // depend on the target's sequence of terms alone, not on its neighbours in the group
        // of targets or on block boundaries.
        const auto entry = static_cast<std::int64_t>(j);
        for (int a = 0; a < T; ++a)
          if (*chunk[a] != group_chunk && entry < upper_entry[a] &&
              entry + single_lanes > lower_entry[a]) {
            for (int q = 0; q < rows; ++q)
              std::memcpy(stored[a] + q * single_lanes, &partial[a][q], 32);
            flush(stored[a], sums[a], rows);
            for (int q = 0; q < rows; ++q) partial[a][q] = broadcast8(0.0f);
            *chunk[a] = group_chunk;
          }
        const auto first = static_cast<std::int32_t>(j);
        const Int8 index{first,     first + 1, first + 2, first + 3,
                         first + 4, first + 5, first + 6, first + 7};
        Float8 yj[D], vj[D];
        for (int k = 0; k < D; ++k) {
          yj[k] = load8(s.positions + k * s.stride + j);
          // With V = I the values are the positions: convert them once.
          vj[k] = IdentityValue ? yj[k] : load8(s.values + k * s.stride + j);
        }
        const Float8 wj = load8(s.weights + j);
        for (int a = 0; a < T; ++a) {
          Float8 x = exponent_vector[a][0] * yj[0];
          for (int k = 1; k < D; ++k) x = exponent_vector[a][k] * yj[k] + x;
          const Int8 keep_mask = (index >= lower[a]) & (index < upper[a]);
          const Float8 e =
              std::bit_cast<Float8>(keep_mask & std::bit_cast<Int8>(wj * exp_float(x - shift[a])));
          partial[a][0] += e;
          for (int k = 0; k < D; ++k) partial[a][1 + k] = e * vj[k] + partial[a][1 + k];
        }
      }
    }
    for (int a = 0; a < T; ++a)
      for (int q = 0; q < rows; ++q) std::memcpy(stored[a] + q * single_lanes, &partial[a][q], 32);
  }
}

}  // namespace

void KernelAccumulators::reset(std::size_t target_count, int dimension, Precision precision) {
  target_count_ = target_count;
  dimension_ = dimension;
  precision_ = precision;
  data_.assign(target_count * (1 + dimension) * lanes(), 0.0);
  const bool single = precision == Precision::single_precision;
  partials_.assign(single ? target_count * (1 + dimension) * single_lanes : 0, 0.0f);
  chunks_.assign(single ? target_count : 0, -1);
}

void KernelAccumulators::finish(double* numerator, double* normaliser) const {
  const int d = dimension_;
  const int width = lanes();
  const bool single = precision_ == Precision::single_precision;
  auto combine = [&](std::size_t offset) {
    double lane[single_lanes];
    for (int b = 0; b < width; ++b)
      lane[b] = data_[offset + b] + (single ? static_cast<double>(partials_[offset + b]) : 0.0);
    const double low = (lane[0] + lane[1]) + (lane[2] + lane[3]);
    return width == 4 ? low : low + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  };
  for (std::size_t t = 0; t < target_count_; ++t) {
    const std::size_t base = t * (1 + d) * width;
    normaliser[t] = combine(base);
    for (int k = 0; k < d; ++k) numerator[t * d + k] = combine(base + (1 + k) * width);
  }
}

void kernel_accumulate(const SourceArrays& sources, std::size_t target_count,
                       const double* exponent_vectors, const double* shifts,
                       const std::int64_t* lower, const std::int64_t* upper,
                       KernelAccumulators& accumulators) {
  if (accumulators.precision() == Precision::single_precision) {
    const bool identity = sources.values == sources.positions;
    auto run = [&](auto kernel) {
      kernel(sources, target_count, exponent_vectors, shifts, lower, upper, accumulators);
    };
    if (sources.dimension == 2)
      identity ? run(single_accumulate<2, 4, true>) : run(single_accumulate<2, 4, false>);
    else
      identity ? run(single_accumulate<3, 4, true>) : run(single_accumulate<3, 4, false>);
    return;
  }
  switch (sources.dimension) {
    case 2:
      fused_accumulate<2, 2>(sources, target_count, exponent_vectors, shifts, lower, upper,
                             accumulators);
      break;
    case 3:
      fused_accumulate<3, 2>(sources, target_count, exponent_vectors, shifts, lower, upper,
                             accumulators);
      break;
    default:
      blocked_accumulate<8>(sources, target_count, exponent_vectors, shifts, lower, upper,
                            accumulators);
  }
}

SummationWindows summation_windows(std::int64_t first_target, std::size_t target_count,
                                   std::int64_t source_count, bool causal) {
  SummationWindows w;
  w.start.resize(target_count);
  w.limit.resize(target_count);
  w.zero.assign(target_count, 0);
  w.wrap.resize(target_count);
  for (std::size_t t = 0; t < target_count; ++t) {
    const std::int64_t g = first_target + static_cast<std::int64_t>(t);
    w.start[t] = std::min(g, source_count);
    w.limit[t] = causal ? std::min(g + 1, source_count) : source_count;
    w.wrap[t] = std::min(w.start[t], w.limit[t]);
  }
  return w;
}

void kernel_maxima(const SourceArrays& s, std::size_t target_count, const double* exponent_vectors,
                   const std::int64_t* limits, double* maxima) {
  constexpr std::size_t block = 256;
  const int d = s.dimension;
  alignas(64) double e[block];
  for (std::size_t t = 0; t < target_count; ++t) {
    const double* ut = exponent_vectors + t * d;
    double best = maxima[t];
    const std::int64_t hi = std::min(limits[t], s.end);
    if (hi <= s.begin) continue;
    const std::size_t from = static_cast<std::size_t>(s.begin - s.first);
    const std::size_t to = static_cast<std::size_t>(hi - s.first);
    for (std::size_t start = from; start < to; start += block) {
      const std::size_t len = std::min(block, to - start);
      const double* __restrict y = s.positions + start;
      for (std::size_t j = 0; j < len; ++j) e[j] = ut[0] * y[j];
      for (int k = 1; k < d; ++k) {
        const double uk = ut[k];
        const double* __restrict yk = y + k * s.stride;
        for (std::size_t j = 0; j < len; ++j) e[j] += uk * yk[j];
      }
      for (std::size_t j = 0; j < len; ++j) best = std::max(best, e[j]);
    }
    maxima[t] = best;
  }
}

void kernel_exp(const double* x, double* result, std::size_t count) {
  for (std::size_t j = 0; j < count; j += kernel_lanes) {
    double in[kernel_lanes] = {0, 0, 0, 0}, out[kernel_lanes];
    const std::size_t len = std::min<std::size_t>(kernel_lanes, count - j);
    std::copy(x + j, x + j + len, in);
    store(out, exp_vector(load(in)));
    std::copy(out, out + len, result + j);
  }
}

}  // namespace attnflow::interaction

#include "parallel/exact_sum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel/partition.hpp"

namespace attnflow::parallel {

namespace {
constexpr int limb_bits = 30;
constexpr int lowest_exponent = -120;
constexpr double scale = 0x1p120, limb_unit = 0x1p30;
// Powers of two: a product with one is exact where it matters (the parts that round to a nonzero
// limb are far from underflow).
constexpr double down[5] = {1.0, 0x1p-30, 0x1p-60, 0x1p-90, 0x1p-120};
constexpr double up[5] = {1.0, 0x1p30, 0x1p60, 0x1p90, 0x1p120};
// (x + 1.5 2^52) - 1.5 2^52 rounds x to the nearest integer for |x| < 2^51 (round to nearest,
// no fast-math): no call to trunc or round.
constexpr double round_shift = 0x1.8p52;
constexpr std::int64_t settle_after = std::int64_t(1) << 22;

// Splits one term into its limbs, added to limb[j * stride]: value 2^120 is exact; each limb is
// the remainder rounded to a multiple of 2^(30 j), and the new remainder (its low bits) is exact.
inline void split(double value, double* limb, std::size_t stride) {
  double rest = value * scale;
  for (int j = 4; j >= 0; --j) {
    const double part = (rest * down[j] + round_shift) - round_shift;
    limb[std::size_t(j) * stride] += part;
    rest -= part * up[j];
  }
}
}  // namespace

ExactSums::ExactSums(std::size_t count)
    : count_(count), pending_(count * limbs, 0.0), settled_(count * limbs, 0), invalid_(count, 0) {}

void ExactSums::settle() {
  for (std::size_t k = 0; k < pending_.size(); ++k) {
    settled_[k] += static_cast<std::int64_t>(pending_[k]);
    pending_[k] = 0;
  }
  pending_terms_ = 0;
}

void ExactSums::add(std::size_t index, double value) {
  if (!(std::abs(value) < limb_unit)) {
    ++invalid_[index];
    return;
  }
  if (++pending_terms_ == settle_after) settle();
  split(value, pending_.data() + index, count_);
}

void ExactSums::add(std::size_t first, std::span<const double> values) {
  if (++pending_terms_ == settle_after) settle();
  // Limb by limb over a chunk of terms: the terms' chains are independent, so the loops pipeline
  // (and vectorise) instead of waiting on one term's five dependent steps.
  constexpr std::size_t chunk = 64;
  double rest[chunk];
  for (std::size_t begin = 0; begin < values.size(); begin += chunk) {
    const std::size_t m = std::min(chunk, values.size() - begin);
    std::int64_t* invalid = invalid_.data() + first + begin;
    for (std::size_t k = 0; k < m; ++k) {
      const bool valid = std::abs(values[begin + k]) < limb_unit;
      invalid[k] += !valid;
      rest[k] = (valid ? values[begin + k] : 0.0) * scale;
    }
    for (int j = 4; j >= 0; --j) {
      double* __restrict limb = pending_.data() + std::size_t(j) * count_ + first + begin;
      for (std::size_t k = 0; k < m; ++k) {
        const double part = (rest[k] * down[j] + round_shift) - round_shift;
        limb[k] += part;
        rest[k] -= part * up[j];
      }
    }
  }
}

std::vector<double> ExactSums::reduce(MPI_Comm comm) const {
  // Per sum: its limbs, then its invalid count (one integer array for one MPI_Allreduce).
  std::vector<std::int64_t> local((limbs + 1) * count_), total(local.size());
  for (std::size_t i = 0; i < count_; ++i) {
    for (int j = 0; j < limbs; ++j)
      local[i * (limbs + 1) + std::size_t(j)] =
          settled_[std::size_t(j) * count_ + i] +
          static_cast<std::int64_t>(pending_[std::size_t(j) * count_ + i]);
    local[i * (limbs + 1) + limbs] = invalid_[i];
  }
  check_mpi(MPI_Allreduce(local.data(), total.data(), static_cast<int>(total.size()), MPI_INT64_T,
                          MPI_SUM, comm),
            "MPI_Allreduce(exact sums)");
  std::vector<double> sums(count_);
  for (std::size_t i = 0; i < sums.size(); ++i) {
    std::int64_t* limb = total.data() + i * (limbs + 1);
    if (limb[limbs] != 0) {
      sums[i] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    // Carries: limbs 0..3 into [0, 2^30), the top one keeps the sign; the number is then
    // sum_k limb_k 2^(30 k - 120) with non-negative low limbs, added from the top (deterministic).
    for (int k = 0; k < limbs - 1; ++k) {
      const std::int64_t carry = limb[k] >> limb_bits;  // floor division by 2^30
      limb[k] -= carry << limb_bits;
      limb[k + 1] += carry;
    }
    double value = 0;
    for (int k = limbs - 1; k >= 0; --k)
      value += std::ldexp(static_cast<double>(limb[k]), limb_bits * k + lowest_exponent);
    sums[i] = value;
  }
  return sums;
}

}  // namespace attnflow::parallel

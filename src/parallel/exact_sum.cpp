#include "parallel/exact_sum.hpp"

#include <cmath>
#include <limits>

#include "parallel/partition.hpp"

namespace attnflow::parallel {

namespace {
constexpr int limb_bits = 30;
constexpr int lowest_exponent = -120;
}  // namespace

ExactSums::ExactSums(std::size_t count) : limbs_(count * (limbs + 1), 0) {}

void ExactSums::add(std::size_t index, double value) {
  std::int64_t* limb = limbs_.data() + index * (limbs + 1);
  if (!(std::abs(value) < std::ldexp(1.0, limb_bits))) {
    ++limb[limbs];
    return;
  }
  // value * 2^120 is exact (a power of two); peeling the limbs off from the top is exact too:
  // each trunc(.) is an integer of at most 30 bits and the remainder x - 2^e trunc(x / 2^e) is
  // representable (it keeps the low bits of x).
  double rest = std::ldexp(value, -lowest_exponent);
  for (int k = limbs - 1; k >= 0; --k) {
    const double part = std::trunc(std::ldexp(rest, -limb_bits * k));
    limb[k] += static_cast<std::int64_t>(part);
    rest -= std::ldexp(part, limb_bits * k);
  }
}

std::vector<double> ExactSums::reduce(MPI_Comm comm) const {
  std::vector<std::int64_t> total(limbs_.size());
  check_mpi(MPI_Allreduce(limbs_.data(), total.data(), static_cast<int>(total.size()), MPI_INT64_T,
                          MPI_SUM, comm),
            "MPI_Allreduce(exact sums)");
  std::vector<double> sums(total.size() / (limbs + 1));
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

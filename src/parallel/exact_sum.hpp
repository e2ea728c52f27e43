#pragma once
// Order-independent sums across ranks in one MPI_Allreduce: every term is split exactly into
// five 30-bit integer limbs of a fixed-point number with resolution 2^-120 (terms must satisfy
// |x| < 2^30; the part below 2^-120 is dropped, an absolute error below 1e-36 per term), the
// limbs are added as 64-bit integers (exact for up to 2^33 terms) and converted back to double
// once. Integer addition is associative, so the result is bitwise the same on any rank count
// and in any order; parallel::ordered_sum gets the same property by all-gathering the values
// (O(N) memory per rank), this costs O(k) for k sums.
#include <mpi.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::parallel {

class ExactSums {
 public:
  explicit ExactSums(std::size_t count);
  // Adds `value` to sum `index`. A term that is NaN, infinite or |value| >= 2^30 makes that sum
  // NaN (a diverged run still gets its row).
  void add(std::size_t index, double value);
  // The k sums over every rank's terms, the same on every rank. Collective.
  std::vector<double> reduce(MPI_Comm comm) const;

 private:
  static constexpr int limbs = 5;
  // count x (limbs + 1): limb k weighs 2^(30 k - 120); the last entry counts invalid terms.
  std::vector<std::int64_t> limbs_;
};

}  // namespace attnflow::parallel

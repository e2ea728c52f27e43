#pragma once
// Order-independent sums across ranks in one MPI_Allreduce: every term is split exactly into
// five integer limbs of a fixed-point number with resolution 2^-120 (terms must satisfy
// |x| < 2^30; the term is rounded to the nearest multiple of 2^-120, an absolute error below
// 1e-36 per term), the limbs are added as integers (exact for up to 2^33 terms) and converted
// back to double once. Integer addition is associative, so the result is bitwise the same on
// any rank count and in any order; parallel::ordered_sum gets the same property by
// all-gathering the values (O(N) memory per rank), this costs O(k) for k sums.
#include <mpi.h>

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
  // Adds values[k] to sum first + k for every k (one term each): the same as add() in a loop,
  // in a loop the compiler can vectorise.
  void add(std::size_t first, std::span<const double> values);
  // The k sums over every rank's terms, the same on every rank. Collective.
  std::vector<double> reduce(MPI_Comm comm) const;

 private:
  static constexpr int limbs = 5;
  // Limb sums, limb-major (limb j of sum i at j * count + i): limb j weighs 2^(30 j - 120).
  // Each term's limb is an integer of magnitude <= 2^30, so `pending_` (doubles) holds exact
  // integers for 2^22 terms per sum; then it is moved into `settled_` (64-bit integers).
  void settle();
  std::size_t count_;
  std::vector<double> pending_;
  std::vector<std::int64_t> settled_;
  std::vector<std::int64_t> invalid_;  // terms that were NaN, infinite or too large
  std::int64_t pending_terms_ = 0;     // bounds the terms of any one sum in `pending_`
};

}  // namespace attnflow::parallel

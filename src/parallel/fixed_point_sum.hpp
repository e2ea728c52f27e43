#pragma once
// Sums of many doubles that are independent of the order of the terms and of the rank count,
// without gathering the terms: each term is rounded towards zero to a multiple of 2^-64 and added
// to a 128-bit integer; integer addition is exact and associative, so MPI_Allreduce (any tree)
// gives the same bits on any number of ranks. For the diagnostics' O(N) sums (means, moments,
// normalisers), whose terms are bounded by a few units.
// Accuracy: each term loses < 2^-64 = 5.4e-20 (absolute), the final conversion to double rounds
// to nearest (relative 2^-53): a sum of N terms is within N 5.4e-20 + 2^-53 |sum| of the exact
// one (a mean over N within 5.4e-20 + 2^-53 |mean|). Terms must satisfy |term| < 2^20 and the
// sums of at most 2^42 terms stay below 2^126 (no overflow); a larger or non-finite term makes
// its sum NaN.
#include <mpi.h>

#include <cstddef>
#include <span>
#include <vector>

namespace attnflow::parallel {

__extension__ typedef __int128 Int128;  // GCC and Clang: a 128-bit integer

class FixedPointSums {
 public:
  explicit FixedPointSums(std::size_t count) : sums_(count, 0), invalid_(count, 0) {}
  std::size_t size() const { return sums_.size(); }
  void add(std::size_t index, double term);
  // Adds terms[k] to sum k for every k < terms.size().
  void add(std::span<const double> terms);
  // The sums over every rank of comm, rounded to double (NaN where a term was invalid).
  // Collective; the same bits on every rank and for any rank count.
  std::vector<double> total(MPI_Comm comm) const;

 private:
  std::vector<Int128> sums_;
  std::vector<int> invalid_;
};

}  // namespace attnflow::parallel

#pragma once
// Direct sampling of the nearest keys of one query in increasing gap order (docs/mathematics.md
// section 11), so that a query against n = 1e12 keys costs O(M), not O(n):
//   finite n: the Renyi representation of the order statistics of n uniforms,
//     -ln(1 - V_(j)) = sum_{i<=j} E_i / (n - i + 1) with E_i iid exponential, s_(j) = F^{-1}(V_(j));
//   n = inf: the Poisson limit U_j = (Gamma_j / kappa)^{1/p}, Gamma_j = E_1 + ... + E_j,
// each key with an independent uniform tangential direction (the gap law is rotation invariant
// about q). Keys are drawn until the weight every remaining key can still carry is below the
// tolerance, separately for every beta.
#include <cstdint>

#include "longcontext/attention_sums.hpp"
#include "longcontext/key_law.hpp"

namespace attnflow::longcontext {

struct NearestKeySetup {
  KeyLaw law;                 // needs has_closed_form_gaps(law)
  std::int64_t keys = 0;      // n; 0 draws the Poisson limit (gaps in units of n^{-1/p})
  double tolerance = 1e-12;   // eps of the truncation criterion
  int minimum_keys = 0;       // draw at least this many (the top weights), when n allows
};

// Draws the nearest keys of query `query` into sums (betas increasing). Stops adding to beta once
//   finite n:  (n - M) e^{-beta (s_(M+1) - s_(1))} <= eps sum_{j<=M} w_j  and
//              (n - M) s_(M+1) e^{-beta (s_(M+1) - s_(1))} <= eps sum_{j<=M} w_j s_j, beta s_(M+1) >= 1,
// a bound on the total weight and on the weighted gaps of all n - M keys not drawn (each has a
// gap >= s_(M+1), and s e^{-beta s} decreases for s > 1/beta): the weights, their squares and
// the deficit are then exact to a relative eps, the tangential output to eps sqrt(2 deficit);
//   n = inf:  the same with the mean weight of the points beyond U_(M+1) (at most
//              e^{-c (a - U_1)} (1 + 2 kappa p a^{p-1} / c) for a = U_(M+1), c a >= 2p) in place
// of the bound. Returns the number of keys drawn. Throws std::runtime_error when it exceeds
// maximum_nearest_keys (a bug: validate() refuses runs whose expected M is above it).
std::int64_t attend_nearest(const NearestKeySetup& setup, std::uint64_t seed, std::int64_t query,
                            AttentionSums& sums);

// The expected M for the smallest beta, from the Poisson picture: kappa (ln(n / eps) / c_n)^p with
// c_n = beta n^{-1/p} (c for n = inf, with ln(1 / eps)), never above n.
double expected_nearest_keys(const NearestKeySetup& setup, double beta);
inline constexpr double maximum_nearest_keys = 2e7;

}  // namespace attnflow::longcontext

#pragma once
// The softmax sums of one query for many inverse temperatures at once, fed key by key as the gap
// s = 1 - <q, k> and the tangential part P_q k: shared by full sampling (keys in any order, spread
// over ranks) and by the nearest-key samplers (keys in increasing gap order, one rank).
#include <mpi.h>

#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::longcontext {

// What one query yields at one beta (weights a_j = e^{-beta s_j} / sum_l e^{-beta s_l}).
struct QueryOutcome {
  std::vector<double> top_weights;  // the largest weights, decreasing (0 where n is smaller)
  double squared_weights = 0;       // sum_j a_j^2
  double deficit = 0;               // 1 - <q, O> = sum_j a_j s_j for the output O = sum_j a_j k_j
  std::vector<double> tangent;      // P_q O in the coordinates e_2..e_d
  double used_keys = 0;             // keys that entered the sums (n, or M for a nearest sampler)
};

class AttentionSums {
 public:
  // betas in increasing order (so that the negligible terms of a key form a tail of them).
  AttentionSums(std::vector<double> betas, int tangent_dimension, int top_count);

  // Adds one key to the sums of the first `active` betas (default all). The common shift is the
  // smallest gap so far: a key with a smaller gap re-references every sum (the largest term is
  // then exactly 1), so nothing overflows for beta up to 1e16.
  void add(double gap, std::span<const double> tangential);
  void add(double gap, std::span<const double> tangential, std::size_t active);

  // The sums of every rank's keys (collective): MPI_Allreduce of the smallest gap, then of the
  // re-referenced sums; the top gaps are gathered exactly. Afterwards every rank holds the same.
  void combine(MPI_Comm comm);

  std::size_t beta_count() const { return betas_.size(); }
  double beta(std::size_t b) const { return betas_[b]; }
  double smallest_gap() const { return shift_; }
  std::int64_t keys_added(std::size_t b) const { return added_[b]; }
  // Sum of the shifted weights e^{-beta (s - smallest gap)} and of weight times gap, for the
  // truncation criteria of the nearest-key samplers.
  double weight_sum(std::size_t b) const { return values_[b * stride_]; }
  double weighted_gap_sum(std::size_t b) const { return values_[b * stride_ + 2]; }

  QueryOutcome outcome(std::size_t b) const;

 private:
  void rescale(double new_shift);  // multiply every sum by e^{-beta (shift_ - new_shift)}

  std::vector<double> betas_;
  int tangent_dimension_;
  int top_count_;
  int stride_;  // per beta: sum w, sum w^2, sum w s, sum w k_perp (tangent_dimension values)
  std::vector<double> values_;
  std::vector<std::int64_t> added_;
  std::vector<double> top_gaps_;  // the smallest gaps seen, increasing
  double shift_;
};

}  // namespace attnflow::longcontext

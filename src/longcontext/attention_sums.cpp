#include "longcontext/attention_sums.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel/partition.hpp"

namespace attnflow::longcontext {

namespace {

// exp(-x) is below the smallest subnormal double beyond this: the term contributes nothing.
constexpr double negligible_exponent = 746.0;

}  // namespace

AttentionSums::AttentionSums(std::vector<double> betas, int tangent_dimension, int top_count)
    : betas_(std::move(betas)),
      tangent_dimension_(tangent_dimension),
      top_count_(top_count),
      stride_(tangent_dimension + 3),
      values_(betas_.size() * (tangent_dimension + 3), 0.0),
      added_(betas_.size(), 0),
      shift_(std::numeric_limits<double>::infinity()) {
  top_gaps_.reserve(top_count_ + 1);
}

void AttentionSums::rescale(double new_shift) {
  if (std::isinf(shift_)) return;  // nothing added yet
  for (std::size_t b = 0; b < betas_.size(); ++b) {
    const double factor = std::exp(-betas_[b] * (shift_ - new_shift));
    double* s = values_.data() + b * stride_;
    s[0] *= factor;
    s[1] *= factor * factor;
    for (int i = 2; i < stride_; ++i) s[i] *= factor;
  }
}

void AttentionSums::add(double gap, std::span<const double> tangential) {
  add(gap, tangential, betas_.size());
}

void AttentionSums::add(double gap, std::span<const double> tangential, std::size_t active) {
  if (gap < shift_) {
    rescale(gap);
    shift_ = gap;
  }
  if (top_count_ > 0 &&
      (static_cast<int>(top_gaps_.size()) < top_count_ || gap < top_gaps_.back())) {
    top_gaps_.insert(std::upper_bound(top_gaps_.begin(), top_gaps_.end(), gap), gap);
    if (static_cast<int>(top_gaps_.size()) > top_count_) top_gaps_.pop_back();
  }
  const double excess = gap - shift_;
  for (std::size_t b = 0; b < active; ++b) {
    ++added_[b];
    const double exponent = betas_[b] * excess;
    if (exponent > negligible_exponent) {
      for (std::size_t rest = b + 1; rest < active; ++rest) ++added_[rest];
      break;  // larger betas: smaller still
    }
    const double w = std::exp(-exponent);
    double* s = values_.data() + b * stride_;
    s[0] += w;
    s[1] += w * w;
    s[2] += w * gap;
    for (int i = 0; i < tangent_dimension_; ++i) s[3 + i] += w * tangential[i];
  }
}

void AttentionSums::combine(MPI_Comm comm) {
  double global_shift = shift_;
  parallel::check_mpi(MPI_Allreduce(&shift_, &global_shift, 1, MPI_DOUBLE, MPI_MIN, comm),
                      "MPI_Allreduce");
  if (global_shift < shift_) rescale(global_shift);
  shift_ = global_shift;
  parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, values_.data(), static_cast<int>(values_.size()),
                                    MPI_DOUBLE, MPI_SUM, comm),
                      "MPI_Allreduce");
  parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, added_.data(), static_cast<int>(added_.size()),
                                    MPI_INT64_T, MPI_SUM, comm),
                      "MPI_Allreduce");
  if (top_count_ == 0) return;
  // Each rank's smallest gaps, padded with +inf; the global smallest are among them.
  std::vector<double> local(top_count_, std::numeric_limits<double>::infinity());
  std::copy(top_gaps_.begin(), top_gaps_.end(), local.begin());
  std::vector<double> all(static_cast<std::size_t>(top_count_) * parallel::size_of(comm));
  parallel::check_mpi(MPI_Allgather(local.data(), top_count_, MPI_DOUBLE, all.data(), top_count_,
                                    MPI_DOUBLE, comm),
                      "MPI_Allgather");
  std::sort(all.begin(), all.end());
  top_gaps_.clear();
  for (int i = 0; i < top_count_ && std::isfinite(all[i]); ++i) top_gaps_.push_back(all[i]);
}

QueryOutcome AttentionSums::outcome(std::size_t b) const {
  const double* s = values_.data() + b * stride_;
  QueryOutcome result;
  result.used_keys = static_cast<double>(added_[b]);
  // The nearest key's term is exactly e^0 = 1: s[0] >= 1 whenever a key was added.
  const double total = s[0];
  result.top_weights.assign(top_count_, 0.0);
  for (std::size_t i = 0; i < top_gaps_.size(); ++i)
    result.top_weights[i] = std::exp(-betas_[b] * (top_gaps_[i] - shift_)) / total;
  result.squared_weights = s[1] / (total * total);
  result.deficit = s[2] / total;
  result.tangent.resize(tangent_dimension_);
  for (int i = 0; i < tangent_dimension_; ++i) result.tangent[i] = s[3 + i] / total;
  return result;
}

}  // namespace attnflow::longcontext

#pragma once
// The long-context study's results per (n, beta): means and standard errors over the queries of
// every observable, raw and rescaled (docs/mathematics.md section 11), the regime read off
// c_n = beta n^{-1/p}, the limit references to compare with, and the empirical distributions of
// the rescaled observables.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "longcontext/attention_study.hpp"

namespace attnflow::longcontext {

struct MeanEstimate {
  double mean = 0;
  double standard_error = 0;  // sample standard deviation / sqrt(queries)
};
MeanEstimate mean_estimate(const std::vector<double>& values);

// Observables of one query, in this order (K = top_count, tangent components 2..d):
//   weight_1..weight_K, squared_weights, effective_keys (1 / sum a^2), deficit (1 - <q,O>),
//   tangential (|P_q O|), tangent_1..tangent_{d-1}, used_keys;
//   critical scaling (L = n^{1/p}; 1 for the poisson sampler, whose gaps are already scaled):
//   critical_deficit (L (1 - <q,O>) -> R = sum W_j U_j), critical_tangential (sqrt(L) |P_q O|);
//   subcritical scaling against the n = inf output O_inf(beta) (NaN for the poisson sampler; the
//   variances are known for the uniform and sub-sphere laws only):
//   deficit_ratio ((1 - <q,O>) / (1 - <q,O_inf>) -> 1), radial_fluctuation
//   (sqrt(n / v_rad) (<q,O> - <q,O_inf>) -> N(0, 1)), tangential_fluctuation
//   (sqrt(n / v_tan) (O - O_inf)_2 -> N(0, 1)), radial_square and tangential_square (the squares,
//   per direction, with mean -> 1). Computed for beta <= 1e4 (NaN above: see study_summary.cpp).
std::vector<std::string> observable_names(int top_count, int dimension);
// columns[i][query]: observable i (observable_names order) of every query at beta number b.
std::vector<std::vector<double>> observable_columns(const StudySetup& setup, std::size_t b,
                                                    const std::vector<QueryOutcome>& outcomes);
// The rescaled observables whose distributions are written.
std::vector<std::string> distribution_names();

// References, in this order (NaN where they do not apply):
//   poisson_largest_weight, poisson_squared_weights (E W_max, E sum W^2 of the Poisson limit
//   at lambda_n), poisson_critical_deficit (E R = E sum W V / c_n); limit_deficit
//   (1 - <q, O_inf(beta)>), alignment_bias (b of <q,O> ~ A + b / n), tangential_variance,
//   radial_variance, limit_tangent_1..limit_tangent_{d-1} ((P_q O_inf)), gradient_1..
//   gradient_{d-1} (grad log p(q), the backward-heat limit of beta P_q O).
std::vector<std::string> reference_names(int dimension);

// The Poisson-limit references by quadrature (about a second each), cached by (p, lambda):
// the critical rows of a sweep over n share their lambda.
class PoissonReferences {
 public:
  // enabled = false: every value is NaN (nothing is integrated).
  explicit PoissonReferences(bool enabled = true) : enabled_(enabled) {}
  struct Values {
    double largest_weight, squared_weights, scaled_deficit;
  };
  // NaN outside 1e-4 <= lambda <= 1e4, where the limit is one key or mean field.
  Values at(double p, double lambda);

 private:
  bool enabled_;
  std::map<std::pair<double, double>, Values> cache_;
};

// Read off lambda_n = kappa c_n^{-p}, the mean number of keys within 1/beta of the nearest:
// "subcritical" above 100 (the mass is spread), "supercritical" below 0.01 (one key carries it),
// "critical" between.
std::string regime_of(double lambda);

struct SummaryRow {
  int dimension = 0;
  std::string key_law, sampler;
  int support_dimension = 0;
  std::int64_t keys = 0;  // 0 for the poisson sampler (n = inf)
  double exponent = 0, scale = 0, beta = 0;
  double scaled_beta = 0;  // c_n = beta n^{-1/p} (poisson: c)
  double lambda = 0;       // kappa c_n^{-p}
  std::string regime;
  std::int64_t queries = 0;
  double seconds_per_query = 0;  // wall time of the run over its queries (all betas)
  std::vector<MeanEstimate> estimates;  // observable_names order
  std::vector<double> references;       // reference_names order
};

// One row from the outcomes of beta number b of a run (beta = scale n^exponent).
SummaryRow summarise(const StudySetup& setup, std::size_t b, double exponent, double scale,
                     const std::vector<QueryOutcome>& outcomes, double seconds_per_query,
                     PoissonReferences& poisson);

struct Distribution {
  std::string quantity;
  std::vector<double> edges;      // histogram bin edges (bins + 1), from the sample's min to max
  std::vector<double> densities;  // count / (queries * width) per bin
  std::vector<double> quantiles;  // at probabilities 0, 0.01, ..., 1 (linear interpolation)
};
// The distributions of distribution_names() for beta number b (those that are finite).
std::vector<Distribution> distributions(const StudySetup& setup, std::size_t b,
                                        const std::vector<QueryOutcome>& outcomes, int bins);

}  // namespace attnflow::longcontext

#include "longcontext/study_summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "longcontext/limit_laws.hpp"

namespace attnflow::longcontext {

namespace {

constexpr double not_available = NAN;

// The subcritical references come from ratios of Bessel functions: 1 - A_k(beta) loses about
// beta^2 ulps (1e-8 relative at beta = 1e4), and a subcritical run (c_n << 1 with n <= 1e9)
// never gets near. Beyond this beta they are not computed.
constexpr double largest_subcritical_beta = 1e4;

// What the rescalings of one row need: the n = inf output and the fluctuation variances.
struct Scaling {
  double keys = 0;             // n (0: poisson limit)
  double critical_length = 1;  // n^{1/p}
  std::vector<double> limit;   // O_inf(beta), d values (NaN for the poisson sampler)
  double tangential_variance = not_available, radial_variance = not_available;
  int support = 0;
};

Scaling scaling_of(const StudySetup& setup, double beta) {
  const int d = setup.law.dimension;
  Scaling scaling;
  scaling.support = support_dimension(setup.law);
  if (setup.sampler == Sampler::poisson) {
    scaling.limit.assign(d, not_available);
    return scaling;
  }
  scaling.keys = static_cast<double>(setup.keys);
  scaling.critical_length = std::pow(scaling.keys, 1.0 / gap_power(setup.law));
  if (beta > largest_subcritical_beta) {
    scaling.limit.assign(d, not_available);
    return scaling;
  }
  scaling.limit = limit_output(setup.law, beta);
  if (has_closed_form_gaps(setup.law)) {
    scaling.tangential_variance = tangential_variance(scaling.support, beta);
    scaling.radial_variance = radial_variance(scaling.support, beta);
  }
  return scaling;
}

std::vector<double> observables(const QueryOutcome& outcome, const Scaling& scaling) {
  std::vector<double> values(outcome.top_weights.begin(), outcome.top_weights.end());
  const double tangential_square = std::inner_product(
      outcome.tangent.begin(), outcome.tangent.end(), outcome.tangent.begin(), 0.0);
  const double tangential = std::sqrt(tangential_square);
  values.push_back(outcome.squared_weights);
  values.push_back(1.0 / outcome.squared_weights);
  values.push_back(outcome.deficit);
  values.push_back(tangential);
  values.insert(values.end(), outcome.tangent.begin(), outcome.tangent.end());
  values.push_back(outcome.used_keys);
  values.push_back(scaling.critical_length * outcome.deficit);
  values.push_back(std::sqrt(scaling.critical_length) * tangential);
  // Subcritical: deviations from the n = inf output, with the radial part from the deficit so
  // that 1 - <q,O> keeps its digits.
  const double n = scaling.keys > 0 ? scaling.keys : not_available;
  const double radial_deviation = (1.0 - scaling.limit[0]) - outcome.deficit;
  double tangent_deviation_square = 0;
  for (std::size_t i = 0; i < outcome.tangent.size(); ++i)
    tangent_deviation_square += std::pow(outcome.tangent[i] - scaling.limit[i + 1], 2);
  values.push_back(outcome.deficit / (1.0 - scaling.limit[0]));
  values.push_back(std::sqrt(n / scaling.radial_variance) * radial_deviation);
  values.push_back(std::sqrt(n / scaling.tangential_variance) *
                   (outcome.tangent[0] - scaling.limit[1]));
  values.push_back(n * radial_deviation * radial_deviation / scaling.radial_variance);
  values.push_back(n * tangent_deviation_square /
                   ((scaling.support - 1) * scaling.tangential_variance));
  return values;
}

// Linear interpolation between order statistics (R's type 7).
double quantile_of_sorted(const std::vector<double>& sorted, double probability) {
  const double position = probability * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

}  // namespace

std::vector<std::vector<double>> observable_columns(const StudySetup& setup, std::size_t b,
                                                    const std::vector<QueryOutcome>& outcomes) {
  const Scaling scaling = scaling_of(setup, setup.betas[b]);
  std::vector<std::vector<double>> columns(
      observable_names(setup.top_count, setup.law.dimension).size(),
      std::vector<double>(outcomes.size()));
  for (std::size_t query = 0; query < outcomes.size(); ++query) {
    const auto values = observables(outcomes[query], scaling);
    for (std::size_t i = 0; i < values.size(); ++i) columns[i][query] = values[i];
  }
  return columns;
}

MeanEstimate mean_estimate(const std::vector<double>& values) {
  // Welford's running mean and squared deviations, in the order given (query order).
  double mean = 0, squares = 0, count = 0;
  for (double value : values) {
    count += 1;
    const double delta = value - mean;
    mean += delta / count;
    squares += delta * (value - mean);
  }
  if (count < 2) return {mean, not_available};
  return {mean, std::sqrt(squares / (count - 1) / count)};
}

std::vector<std::string> observable_names(int top_count, int dimension) {
  std::vector<std::string> names;
  for (int i = 1; i <= top_count; ++i) names.push_back("weight_" + std::to_string(i));
  for (const char* name : {"squared_weights", "effective_keys", "deficit", "tangential"})
    names.emplace_back(name);
  for (int i = 1; i < dimension; ++i) names.push_back("tangent_" + std::to_string(i));
  for (const char* name : {"used_keys", "critical_deficit", "critical_tangential", "deficit_ratio",
                           "radial_fluctuation", "tangential_fluctuation", "radial_square",
                           "tangential_square"})
    names.emplace_back(name);
  return names;
}

std::vector<std::string> distribution_names() {
  return {"weight_1", "critical_deficit", "critical_tangential", "radial_fluctuation",
          "tangential_fluctuation"};
}

std::vector<std::string> reference_names(int dimension) {
  std::vector<std::string> names = {"poisson_largest_weight", "poisson_squared_weights",
                                    "poisson_critical_deficit", "limit_deficit", "alignment_bias",
                                    "tangential_variance", "radial_variance"};
  for (int i = 1; i < dimension; ++i) names.push_back("limit_tangent_" + std::to_string(i));
  for (int i = 1; i < dimension; ++i) names.push_back("gradient_" + std::to_string(i));
  return names;
}

PoissonReferences::Values PoissonReferences::at(double p, double lambda) {
  if (!enabled_ || !(lambda >= 1e-4 && lambda <= 1e4)) return {not_available, not_available, not_available};
  const auto key = std::make_pair(p, lambda);
  auto found = cache_.find(key);
  if (found != cache_.end()) return found->second;
  // p = 1 has the one-dimensional formula of docs/mathematics.md section 11.
  const Values values{p == 1.0 ? poisson_largest_weight_p1(lambda) : poisson_largest_weight(p, lambda),
                      poisson_squared_weights(p, lambda), poisson_scaled_deficit(p, lambda)};
  cache_.emplace(key, values);
  return values;
}

std::string regime_of(double lambda) {
  if (lambda > 100) return "subcritical";
  if (lambda < 0.01) return "supercritical";
  return "critical";
}

SummaryRow summarise(const StudySetup& setup, std::size_t b, double exponent, double scale,
                     const std::vector<QueryOutcome>& outcomes, double seconds_per_query,
                     PoissonReferences& poisson) {
  const int d = setup.law.dimension;
  const double beta = setup.betas[b];
  const double p = gap_power(setup.law);
  SummaryRow row;
  row.dimension = d;
  row.key_law = name_of(setup.law.kind);
  row.sampler = name_of(setup.sampler);
  row.support_dimension = support_dimension(setup.law);
  const bool limit = setup.sampler == Sampler::poisson;
  row.keys = limit ? 0 : setup.keys;
  row.exponent = exponent;
  row.scale = scale;
  row.beta = beta;
  row.scaled_beta = limit ? beta : beta * std::pow(static_cast<double>(setup.keys), -1.0 / p);
  row.lambda = gap_intensity(setup.law) * std::pow(row.scaled_beta, -p);
  row.regime = regime_of(row.lambda);
  row.queries = setup.queries;
  row.seconds_per_query = seconds_per_query;

  for (const auto& column : observable_columns(setup, b, outcomes))
    row.estimates.push_back(mean_estimate(column));

  const auto critical = poisson.at(p, row.lambda);
  row.references = {critical.largest_weight, critical.squared_weights,
                    critical.scaled_deficit / row.scaled_beta};
  if (limit) {
    row.references.resize(reference_names(d).size(), not_available);
    return row;
  }
  const Scaling scaling = scaling_of(setup, beta);
  const int k = row.support_dimension;
  const bool closed_form = has_closed_form_gaps(setup.law);
  row.references.push_back(1.0 - scaling.limit[0]);
  const bool subcritical_references = closed_form && beta <= largest_subcritical_beta;
  row.references.push_back(subcritical_references ? alignment_bias(k, beta) : not_available);
  row.references.push_back(scaling.tangential_variance);
  row.references.push_back(scaling.radial_variance);
  row.references.insert(row.references.end(), scaling.limit.begin() + 1, scaling.limit.end());
  const auto gradient = log_density_gradient(setup.law);
  row.references.insert(row.references.end(), gradient.begin() + 1, gradient.end());
  return row;
}

std::vector<Distribution> distributions(const StudySetup& setup, std::size_t b,
                                        const std::vector<QueryOutcome>& outcomes, int bins) {
  const auto names = observable_names(setup.top_count, setup.law.dimension);
  const auto columns = observable_columns(setup, b, outcomes);
  std::vector<Distribution> result;
  for (const auto& quantity : distribution_names()) {
    const auto index = std::find(names.begin(), names.end(), quantity) - names.begin();
    auto sample = columns[index];
    if (sample.empty() || !std::all_of(sample.begin(), sample.end(),
                                       [](double v) { return std::isfinite(v); }))
      continue;
    std::sort(sample.begin(), sample.end());
    Distribution distribution;
    distribution.quantity = quantity;
    const double low = sample.front(), high = sample.back();
    const double width = high > low ? (high - low) / bins : 1.0;
    for (int i = 0; i <= bins; ++i) distribution.edges.push_back(low + i * width);
    std::vector<double> counts(bins, 0.0);
    for (double v : sample)
      counts[std::min<std::size_t>(bins - 1, static_cast<std::size_t>((v - low) / width))] += 1;
    for (double count : counts)
      distribution.densities.push_back(count / (static_cast<double>(sample.size()) * width));
    for (int i = 0; i <= 100; ++i)
      distribution.quantiles.push_back(quantile_of_sorted(sample, i / 100.0));
    result.push_back(std::move(distribution));
  }
  return result;
}

}  // namespace attnflow::longcontext

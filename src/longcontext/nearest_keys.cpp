#include "longcontext/nearest_keys.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "longcontext/limit_laws.hpp"
#include "random/counter_random.hpp"

namespace attnflow::longcontext {

double expected_nearest_keys(const NearestKeySetup& setup, double beta) {
  const double p = gap_power(setup.law), kappa = gap_intensity(setup.law);
  if (setup.keys == 0) {
    if (beta <= 0) return INFINITY;
    return std::max<double>(setup.minimum_keys,
                            kappa * std::pow(std::log(1.0 / setup.tolerance) / beta, p));
  }
  const double n = static_cast<double>(setup.keys);
  if (beta <= 0) return n;
  const double scaled_beta = beta * std::pow(n, -1.0 / p);
  const double estimate = kappa * std::pow(std::log(n / setup.tolerance) / scaled_beta, p);
  return std::min(n, std::max<double>(setup.minimum_keys, estimate));
}

std::int64_t attend_nearest(const NearestKeySetup& setup, std::uint64_t seed, std::int64_t query,
                            AttentionSums& sums) {
  const KeyLaw& law = setup.law;
  const int k = support_dimension(law);
  const double p = gap_power(law), kappa = gap_intensity(law);
  const bool limit = setup.keys == 0;
  const double n = static_cast<double>(setup.keys);
  const double eps = setup.tolerance;
  const random::CounterRandom spacings(seed, random::Stream::long_context_gaps);
  const random::CounterRandom directions(seed, random::Stream::long_context_directions);
  std::vector<double> direction(k - 1), tangential(law.dimension - 1, 0.0);
  const auto step = static_cast<std::uint64_t>(query);

  double order_statistic = 0;  // -ln(1 - V_(j)) for finite n, Gamma_j in the limit
  double first_gap = 0;
  // True when beta number b may stop: the keys not drawn yet, the next of which has gap `gap`
  // (j drawn so far), cannot change its sums by more than eps relative.
  auto converged = [&](std::size_t b, double gap, std::int64_t j) {
    const double beta = sums.beta(b);
    double tail = 0;
    if (limit) {
      if (beta * gap < 2 * p) return false;
      tail = std::exp(-beta * (gap - first_gap)) * (1 + 2 * kappa * p * std::pow(gap, p - 1) / beta);
    } else {
      if (beta * gap < 1) return false;
      tail = (n - static_cast<double>(j)) * std::exp(-beta * (gap - first_gap));
    }
    return tail <= eps * sums.weight_sum(b) && tail * gap <= eps * sums.weighted_gap_sum(b);
  };

  std::size_t active = sums.beta_count();
  const std::int64_t first_check = std::max(1, setup.minimum_keys);
  for (std::int64_t j = 0; limit || j < setup.keys; ++j) {
    const auto index = static_cast<std::uint64_t>(j);
    const double exponential = -std::log(spacings.uniforms(index, step)[0]);
    double gap = 0;
    if (limit) {
      order_statistic += exponential;
      gap = std::pow(order_statistic / kappa, 1.0 / p);
    } else {
      // E_j / (n - j): the spacing of the exponential order statistics (j counts from 0); the
      // uniform's order statistic 1 - e^{-x} = -expm1(-x) keeps its digits for tiny x.
      order_statistic += exponential / (n - static_cast<double>(j));
      gap = gap_quantile(k, -std::expm1(-order_statistic));
    }
    if (j == 0) first_gap = gap;
    if (j >= first_check) {
      while (active > 0 && converged(active - 1, gap, j)) --active;
      if (active == 0) return j;
    }
    if (static_cast<double>(j) >= maximum_nearest_keys)
      throw std::runtime_error("nearest-key sampler: more than " +
                               std::to_string(maximum_nearest_keys) +
                               " keys for one query (validate() should have refused this run)");
    directions.normals(index, step, direction);
    double square = 0;
    for (double v : direction) square += v * v;
    // |P_q k| = sqrt(s (2 - s)) for a unit key; in the limit n^{1/(2p)} |P_q k| -> sqrt(2 U).
    const double length = std::sqrt((limit ? 2.0 : 2.0 - gap) * gap / square);
    for (int i = 0; i < k - 1; ++i) tangential[i] = length * direction[i];
    sums.add(gap, tangential, active);
  }
  return setup.keys;
}

}  // namespace attnflow::longcontext

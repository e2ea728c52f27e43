#include "theory/stability.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "errors/errors.hpp"
#include "theory/bessel.hpp"

namespace attnflow::theory {

namespace {

constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

void check_arguments(int dimension, int degree, double beta) {
  errors::require(dimension >= 2, "--dimension: must be an integer >= 2 (got " +
                                      std::to_string(dimension) + ")");
  errors::require(degree >= 0, "--degree: spherical-harmonic degree must be >= 0 (got " +
                                   std::to_string(degree) + ")");
  errors::require(std::isfinite(beta) && beta >= 0,
                  "--beta: must be finite and >= 0 (got " + std::to_string(beta) + ")");
}

// ln [ l(l+d-2) I_{l+d/2-1}(beta) ]: the l-dependent part shared by SA and USA.
double log_degree_factor(int dimension, int degree, double beta) {
  const double eigenvalue = static_cast<double>(degree) * (degree + dimension - 2);
  return std::log(eigenvalue) + log_bessel_i(degree + 0.5 * dimension - 1.0, beta);
}

}  // namespace

double log_growth_rate(model::Attention attention, int dimension, int degree, double beta) {
  check_arguments(dimension, degree, beta);
  if (degree == 0) return minus_infinity;  // mass is conserved
  const double half_d = 0.5 * dimension;
  if (beta == 0) {
    // Both models tend to (d-1)/d for l = 1; every l >= 2 rate vanishes like beta^{l-1}.
    return degree == 1 ? std::log((dimension - 1.0) / dimension) : minus_infinity;
  }
  const double shared = log_degree_factor(dimension, degree, beta);
  if (attention == model::Attention::unnormalised)
    return shared + (half_d - 1.0) * std::numbers::ln2 + std::lgamma(half_d) -
           half_d * std::log(beta);
  return shared - std::log(beta) - log_bessel_i(half_d - 1.0, beta);
}

double growth_rate(model::Attention attention, int dimension, int degree, double beta) {
  return std::exp(log_growth_rate(attention, dimension, degree, beta));
}

double log_time_scale(model::Attention attention, double beta) {
  return attention == model::Attention::unnormalised ? beta : 0.0;
}

double growth_rate_rescaled(model::Attention attention, int dimension, int degree, double beta) {
  return std::exp(log_growth_rate(attention, dimension, degree, beta) -
                  log_time_scale(attention, beta));
}

int winning_degree(model::Attention /*the argmax is model-independent*/, int dimension,
                   double beta) {
  check_arguments(dimension, 1, beta);
  if (beta == 0) return 1;
  // l(l+d-2) I_{l+d/2-1}(beta) rises then falls (its peak is near sqrt(2 beta)); scan well past
  // the best degree so far so that a flat top cannot stop the search early.
  int best = 1;
  double best_value = log_degree_factor(dimension, 1, beta);
  for (int degree = 2;; ++degree) {
    const double value = log_degree_factor(dimension, degree, beta);
    if (value > best_value) {
      best = degree;
      best_value = value;
    } else if (degree > 2 * best + 20 && value < best_value - 10.0) {
      break;
    }
  }
  return best;
}

namespace {
double log_clustering_time(model::Attention attention, int dimension, double beta,
                           long long tokens) {
  errors::require(tokens >= 1,
                  "--tokens: must be >= 1 (got " + std::to_string(tokens) + ")");
  const int degree = winning_degree(attention, dimension, beta);
  return std::log(std::log(static_cast<double>(tokens)) / 2.0) -
         log_growth_rate(attention, dimension, degree, beta);
}
}  // namespace

double clustering_time(model::Attention attention, int dimension, double beta, long long tokens) {
  return std::exp(log_clustering_time(attention, dimension, beta, tokens));
}

double clustering_time_rescaled(model::Attention attention, int dimension, double beta,
                                long long tokens) {
  return std::exp(log_clustering_time(attention, dimension, beta, tokens) +
                  log_time_scale(attention, beta));
}

}  // namespace attnflow::theory

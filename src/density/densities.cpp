#include "density/densities.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "errors/errors.hpp"
#include "config/number_list.hpp"
#include "config/options.hpp"
#include "geometry/sphere.hpp"
#include "theory/bessel.hpp"

namespace attnflow::density {

using errors::require;

void add_mixture_options(config::OptionSet& options) {
  options.add<std::string>("vmf-means", "0 0 1", "unit vectors",
                           "vmf: von Mises-Fisher mean directions, d numbers per component");
  options.add<std::string>("vmf-concentrations", "10", "",
                           "vmf: kappa per component (one value applies to all)");
  options.add_optional("vmf-weights", "", "vmf: mixture weights per component (default equal)");
}

void add_circle_density_options(config::OptionSet& options) {
  options.add<double>("density-amplitude", 0.5, "",
                      "circle-density (1 + eps cos(k t + phase)) / (2 pi): eps");
  options.add<int>("density-mode", 3, "", "circle-density: mode k");
  options.add<double>("density-phase", 0.0, "rad", "circle-density: phase");
}

VonMisesFisherMixture mixture_from_options(const config::OptionSet& options, int dimension) {
  VonMisesFisherMixture m;
  const auto means = config::parse_numbers(options.get<std::string>("vmf-means"), "vmf-means");
  require(!means.empty() && means.size() % dimension == 0,
          "--vmf-means: expected a multiple of d = " + std::to_string(dimension) +
              " numbers (one mean direction per component), got " + std::to_string(means.size()));
  const std::size_t components = means.size() / dimension;
  for (std::size_t c = 0; c < components; ++c) {
    std::vector<double> mean(means.begin() + c * dimension, means.begin() + (c + 1) * dimension);
    require(geometry::norm(mean) > 0, "--vmf-means: mean direction " + std::to_string(c + 1) +
                                          " is the zero vector");
    geometry::normalise(mean);
    m.means.push_back(mean);
  }
  m.concentrations =
      config::parse_numbers(options.get<std::string>("vmf-concentrations"), "vmf-concentrations");
  if (m.concentrations.size() == 1) m.concentrations.assign(components, m.concentrations[0]);
  require(m.concentrations.size() == components,
          "--vmf-concentrations: expected 1 or " + std::to_string(components) + " values");
  for (double k : m.concentrations)
    require(k >= 0 && k <= 1e8, "--vmf-concentrations: each kappa must be in [0, 1e8]");
  m.weights = config::parse_numbers(options.get<std::string>("vmf-weights"), "vmf-weights");
  if (m.weights.empty()) m.weights.assign(components, 1.0);
  require(m.weights.size() == components,
          "--vmf-weights: expected " + std::to_string(components) + " values (or none)");
  double total = 0;
  for (double w : m.weights) {
    require(w >= 0, "--vmf-weights: weights must be >= 0");
    total += w;
  }
  require(total > 0, "--vmf-weights: weights must not all be zero");
  for (double& w : m.weights) w /= total;
  return m;
}

CircleDensity circle_density_from_options(const config::OptionSet& options) {
  CircleDensity c;
  c.amplitude = options.get<double>("density-amplitude");
  c.mode = options.get<int>("density-mode");
  c.phase = options.get<double>("density-phase");
  require(std::isfinite(c.amplitude) && std::abs(c.amplitude) < 1,
          "--density-amplitude: must satisfy |eps| < 1 so that the density stays positive");
  require(c.mode >= 1, "--density-mode: must be an integer >= 1");
  require(std::isfinite(c.phase), "--density-phase: must be finite");
  return c;
}

namespace {

// ln of the vMF normaliser times e^{kappa}: C_d(kappa) e^{kappa} with
// C_d(kappa) = kappa^{d/2-1} / ((2 pi)^{d/2} I_{d/2-1}(kappa)), so that the density is
// e^{ln C + kappa} e^{kappa (<mu, x> - 1)} without overflow. kappa = 0: 1 / |S^{d-1}|.
double log_scaled_normaliser(int dimension, double kappa) {
  const double nu = 0.5 * dimension - 1;
  if (kappa == 0)  // |S^{d-1}| = 2 pi^{d/2} / Gamma(d/2)
    return std::lgamma(0.5 * dimension) - std::log(2.0) - 0.5 * dimension * std::log(std::numbers::pi);
  return nu * std::log(kappa) - 0.5 * dimension * std::log(2 * std::numbers::pi) -
         theory::log_bessel_i(nu, kappa) + kappa;
}

}  // namespace

double mixture_density(const VonMisesFisherMixture& mixture, std::span<const double> x) {
  const int d = static_cast<int>(x.size());
  double sum = 0;
  for (std::size_t c = 0; c < mixture.means.size(); ++c) {
    const double kappa = mixture.concentrations[c];
    double dot = 0;
    for (int r = 0; r < d; ++r) dot += x[r] * mixture.means[c][r];
    sum += mixture.weights[c] * std::exp(log_scaled_normaliser(d, kappa) + kappa * (dot - 1));
  }
  return sum;
}

double circle_density(const CircleDensity& c, double theta) {
  return (1 + c.amplitude * std::cos(c.mode * theta + c.phase)) / (2 * std::numbers::pi);
}

double circle_density_quantile(const CircleDensity& c, double u) {
  // F(t) = (t + (eps/k)(sin(k t + phase) - sin(phase))) / (2 pi) is increasing for |eps| < 1;
  // Newton from the uniform guess, safeguarded by bisection.
  const double two_pi = 2 * std::numbers::pi;
  auto cdf = [&](double t) {
    return (t + c.amplitude / c.mode * (std::sin(c.mode * t + c.phase) - std::sin(c.phase))) /
           two_pi;
  };
  double low = 0, high = two_pi, t = two_pi * u;
  for (int iteration = 0; iteration < 100; ++iteration) {
    const double f = cdf(t) - u;
    if (f > 0) high = t; else low = t;
    double next = t - f / circle_density(c, t);
    if (!(next > low && next < high)) next = 0.5 * (low + high);
    if (std::abs(next - t) < 1e-15 * two_pi) return next;
    t = next;
  }
  return t;
}

}  // namespace attnflow::density

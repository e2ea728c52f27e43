#include "particles/phase_samplers.hpp"

#include <cmath>
#include <numbers>

#include "config/number_list.hpp"
#include "config/options.hpp"
#include "errors/errors.hpp"
#include "particles/initial_state.hpp"
#include "random/counter_random.hpp"

namespace attnflow::particles {

using errors::require;
using random::CounterRandom;
using random::Stream;

void add_wrapped_normal_options(config::OptionSet& options) {
  options.add<std::string>("wrapped-means", "0", "radians",
                           "--initial wrapped-normal / uniform-elevation: component means "
                           "(angles, or azimuths on S^2)");
  options.add<std::string>("wrapped-deviations", "0.5", "radians",
                           "standard deviations of the wrapped normals (one per mean)");
  options.add_optional("wrapped-weights", "numbers", "component weights (default: equal)");
}

WrappedNormalMixture wrapped_normal_from_options(const config::OptionSet& options) {
  WrappedNormalMixture m;
  m.means = config::parse_numbers(options.get<std::string>("wrapped-means"), "wrapped-means");
  m.deviations =
      config::parse_numbers(options.get<std::string>("wrapped-deviations"), "wrapped-deviations");
  const auto weights_text = options.get<std::string>("wrapped-weights");
  const std::size_t k = m.means.size();
  require(k >= 1, "--wrapped-means: needs at least one angle");
  for (double mu : m.means) require(std::isfinite(mu), "--wrapped-means: angles must be finite");
  require(m.deviations.size() == k,
          "--wrapped-deviations: got " + std::to_string(m.deviations.size()) +
              " numbers; accepted: one deviation >= 0 per mean (" + std::to_string(k) + ")");
  for (double s : m.deviations)
    require(std::isfinite(s) && s >= 0, "--wrapped-deviations: must be finite and >= 0");
  m.weights = weights_text.empty() ? std::vector<double>(k, 1.0)
                                   : config::parse_numbers(weights_text, "wrapped-weights");
  require(m.weights.size() == k, "--wrapped-weights: got " + std::to_string(m.weights.size()) +
                                     " numbers; accepted: one weight >= 0 per mean (" +
                                     std::to_string(k) + ")");
  double total = 0;
  for (double w : m.weights) {
    require(std::isfinite(w) && w >= 0, "--wrapped-weights: must be finite and >= 0");
    total += w;
  }
  require(total > 0, "--wrapped-weights: at least one weight must be > 0");
  for (double& w : m.weights) w /= total;
  return m;
}

namespace {

// Token `index`'s angle from the mixture: a component by the mixture-choice stream, then
// mu + sigma Z (wrapping is implicit in cos and sin).
double mixture_angle(const WrappedNormalMixture& m, const CounterRandom& rng,
                     const CounterRandom& choice, std::uint64_t index) {
  const double u = choice.uniforms(index, 0)[0];
  std::size_t component = 0;
  double cumulative = m.weights[0];
  while (u > cumulative && component + 1 < m.weights.size()) cumulative += m.weights[++component];
  double z[2];
  rng.normals(index, 0, z);
  return m.means[component] + m.deviations[component] * z[0];
}

}  // namespace

State wrapped_normal_state(std::int64_t tokens, const WrappedNormalMixture& mixture,
                           std::uint64_t seed, MPI_Comm comm) {
  State s = empty_state(tokens, 2, comm);
  const CounterRandom rng(seed, Stream::initial_state), choice(seed, Stream::mixture_choice);
  for (std::int64_t i = 0; i < s.partition.count; ++i) {
    const double theta = mixture_angle(mixture, rng, choice, s.partition.first + i);
    s.positions[2 * i] = std::cos(theta);
    s.positions[2 * i + 1] = std::sin(theta);
  }
  return s;
}

State uniform_elevation_state(std::int64_t tokens, const WrappedNormalMixture& azimuth,
                              std::uint64_t seed, MPI_Comm comm) {
  State s = empty_state(tokens, 3, comm);
  const CounterRandom rng(seed, Stream::initial_state), choice(seed, Stream::mixture_choice);
  for (std::int64_t i = 0; i < s.partition.count; ++i) {
    const std::uint64_t index = s.partition.first + i;
    const double psi = mixture_angle(azimuth, rng, choice, index);
    // The elevation from another step of the same stream (the azimuth used step 0).
    const double phi = std::numbers::pi * (rng.uniforms(index, 1)[0] - 0.5);
    s.positions[3 * i] = std::cos(phi) * std::cos(psi);
    s.positions[3 * i + 1] = std::cos(phi) * std::sin(psi);
    s.positions[3 * i + 2] = std::sin(phi);
  }
  return s;
}

void add_subsphere_options(config::OptionSet& options) {
  options.add<int>("subsphere-dimension", 2, "",
                   "--initial subsphere: k, tokens on the great S^{k-1} of the first k coordinates "
                   "(2 <= k < d; --vmf-means of k numbers each)");
}

int subsphere_dimension_from_options(const config::OptionSet& options, int dimension) {
  const int k = options.get<int>("subsphere-dimension");
  require(k >= 2 && k < dimension, "--subsphere-dimension: must be in [2, d) = [2, " +
                                       std::to_string(dimension) + ") (got " + std::to_string(k) +
                                       ")");
  return k;
}

State subsphere_state(std::int64_t tokens, int dimension, int subsphere_dimension,
                      const density::VonMisesFisherMixture& mixture, std::uint64_t seed,
                      MPI_Comm comm) {
  const int k = subsphere_dimension;
  const State low = mixture_state(tokens, k, mixture, seed, comm);
  State s = empty_state(tokens, dimension, comm);
  for (std::int64_t i = 0; i < s.partition.count; ++i)
    for (int a = 0; a < k; ++a) s.positions[i * dimension + a] = low.positions[i * k + a];
  return s;
}

}  // namespace attnflow::particles

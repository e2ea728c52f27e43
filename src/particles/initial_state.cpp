#include "particles/initial_state.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>

#include "config/number_list.hpp"
#include "config/options.hpp"
#include "geometry/sphere.hpp"
#include "random/counter_random.hpp"
#include "particles/initial_file.hpp"
#include "particles/phase_samplers.hpp"

namespace attnflow::particles {

using errors::InputError;
using errors::require;
using random::CounterRandom;
using random::Stream;

namespace {

// A uniform point on S^{d-1}: a normalised standard normal vector.
void uniform_point(const CounterRandom& rng, std::uint64_t index, std::uint64_t step,
                   std::span<double> out) {
  rng.normals(index, step, out);
  geometry::normalise(out);
}

}  // namespace

// Wood's (1994) rejection sampler for von Mises-Fisher on S^{d-1} with mean e_d, then rotated to
// `mean` by a Householder reflection.
void von_mises_fisher_point(const CounterRandom& rng, std::uint64_t index,
                            std::span<const double> mean, double kappa, std::span<double> out) {
  const int d = static_cast<int>(mean.size());
  double w = 0;
  if (kappa < 1e-12) {
    uniform_point(rng, index, 0, out);
    return;
  }
  const double b = (d - 1) / (2 * kappa + std::sqrt(4 * kappa * kappa + (d - 1.0) * (d - 1.0)));
  const double x0 = (1 - b) / (1 + b);
  const double c = kappa * x0 + (d - 1) * std::log(1 - x0 * x0);
  for (std::uint64_t attempt = 0;; ++attempt) {
    // Beta((d-1)/2, (d-1)/2) from two gamma variates is overkill; for the half-integer shapes
    // we need, Beta(a, a) = (1 + cos(pi U)) / 2 only for a = 1/2, so use the ratio of sums of
    // squared normals: chi^2_{d-1} / (chi^2_{d-1} + chi^2_{d-1}).
    std::vector<double> normals(2 * (d - 1));
    rng.normals(index, 2 * attempt + 1, normals);
    double first = 0, second = 0;
    for (int k = 0; k < d - 1; ++k) {
      first += normals[k] * normals[k];
      second += normals[d - 1 + k] * normals[d - 1 + k];
    }
    const double z = first / (first + second);
    const double u = rng.uniforms(index, 2 * attempt + 2)[0];
    w = (1 - (1 + b) * z) / (1 - (1 - b) * z);
    if (kappa * w + (d - 1) * std::log(1 - x0 * w) - c >= std::log(u)) break;
  }
  // Tangent direction: uniform on S^{d-2}.
  std::vector<double> v(d - 1);
  rng.normals(index, 0, v);
  double n = 0;
  for (double x : v) n += x * x;
  n = std::sqrt(n);
  const double r = std::sqrt(std::max(0.0, 1 - w * w));
  for (int k = 0; k < d - 1; ++k) out[k] = r * v[k] / n;
  out[d - 1] = w;
  // Householder reflection mapping e_d to mean: H = I - 2 u u^T / |u|^2, u = e_d - mean.
  std::vector<double> h(mean.begin(), mean.end());
  for (auto& x : h) x = -x;
  h[d - 1] += 1.0;
  const double hh = geometry::dot(h, h);
  if (hh > 1e-30) {
    const double factor = 2 * geometry::dot(h, out) / hh;
    for (int k = 0; k < d; ++k) out[k] -= factor * h[k];
  }
  geometry::normalise(out);
}

namespace {

Placement placement_from_options(const config::OptionSet& options) {
  const auto placement = options.get<std::string>("placement");
  require(placement == "iid" || placement == "quantile",
          "--placement: unknown placement '" + placement + "'; accepted: iid, quantile");
  return placement == "quantile" ? Placement::quantile : Placement::iid;
}

}  // namespace

State uniform_state(std::int64_t tokens, int dimension, std::uint64_t seed, MPI_Comm comm) {
  State s = empty_state(tokens, dimension, comm);
  const CounterRandom rng(seed, Stream::initial_state);
  for (std::int64_t i = 0; i < s.partition.count; ++i)
    uniform_point(rng, s.partition.first + i, 0, s.row(i));
  return s;
}

State mixture_state(std::int64_t tokens, int dimension, const density::VonMisesFisherMixture& mixture,
                    std::uint64_t seed, MPI_Comm comm) {
  State s = empty_state(tokens, dimension, comm);
  const CounterRandom rng(seed, Stream::initial_state), choice(seed, Stream::mixture_choice);
  for (std::int64_t i = 0; i < s.partition.count; ++i) {
    const std::uint64_t index = s.partition.first + i;
    const double u = choice.uniforms(index, 0)[0];
    std::size_t component = 0;
    double cumulative = mixture.weights[0];
    while (u > cumulative && component + 1 < mixture.weights.size())
      cumulative += mixture.weights[++component];
    von_mises_fisher_point(rng, index, mixture.means[component],
                           mixture.concentrations[component], s.row(i));
  }
  return s;
}

State circle_density_state(std::int64_t tokens, const density::CircleDensity& circle,
                           Placement placement, std::uint64_t seed, MPI_Comm comm) {
  State s = empty_state(tokens, 2, comm);
  const CounterRandom rng(seed, Stream::initial_state);
  for (std::int64_t i = 0; i < s.partition.count; ++i) {
    const std::int64_t index = s.partition.first + i;
    const double u = placement == Placement::quantile ? (index + 0.5) / static_cast<double>(tokens)
                                                : rng.uniforms(index, 0)[0];
    const double t = density::circle_density_quantile(circle, u);
    s.positions[2 * i] = std::cos(t);
    s.positions[2 * i + 1] = std::sin(t);
  }
  return s;
}

void add_initial_state_options(config::OptionSet& options) {
  options.add<std::string>("initial", "uniform", "",
                           "initial state: uniform | vmf | circle-density | wrapped-normal (d = "
                           "2) | uniform-elevation (d = 3) | subsphere | file");
  options.add<unsigned long long>("seed", 1, "", "random seed (initial state and noise)");
  density::add_mixture_options(options);
  density::add_circle_density_options(options);
  add_wrapped_normal_options(options);
  add_subsphere_options(options);
  options.add<std::string>("placement", "iid", "", "circle density placement: iid | quantile");
  options.add_optional("initial-file", "path", "attnflow HDF5 file to start from (initial = file)");
  options.add<long long>("initial-snapshot", -1, "", "snapshot of initial-file (-1 = last)");
}

void validate_initial_state_options(const config::OptionSet& options, int dimension) {
  const auto kind = options.get<std::string>("initial");
  if (kind == "uniform") return;
  if (kind == "vmf") {
    density::mixture_from_options(options, dimension);
  } else if (kind == "circle-density") {
    require(dimension == 2, "--initial circle-density: needs --dimension 2 (got " +
                                std::to_string(dimension) + ")");
    density::circle_density_from_options(options);
    placement_from_options(options);
  } else if (kind == "wrapped-normal" || kind == "uniform-elevation") {
    const int needed = kind == "wrapped-normal" ? 2 : 3;
    require(dimension == needed, "--initial " + kind + ": needs --dimension " +
                                     std::to_string(needed) + " (got " + std::to_string(dimension) +
                                     ")");
    wrapped_normal_from_options(options);
  } else if (kind == "subsphere") {
    density::mixture_from_options(options, subsphere_dimension_from_options(options, dimension));
  } else if (kind == "file") {
    require(!options.get<std::string>("initial-file").empty(),
            "--initial file: needs --initial-file PATH");
  } else {
    throw InputError("--initial: unknown initial state '" + kind +
                     "'; accepted: uniform, vmf, circle-density, wrapped-normal, "
                     "uniform-elevation, subsphere, file");
  }
}

}  // namespace attnflow::particles

namespace attnflow::particles {

State initial_state_from_options(const config::OptionSet& options, std::int64_t tokens,
                                 int dimension, MPI_Comm comm) {
  validate_initial_state_options(options, dimension);
  const auto kind = options.get<std::string>("initial");
  const auto seed = options.get<unsigned long long>("seed");
  if (kind == "vmf")
    return mixture_state(tokens, dimension, density::mixture_from_options(options, dimension), seed,
                         comm);
  if (kind == "circle-density")
    return circle_density_state(tokens, density::circle_density_from_options(options),
                                placement_from_options(options), seed, comm);
  if (kind == "wrapped-normal")
    return wrapped_normal_state(tokens, wrapped_normal_from_options(options), seed, comm);
  if (kind == "uniform-elevation")
    return uniform_elevation_state(tokens, wrapped_normal_from_options(options), seed, comm);
  if (kind == "subsphere") {
    const int k = subsphere_dimension_from_options(options, dimension);
    return subsphere_state(tokens, dimension, k, density::mixture_from_options(options, k), seed,
                           comm);
  }
  if (kind == "file") return read_initial_file(options, tokens, dimension, comm);
  return uniform_state(tokens, dimension, seed, comm);
}

}  // namespace attnflow::particles

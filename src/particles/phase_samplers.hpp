#pragma once
// The initial samplers of the moderate-regime paper (arXiv 2509.25040; docs/mathematics.md
// section 10): a mixture of wrapped normals on the circle (--initial wrapped-normal, d = 2), and
// on S^2 a uniform-elevation sampler with a wrapped-normal mixture in the azimuth
// (--initial uniform-elevation, d = 3): elevation phi ~ U(-pi/2, pi/2) (not area-uniform:
// E[z^2] = 1/2 instead of 1/3), azimuth psi from the mixture, x = (cos phi cos psi,
// cos phi sin psi, sin phi). And a von Mises-Fisher mixture on the great sub-sphere S^{k-1} of
// the first k coordinates (--initial subsphere --subsphere-dimension k, the --vmf-* options with
// means of k numbers each): the other d - k coordinates are 0. Token i depends only on
// (seed, i): the same on any rank count.
#include <cstdint>
#include <vector>

#include "density/densities.hpp"
#include "particles/state.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::particles {

struct WrappedNormalMixture {
  std::vector<double> means;       // angles (radians)
  std::vector<double> deviations;  // sigma >= 0 of each component (before wrapping)
  std::vector<double> weights;     // >= 0, sum 1
};

// Registers wrapped-means, wrapped-deviations, wrapped-weights.
void add_wrapped_normal_options(config::OptionSet& options);
// Throws errors::InputError naming the option.
WrappedNormalMixture wrapped_normal_from_options(const config::OptionSet& options);

// d = 2: angle theta ~ mixture. d = 3: uniform elevation, azimuth ~ mixture.
State wrapped_normal_state(std::int64_t tokens, const WrappedNormalMixture& mixture,
                           std::uint64_t seed, MPI_Comm comm);
State uniform_elevation_state(std::int64_t tokens, const WrappedNormalMixture& azimuth,
                              std::uint64_t seed, MPI_Comm comm);
// Registers subsphere-dimension.
void add_subsphere_options(config::OptionSet& options);
// k from --subsphere-dimension, checked: 2 <= k < d (throws errors::InputError).
int subsphere_dimension_from_options(const config::OptionSet& options, int dimension);
// The mixture (means in R^k) sampled on S^{k-1} and embedded in the first k coordinates of R^d.
State subsphere_state(std::int64_t tokens, int dimension, int subsphere_dimension,
                      const density::VonMisesFisherMixture& mixture, std::uint64_t seed,
                      MPI_Comm comm);

}  // namespace attnflow::particles

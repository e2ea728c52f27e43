#pragma once
// Initial token states: iid uniform on S^{d-1}, von Mises-Fisher mixtures, and on the circle the
// density (1 + eps cos(k t + phase)) / (2 pi) placed iid or by deterministic quantiles. Every
// token's position depends only on (seed, global index), never on the number of ranks.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "density/densities.hpp"
#include "particles/state.hpp"
#include "random/counter_random.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::particles {

// Where circle-density tokens go: iid samples, or the deterministic quantiles (i + 1/2) / N of the
// distribution function (W1 error O(1/N)).
enum class Placement { iid, quantile };

// One draw of the von Mises-Fisher law with unit mean `mean` and concentration kappa on S^{d-1}
// (Wood's 1994 rejection sampler), a pure function of (rng, index): attempt a uses counter steps
// 2a + 1 and 2a + 2, the tangent direction step 0. Also used for the long-context key laws.
void von_mises_fisher_point(const random::CounterRandom& rng, std::uint64_t index,
                            std::span<const double> mean, double kappa, std::span<double> out);

State uniform_state(std::int64_t tokens, int dimension, std::uint64_t seed, MPI_Comm comm);
State mixture_state(std::int64_t tokens, int dimension, const density::VonMisesFisherMixture& mixture,
                    std::uint64_t seed, MPI_Comm comm);
State circle_density_state(std::int64_t tokens, const density::CircleDensity& circle,
                           Placement placement, std::uint64_t seed, MPI_Comm comm);

// Options: initial (uniform | vmf | circle-density | file), seed, the density keys of
// density/densities.hpp (vmf-means, vmf-concentrations, vmf-weights, density-amplitude,
// density-mode, density-phase), placement, initial-file, initial-snapshot.
void add_initial_state_options(config::OptionSet& options);
// Checks the initial-state options without building anything (so bad input fails before any
// output is touched). Throws errors::InputError.
void validate_initial_state_options(const config::OptionSet& options, int dimension);
// Builds the state the options describe (reading an attnflow HDF5 file for initial = file).
State initial_state_from_options(const config::OptionSet& options, std::int64_t tokens,
                                 int dimension, MPI_Comm comm);

}  // namespace attnflow::particles

#pragma once
// Initial token states: iid uniform on S^{d-1}, von Mises-Fisher mixtures, and on the circle the
// density (1 + eps cos(k t + phase)) / (2 pi) placed iid or by deterministic quantiles. Every
// token's position depends only on (seed, global index), never on the number of ranks.
#include <cstdint>
#include <string>
#include <vector>

#include "particles/state.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::particles {

struct VonMisesFisherMixture {
  std::vector<std::vector<double>> means;  // unit vectors
  std::vector<double> concentrations;      // kappa >= 0
  std::vector<double> weights;             // mixture weights, summing to 1
};

struct CircleDensity {
  double amplitude = 0.0;  // eps, |eps| < 1
  int mode = 1;            // k >= 1
  double phase = 0.0;
  bool quantile_placement = false;  // deterministic quantiles (error O(1/N)) instead of iid
};

State uniform_state(std::int64_t tokens, int dimension, std::uint64_t seed, MPI_Comm comm);
State mixture_state(std::int64_t tokens, int dimension, const VonMisesFisherMixture& mixture,
                    std::uint64_t seed, MPI_Comm comm);
State circle_density_state(std::int64_t tokens, const CircleDensity& density, std::uint64_t seed,
                           MPI_Comm comm);
// Angle t in [0, 2 pi) with F(t) = u for the circle density's distribution function F.
double circle_density_quantile(const CircleDensity& density, double u);

// Options: initial (uniform | vmf | circle-density | file), seed, vmf-means, vmf-concentrations,
// vmf-weights, density-amplitude, density-mode, density-phase, placement, initial-file,
// initial-snapshot.
void add_initial_state_options(config::OptionSet& options);
// Checks the initial-state options without building anything (so bad input fails before any
// output is touched). Throws config::InputError.
void validate_initial_state_options(const config::OptionSet& options, int dimension);
// Builds the state the options describe (reading an attnflow HDF5 file for initial = file).
State initial_state_from_options(const config::OptionSet& options, std::int64_t tokens,
                                 int dimension, MPI_Comm comm);

}  // namespace attnflow::particles

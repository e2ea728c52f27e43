#pragma once
// Probability densities on S^{d-1} that both solvers start from, with one set of input keys:
// the particle solver samples them (particles/initial_state) and the continuum solver averages
// them over its cells (continuum/initial), so one input file describes the same initial
// distribution for both.
//   von Mises-Fisher mixture: sum_c w_c C_d(kappa_c) e^{kappa_c <mu_c, x>}, keys vmf-means,
//     vmf-concentrations, vmf-weights;
//   circle density (d = 2): (1 + eps cos(k theta + phase)) / (2 pi), keys density-amplitude,
//     density-mode, density-phase.
#include <span>
#include <vector>

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::density {

struct VonMisesFisherMixture {
  std::vector<std::vector<double>> means;  // unit vectors
  std::vector<double> concentrations;      // kappa >= 0
  std::vector<double> weights;             // mixture weights, summing to 1
};

struct CircleDensity {
  double amplitude = 0.0;  // eps, |eps| < 1
  int mode = 1;            // k >= 1
  double phase = 0.0;
};

// Registers vmf-means, vmf-concentrations, vmf-weights.
void add_mixture_options(config::OptionSet& options);
// Registers density-amplitude, density-mode, density-phase.
void add_circle_density_options(config::OptionSet& options);
// Both throw errors::InputError naming the option.
VonMisesFisherMixture mixture_from_options(const config::OptionSet& options, int dimension);
CircleDensity circle_density_from_options(const config::OptionSet& options);

// The mixture's density at the unit vector x with respect to the surface measure of S^{d-1}
// (integrates to 1), for any d >= 2 and kappa up to 1e8 (normalisers in logarithms).
double mixture_density(const VonMisesFisherMixture& mixture, std::span<const double> x);
// (1 + eps cos(k theta + phase)) / (2 pi).
double circle_density(const CircleDensity& density, double theta);
// Angle t in [0, 2 pi) with F(t) = u for the circle density's distribution function F.
double circle_density_quantile(const CircleDensity& density, double u);

}  // namespace attnflow::density

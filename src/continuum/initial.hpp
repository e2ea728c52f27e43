#pragma once
// Initial densities of the continuum solver, as probability densities on S^{d-1} (mass 1):
// the uniform density plus one mode, a von Mises-Fisher mixture or the circle density of
// density/densities.hpp (the particle solver's keys: one input describes both runs' start),
// uniform with white noise, or the histogram of a snapshot of a particle run's HDF5 file.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "density/densities.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::continuum {

class Solver;

struct InitialDensity {
  std::string kind = "uniform-mode";  // uniform-mode | vmf | circle-density | noise | particles
  // uniform-mode: rho = (1 + amplitude f) / |S^{d-1}|. Circle: f = cos(k theta) for order >= 0,
  // sin(k theta) for order < 0 (k = degree). Sphere: f = sqrt(4 pi) Y_lm (real harmonic).
  int degree = 1;
  int order = 0;
  double amplitude = 0.01;  // uniform-mode and noise
  density::VonMisesFisherMixture mixture;  // vmf
  density::CircleDensity circle;           // circle-density
  // noise: rho_i = (1 + amplitude (2 u_i - 1)) / |S^{d-1}| with u_i uniform from the counter-based
  // generator keyed by (seed, global cell index): the same on any number of ranks.
  std::uint64_t seed = 1;
  // particles: snapshot `particle_snapshot` (-1 = the last, -2 the one before, ...) of the
  // attnflow particle file `particle_file`, histogrammed into the cells (particle_histogram).
  std::string particle_file;
  std::int64_t particle_snapshot = -1;
};

// Registers initial, degree, order, amplitude, the density keys (vmf-means, vmf-concentrations,
// vmf-weights, density-amplitude, density-mode, density-phase), seed, initial-file,
// initial-snapshot.
void add_initial_options(config::OptionSet& options);
// Throws errors::InputError naming the option.
InitialDensity initial_from_options(const config::OptionSet& options, int dimension);

// Cell averages of the initial density for the solver's owned cells, scaled so that the total
// mass is exactly 1 (rank-independent sum). Throws errors::InputError if any cell is negative, and
// for the particle file: missing, not HDF5, not an attnflow particle file, another dimension, no
// such snapshot. Collective.
std::vector<double> initial_cell_averages(const Solver& solver, const InitialDensity& initial);

// The empirical measure of N particles as cell averages of the solver's owned cells: the fraction
// of the particles in each cell divided by its measure. Circle: the cell [i dx, (i+1) dx) holding
// the angle; sphere: the cell whose spherical triangle contains the particle
// (geometry::containing_triangles: the nearest centre on a bucket grid, then the triangles around
// it; O(N / ranks + M); a particle found in none, which the icosphere does not produce, is binned
// by nearest centre with a warning on stderr). `positions` are this rank's particles (any
// distribution, rows of d); particle_count = N.
// The counts are integers summed over the ranks, so the result does not depend on the rank count.
// Collective.
std::vector<double> particle_histogram(const Solver& solver, std::span<const double> positions,
                                       std::int64_t particle_count);

}  // namespace attnflow::continuum

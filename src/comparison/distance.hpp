#pragma once
// Distances between a particle measure and a continuum (cell-average) measure, docs/mathematics.md section 7: the exact
// circle Wasserstein-1 distance from the two CDFs, and the L1 distance of cell histograms.
#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::comparison {

// A measure on the circle [0, 2 pi): point masses plus cells carrying a uniform density. The total
// mass need not be 1: distances normalise both measures to mass 1 first.
struct CircleMeasure {
  std::vector<double> atom_angles, atom_masses;
  std::vector<double> cell_starts, cell_ends, cell_masses;  // cell_ends > cell_starts (may wrap past 2 pi)
};

// Equal point masses at the given angles (radians, any real value).
CircleMeasure atoms(std::span<const double> angles);
// Cells of uniform density: cell i spans [edges[i], edges[i+1]) (edges increasing, length M + 1,
// edges[M] - edges[0] = 2 pi) with mass masses[i].
CircleMeasure cells(std::span<const double> edges, std::span<const double> masses);

// W1 = min_a int_0^{2 pi} |F_mu(t) - F_nu(t) - a| dt, evaluated exactly: F_mu - F_nu is piecewise
// linear between the merged breakpoints (atoms and cell edges of both measures) and the optimal a
// is a median of that difference under Lebesgue measure. Throws errors::InputError on a measure
// with non-positive total mass or a negative mass.
double circle_wasserstein(const CircleMeasure& mu, const CircleMeasure& nu);

// sum_i |p_i / sum p - q_i / sum q| for two histograms on the same cells: 0 for identical, 2 for
// disjoint supports.
double histogram_l1(std::span<const double> p, std::span<const double> q);

}  // namespace attnflow::comparison

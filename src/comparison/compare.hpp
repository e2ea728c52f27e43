#pragma once
// The particle-versus-continuum comparison of attnflow-compare (docs/mathematics.md section 7): per continuum snapshot
// with a particle snapshot at the same time, the circle W1 or the sphere cell-histogram L1, and the
// differences of the energies and leading moments from the two diagnostics tables.
#include <cstdint>
#include <string>
#include <vector>

#include "comparison/files.hpp"

namespace attnflow::comparison {

inline constexpr int compared_moments = 4;  // |m_k|, k = 1..4 (circle) or C_l, l = 0..4 (sphere)

struct Comparison {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  std::vector<double> unmatched_times;  // continuum times without a particle snapshot
  // Sphere: particle positions (summed over the matched times) that lay in no triangle around
  // their nearest centre and were binned by nearest centre (geometry::containing_triangles).
  std::int64_t unlocated_points = 0;
  // Sphere: the particles' cell-histogram density (fraction of the particles in each cell's
  // triangle / cell area, continuum file order) of every row, for plots that overlay it.
  std::vector<std::vector<double>> histograms;
  std::string time_units = "t";  // of the continuum run's /time (the time column)
};

// Throws errors::InputError when the dimensions differ or are not 2 or 3.
Comparison compare(const ParticleRun& particles, const ContinuumRun& continuum, double time_tolerance);

// W1 between the particle snapshot (tokens x 2) and the continuum density (file order) on the circle.
double circle_distance(const std::vector<double>& positions, const ContinuumRun& continuum,
                       const std::vector<double>& density);
// L1 between the histogram of the particles over the cells' triangles (each particle in the
// spherical triangle containing it, geometry::containing_triangles) and the continuum cell masses.
// `unlocated`, when given, receives the count of positions binned by nearest centre instead.
// Throws errors::InputError when the run has no cell vertices.
// `histogram`, when given, receives the particles' histogram density per cell.
double sphere_distance(const std::vector<double>& positions, const ContinuumRun& continuum,
                       const std::vector<double>& density, std::int64_t* unlocated = nullptr,
                       std::vector<double>* histogram = nullptr);

// Writes the sphere histograms (rows x cells, /particle_density in units "1/steradian", with
// /time in the continuum run's units) as an HDF5 file, atomically (a temporary name, then
// renamed). Serial.
void write_histograms(const std::string& path, const Comparison& comparison);

// The CSV text: a header and the rows (text/csv.hpp).
std::string csv_text(const Comparison& comparison);
// What the sidecar (text::input_sidecar_path) notes besides the input: the continuum times left
// unmatched and the particles binned by nearest centre.
std::vector<std::string> notes(const Comparison& comparison);

}  // namespace attnflow::comparison

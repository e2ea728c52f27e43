#pragma once
// Reading a particle run (format attnflow-particles, through particles::ParticleFile) and a
// continuum run (attnflow-continuum) for the comparison, and matching their snapshot times.
// Serial: call on one rank (MPI_COMM_SELF I/O).
#include <cstdint>
#include <string>
#include <vector>

#include "output/run_file.hpp"

namespace attnflow::comparison {

using Table = output::DiagnosticsTable;

struct ParticleRun {
  std::string path;
  int dimension = 0;
  std::int64_t tokens = 0;
  std::vector<double> times;
  Table diagnostics;
  // Positions of snapshot s (tokens x dimension).
  std::vector<double> positions(std::int64_t snapshot) const;
};

struct ContinuumRun {
  std::string path;
  int dimension = 0;
  std::int64_t cells = 0;
  std::vector<double> times;
  std::string time_units = "t";           // the "units" attribute of /time (older files: "t")
  std::vector<double> centres, measures;  // cells x d, cells (file order)
  // Sphere: /mesh/vertices, each cell's triangle (cells x 3 x 3, counter-clockwise); circle: empty.
  std::vector<double> vertices;
  Table diagnostics;
  std::vector<double> density(std::int64_t snapshot) const;  // cell averages, file order
};

// Throw errors::InputError naming the file when it is missing, not HDF5 or of the wrong format,
// when a dataset is not stored as floating-point numbers or holds a non-finite value, a centre,
// corner or particle position that is not a unit vector (output/input_check.hpp: the dataset and
// the first bad row named), a cell measure <= 0; errors::IoError when the system cannot read it;
// and for a sphere file without /mesh/vertices (written before attnflow stored the cell triangles:
// regenerate it; binning by nearest centre instead would bias the histogram distance).
ParticleRun read_particle_run(const std::string& path);
ContinuumRun read_continuum_run(const std::string& path);

// For each continuum time, the index of the particle snapshot with |t_p - t_c| <= tolerance
// (the nearest one), or -1 when there is none.
std::vector<long long> match_times(const std::vector<double>& continuum_times,
                                   const std::vector<double>& particle_times, double tolerance);

// Cell edges of the circle mesh: the cells sorted by the angle of their centre, edge i is the start
// of sorted cell i, edge M = edge 0 + 2 pi; `order` receives the file index of each sorted cell.
std::vector<double> circle_edges(const ContinuumRun& run, std::vector<std::int64_t>& order);

}  // namespace attnflow::comparison

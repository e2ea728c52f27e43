#pragma once
// The continuum run's output file: the mesh, density snapshots, a diagnostics table and the
// resolved input in one parallel HDF5 file, written under path + ".partial" and renamed into
// place by finish(), with XDMF (ParaView: the sphere's triangles with the density as a cell
// attribute; on the circle the cell centres as points carrying the density) and CSV
// (the input as '#' lines, then the diagnostics) sidecars: the common run file of
// output/run_file.hpp (shared with particles::RunWriter) plus the mesh and the density.
//
// Layout (format attribute "attnflow-continuum 1"):
//   Every cell-indexed dataset is in canonical cell order (Solver::global_indices: circle cell
//   number, sphere cell of the serial refined mesh), the same for any rank count.
//   /mesh/centres   cells x d  cell centres on the unit sphere (units "1")
//   /mesh/measures  cells x 1  cell lengths (circle, units "radian") or spherical areas (sphere,
//                   "steradian")
//   /mesh/cell_index cells x 1 int64 canonical cell index (0, 1, ..., cells - 1)
//   sphere only (the circle's cell i is the arc [i dx, (i + 1) dx): nothing to store):
//   /mesh/vertices  cells x 3 x 3  the corners of each cell's spherical triangle, counter-clockwise
//                   seen from outside (det > 0); the centre is their normalised mean
//   /mesh/nodes     nodes x 3  the distinct corners (geometry::shared_vertices: numbered by first
//                   appearance in cell order)
//   /mesh/triangles cells x 3 (int64) node numbers of each cell's corners, as in /mesh/vertices
//                   (XDMF Triangle topology)
//   /density        snapshots x cells  cell averages (chunked, extendable; units "1/radian" or
//                   "1/steradian"), each snapshot also as the view /views/density/<s>
//   /time, /step    snapshots  (USA: rescaled time t' = e^{s} t, s in attribute log_time_scale;
//                   /time has the attribute units, output::time_units)
//   /diagnostics    records x columns, attribute "columns": time, mass, min_density,
//                   energy_scaled, energy_a_scaled, mean_cosine, mean_squared_cosine (Diagnostics),
//                   then fourier_modulus_1..16 (circle) or harmonic_power_0..16, then the
//                   phase columns second_moment_eigenvalue_1..d, leading_mass_fraction,
//                   rotation_rate (diagnostics::PhaseObservables::density_column_names)
//   /input          the resolved input (string); each "key = value" also as an attribute
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "continuum/solver.hpp"
#include "output/run_file.hpp"

namespace attnflow::continuum {

inline constexpr const char* continuum_format = "attnflow-continuum 1";

// Column names of a diagnostics row for the domain of dimension d (2 circle, 3 sphere).
std::vector<std::string> diagnostic_columns(int dimension);
// The row for Diagnostics d (moments: 16 Fourier moduli or 17 harmonic powers).
std::vector<double> diagnostic_row(const Diagnostics& d);
// The argument of Solver::diagnostics for a row: K = domain::fourier_modes (circle) or
// L = domain::harmonic_degrees (sphere).
int max_moment(int dimension);

class Writer final : public output::RunFile {
 public:
  // Throws errors::InputError (on every rank) when path exists and !overwrite or its directory is
  // missing or not writable; creates nothing in that case. Collective.
  Writer(const std::string& path, const Solver& solver, const std::string& resolved_input_ini,
         const std::vector<output::Attribute>& metadata, bool overwrite);
  // Restart: reopens path.partial, checks its domain and cell count against the solver, and
  // truncates it to the snapshots and diagnostic rows a checkpoint counted (later ones belong to
  // the lost part of the run). Throws errors::InputError when the partial file is missing,
  // unreadable or does not match. Collective.
  static std::unique_ptr<Writer> resume(const std::string& path, const Solver& solver,
                                        std::int64_t snapshot_count,
                                        std::int64_t diagnostic_count);

  void write_snapshot(const Solver& solver);     // collective
  using RunFile::write_diagnostics;
  void write_diagnostics(const Diagnostics& d);  // collective; rank 0's values are written

 private:
  struct Resumed {};
  Writer(Resumed, const std::string& path, const Solver& solver, output::ResumeCounts counts);
  std::string xdmf(const std::string& file_name, const std::vector<double>& times) const override;

  int dimension_;
  std::int64_t cells_;
  std::int64_t nodes_ = 0;  // sphere: rows of /mesh/nodes (for the XDMF)
};

}  // namespace attnflow::continuum

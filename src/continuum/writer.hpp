#pragma once
// The continuum run's output file: the mesh, density snapshots, a diagnostics table and the
// resolved input in one parallel HDF5 file, written under path + ".partial" and renamed into
// place by finish(), with XDMF (ParaView: the sphere's triangles with the density as a cell
// attribute; on the circle the cell centres as points carrying the density) and CSV
// (the input as '#' lines, then the diagnostics) sidecars; a restart reopens the partial file
// (output/run_file.hpp, shared with the particle RunWriter).
//
// Layout (format attribute "attnflow-continuum 1"):
//   Every cell-indexed dataset is in canonical cell order (Solver::global_indices: circle cell
//   number, sphere cell of the serial refined mesh), the same for any rank count.
//   /mesh/centres   cells x d  cell centres on the unit sphere
//   /mesh/measures  cells x 1  cell lengths (circle) or spherical areas (sphere)
//   /mesh/cell_index cells x 1 canonical cell index (0, 1, ..., cells - 1; stored as float64)
//   sphere only (the circle's cell i is the arc [i dx, (i + 1) dx): nothing to store):
//   /mesh/vertices  cells x 3 x 3  the corners of each cell's spherical triangle, counter-clockwise
//                   seen from outside (det > 0); the centre is their normalised mean
//   /mesh/nodes     nodes x 3  the distinct corners (geometry::shared_vertices: numbered by first
//                   appearance in cell order)
//   /mesh/triangles cells x 3 (int64) node numbers of each cell's corners, as in /mesh/vertices
//                   (XDMF Triangle topology)
//   /density        snapshots x cells  cell averages (chunked, extendable)
//   /time, /step    snapshots  (USA: rescaled time t' = e^{s} t, s in attribute log_time_scale)
//   /diagnostics    records x columns, attribute "columns": time, mass, min_density,
//                   energy_scaled, then fourier_modulus_1..16 (circle) or harmonic_power_0..16
//   /input          the resolved input (string); each "key = value" also as an attribute
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "continuum/solver.hpp"
#include "output/hdf5.hpp"

namespace attnflow::continuum {

inline constexpr const char* continuum_format = "attnflow-continuum 1";

// Column names of a diagnostics row for the domain of dimension d (2 circle, 3 sphere).
std::vector<std::string> diagnostic_columns(int dimension);
// The row for Diagnostics d (moments: 16 Fourier moduli or 17 harmonic powers).
std::vector<double> diagnostic_row(const Diagnostics& d);
// The argument of Solver::diagnostics for a row: K = diagnostics::fourier_modes (circle) or
// L = diagnostics::harmonic_degrees (sphere).
int max_moment(int dimension);

class Writer {
 public:
  // Throws errors::InputError (on every rank) when path exists and !overwrite or its directory is
  // missing or not writable; creates nothing in that case. Collective.
  Writer(const std::string& path, const Solver& solver, const std::string& resolved_input_ini,
         const std::vector<std::pair<std::string, std::string>>& metadata, bool overwrite);
  // Restart: reopens path.partial, checks its domain and cell count against the solver, and
  // truncates it to the snapshots and diagnostic rows a checkpoint counted (later ones belong to
  // the lost part of the run). Throws errors::InputError when the partial file is missing,
  // unreadable or does not match. Collective.
  static std::unique_ptr<Writer> resume(const std::string& path, const Solver& solver,
                                        std::int64_t snapshot_count,
                                        std::int64_t diagnostic_count);
  ~Writer();  // without finish(): leaves path.partial for a restart
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void write_snapshot(const Solver& solver);     // collective
  void write_diagnostics(const Diagnostics& d);  // collective; rank 0's values are written
  void flush();   // collective: to disk (before a checkpoint records the counts)
  void finish();  // collective: renames path.partial to path, writes the sidecars
  std::int64_t snapshot_count() const { return snapshots_; }
  std::int64_t diagnostic_count() const { return records_; }
  const std::string& path() const { return path_; }

 private:
  Writer(const std::string& path, const Solver& solver);
  void open_datasets();

  std::string path_;
  MPI_Comm comm_;
  int dimension_;
  std::int64_t cells_;
  std::vector<std::string> columns_;
  std::int64_t nodes_ = 0;  // sphere: rows of /mesh/nodes (for the XDMF)
  std::int64_t snapshots_ = 0, records_ = 0;
  output::Handle file_, density_, time_, step_, diagnostics_;
  bool finished_ = false;
};

}  // namespace attnflow::continuum

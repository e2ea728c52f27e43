#include "continuum/writer.hpp"

#include <sstream>

#include "errors/errors.hpp"
#include "diagnostics/phases.hpp"
#include "domain/domain.hpp"
#include "geometry/triangles.hpp"
#include "output/run_file.hpp"
#include "output/xdmf.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"
#include "version/version.hpp"

namespace attnflow::continuum {

using output::Handle;

namespace {

// Rows are written in canonical cell order (this rank's block of the canonical numbering), not in
// PETSc's storage order, which on the sphere depends on the rank count: files of runs at different
// rank counts agree row by row, and a restart at another rank count appends to the same layout.
std::int64_t first_row(const Solver& solver) {
  return parallel::block_partition(solver.global_cells(), solver.comm()).first;
}
std::vector<double> canonical_block(const Solver& solver, std::span<const double> rows, int width) {
  return parallel::rows_to_blocks(rows, solver.global_indices(), width, solver.global_cells(),
                                  solver.comm());
}

// The sphere's triangles, whole mesh on every rank: each cell's corners in canonical order, and
// the distinct corners (nodes) with each cell's node numbers (a connected mesh for ParaView).
struct MeshTriangles {
  std::vector<double> vertices;
  geometry::SharedVertices shared;
  std::int64_t node_count() const { return std::int64_t(shared.nodes.size() / 3); }
};
MeshTriangles mesh_triangles(const Solver& solver) {
  MeshTriangles mesh;
  mesh.vertices = parallel::all_rows(solver.cell_vertices(), solver.global_indices(), 9,
                                     solver.global_cells(), solver.comm());
  mesh.shared = geometry::shared_vertices(mesh.vertices);
  return mesh;
}
// /mesh/vertices (cells x 3 x 3), /mesh/nodes (nodes x 3), /mesh/triangles (cells x 3, int64):
// rank 0 writes the rows (the other ranks join the collective calls).
void write_triangles(hid_t mesh_group, const MeshTriangles& mesh, std::int64_t cells, MPI_Comm comm) {
  const bool root = parallel::rank_of(comm) == 0;
  const std::int64_t nodes = mesh.node_count();
  output::write_rows(mesh_group, "vertices", H5T_NATIVE_DOUBLE, cells, {3, 3}, 0, root ? cells : 0,
                     mesh.vertices.data());
  output::write_rows(mesh_group, "nodes", H5T_NATIVE_DOUBLE, nodes, {3}, 0, root ? nodes : 0,
                     mesh.shared.nodes.data());
  output::write_rows(mesh_group, "triangles", H5T_NATIVE_INT64, cells, {3}, 0, root ? cells : 0,
                     mesh.shared.triangles.data());
}

// A temporal collection with one grid per snapshot. Circle: the cell centres as points carrying
// the density. Sphere: the triangles (Triangle topology over /mesh/nodes) with the density as a
// cell attribute, so ParaView shows the mesh and the cell averages as they are. Every DataItem is
// a whole dataset (output/xdmf.hpp): the density of snapshot s is its view.
std::string xdmf_text(const std::string& h5_name, const std::vector<double>& times,
                      std::int64_t cells, int dimension, std::int64_t nodes) {
  using output::XdmfNumber;
  return output::xdmf_temporal_collection("density", times, [&](std::size_t s) {
    std::ostringstream x;
    if (dimension == 3) {
      x << "    <Topology TopologyType=\"Triangle\" NumberOfElements=\"" << cells << "\">\n     "
        << output::xdmf_hdf5_item(h5_name, "/mesh/triangles", {cells, 3}, XdmfNumber::int64)
        << "\n    </Topology>\n    <Geometry GeometryType=\"XYZ\">\n     "
        << output::xdmf_hdf5_item(h5_name, "/mesh/nodes", {nodes, 3}, XdmfNumber::float64)
        << "\n    </Geometry>\n";
    } else {
      x << "    <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"" << cells
        << "\" NodesPerElement=\"1\">\n     "
        << output::xdmf_hdf5_item(h5_name, "/mesh/cell_index", {cells, 1}, XdmfNumber::int64)
        << "\n    </Topology>\n    <Geometry GeometryType=\"XY\">\n     "
        << output::xdmf_hdf5_item(h5_name, "/mesh/centres", {cells, dimension}, XdmfNumber::float64)
        << "\n    </Geometry>\n";
    }
    x << "    <Attribute Name=\"density\" AttributeType=\"Scalar\" Center=\""
      << (dimension == 3 ? "Cell" : "Node") << "\">\n     "
      << output::xdmf_hdf5_item(h5_name, output::record_view_path("density", std::int64_t(s)),
                                {cells}, XdmfNumber::float64)
      << "\n    </Attribute>\n";
    return x.str();
  });
}

// Units of the cell quantities: per radian of the circle, per steradian of the sphere.
std::string measure_units(int dimension) { return dimension == 2 ? "radian" : "steradian"; }
std::string density_units(int dimension) { return "1/" + measure_units(dimension); }

}  // namespace

int max_moment(int dimension) {
  return dimension == 2 ? domain::fourier_modes : domain::harmonic_degrees;
}

std::vector<std::string> diagnostic_columns(int dimension) {
  std::vector<std::string> names = {"time",          "mass",        "min_density",
                                    "energy_scaled", "energy_a_scaled", "mean_cosine",
                                    "mean_squared_cosine"};
  for (auto& name : domain::make_domain(dimension)->moment_columns()) names.push_back(name);
  for (auto& name : diagnostics::PhaseObservables::density_column_names(dimension))
    names.push_back(name);
  return names;
}

std::vector<double> diagnostic_row(const Diagnostics& d) {
  std::vector<double> row = {d.time,          d.mass,        d.min_density,
                             d.energy_scaled, d.energy_a_scaled, d.mean_cosine,
                             d.mean_squared_cosine};
  row.insert(row.end(), d.moments.begin(), d.moments.end());
  row.insert(row.end(), d.phases.begin(), d.phases.end());
  return row;
}

namespace {

output::RunFileLayout layout(const Solver& solver) {
  output::RunFileLayout l;
  l.format = continuum_format;
  const double s = solver.model().log_time_scale();
  l.attributes = {{"domain", solver.domain_name()},
                  {"dimension", std::int64_t(solver.dimension())},
                  {"cell_count", solver.global_cells()},
                  {"log_time_scale", s}};
  const hsize_t n = hsize_t(solver.global_cells());
  l.snapshot_datasets = {{"density", H5T_NATIVE_DOUBLE, {n}, {1, std::min<hsize_t>(n, 65536)},
                          density_units(solver.dimension()), true, 0}};
  l.columns = diagnostic_columns(solver.dimension());
  l.time_units = output::time_units(s);
  for (const auto& column : l.columns)
    l.column_units.push_back(column == "time"          ? l.time_units
                             : column == "min_density" ? density_units(solver.dimension())
                                                       : std::string("1"));
  return l;
}

output::RunFileLayout with_metadata(output::RunFileLayout l,
                                    const std::vector<output::Attribute>& metadata) {
  l.attributes.insert(l.attributes.end(), metadata.begin(), metadata.end());
  return l;
}

}  // namespace

Writer::Writer(const std::string& path, const Solver& solver, const std::string& resolved_input_ini,
               const std::vector<output::Attribute>& metadata, bool overwrite)
    : RunFile(path, solver.comm(), with_metadata(layout(solver), metadata), resolved_input_ini,
              overwrite),
      dimension_(solver.dimension()),
      cells_(solver.global_cells()) {
  Handle mesh(output::check_hdf5(
      H5Gcreate2(file(), "mesh", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2(mesh)"));
  const std::int64_t first = first_row(solver);
  output::write_row_block(mesh, "centres", cells_, dimension_, first,
                          canonical_block(solver, solver.centres(), dimension_));
  output::write_row_block(mesh, "measures", cells_, 1, first,
                          canonical_block(solver, solver.measures(), 1));
  {
    Handle centres(output::check_hdf5(H5Dopen2(mesh, "centres", H5P_DEFAULT), "H5Dopen2(centres)"));
    output::write_string_attribute(centres, "units", "1");
    Handle measures(output::check_hdf5(H5Dopen2(mesh, "measures", H5P_DEFAULT), "H5Dopen2(measures)"));
    output::write_string_attribute(measures, "units", measure_units(dimension_));
  }
  // In canonical order the index of row i is i: this rank's block of the canonical numbering
  // (int64, the XDMF Polyvertex topology of the circle's points).
  const std::int64_t owned = std::int64_t(solver.global_indices().size());
  std::vector<std::int64_t> index(static_cast<std::size_t>(owned));
  for (std::int64_t i = 0; i < owned; ++i) index[std::size_t(i)] = first + i;
  output::write_rows(mesh, "cell_index", H5T_NATIVE_INT64, cells_, {1}, first, owned, index.data());
  if (dimension_ == 3) {
    const auto triangles = mesh_triangles(solver);
    write_triangles(mesh, triangles, cells_, comm());
    nodes_ = triangles.node_count();
  }
}

Writer::Writer(Resumed, const std::string& path, const Solver& solver, output::ResumeCounts counts)
    : RunFile(path, solver.comm(), layout(solver), counts,
              [&](hid_t file) -> std::string {
                std::int64_t cells = 0;
                const std::string domain = output::read_string_attribute(file, "domain");
                if (domain != solver.domain_name() ||
                    !output::read_attribute(file, "cell_count", cells) ||
                    cells != solver.global_cells())
                  return "it holds " + domain + " with " + std::to_string(cells) +
                         " cells, the run has " + solver.domain_name() + " with " +
                         std::to_string(solver.global_cells());
                return {};
              }),
      dimension_(solver.dimension()),
      cells_(solver.global_cells()) {
  if (dimension_ == 3) {
    // A partial file begun before the triangles were stored gets them now (same mesh: checked).
    const auto triangles = mesh_triangles(solver);
    nodes_ = triangles.node_count();
    if (H5Lexists(file(), "mesh/vertices", H5P_DEFAULT) <= 0) {
      Handle mesh(output::check_hdf5(H5Gopen2(file(), "mesh", H5P_DEFAULT), "H5Gopen2(mesh)"));
      write_triangles(mesh, triangles, cells_, comm());
    }
  }
}

std::unique_ptr<Writer> Writer::resume(const std::string& path, const Solver& solver,
                                       std::int64_t snapshot_count, std::int64_t diagnostic_count) {
  return std::unique_ptr<Writer>(
      new Writer(Resumed{}, path, solver, {snapshot_count, diagnostic_count}));
}

void Writer::write_snapshot(const Solver& solver) {
  const std::int64_t record = begin_snapshot(solver.time(), solver.steps());
  const auto block = canonical_block(solver, solver.density(), 1);
  output::write_record(dataset("density"), H5T_NATIVE_DOUBLE, hsize_t(record), first_row(solver),
                       std::int64_t(block.size()), block.data());
}

void Writer::write_diagnostics(const Diagnostics& d) { RunFile::write_diagnostics(diagnostic_row(d)); }

std::string Writer::xdmf(const std::string& file_name, const std::vector<double>& times) const {
  return xdmf_text(file_name, times, cells_, dimension_, nodes_);
}

}  // namespace attnflow::continuum

#include "particles/particle_file.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "domain/domain.hpp"
#include "errors/errors.hpp"
#include "output/input_check.hpp"
#include "output/xdmf.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"

namespace attnflow::particles {

namespace fs = std::filesystem;
using output::Handle;

namespace {

// Chunk rows for /positions: about 64 Ki doubles (512 KiB) per chunk.
hsize_t chunk_rows(std::int64_t token_count, int dimension) {
  const std::int64_t rows = std::max<std::int64_t>(1, 65536 / dimension);
  return hsize_t(std::min(rows, std::max<std::int64_t>(token_count, 1)));
}

output::RunFileLayout layout(int dimension, std::int64_t token_count,
                             std::vector<std::string> columns,
                             std::vector<output::Attribute> metadata, const std::string& time_units,
                             bool cluster_labels) {
  errors::ensure(dimension >= 2 && token_count >= 1,
                 "particles::RunWriter: needs dimension >= 2 and at least one token");
  output::RunFileLayout l;
  l.format = particle_format;
  l.attributes = {{"dimension", std::int64_t(dimension)}, {"token_count", token_count}};
  l.attributes.insert(l.attributes.end(), metadata.begin(), metadata.end());
  const hsize_t d = hsize_t(dimension), n = hsize_t(token_count);
  const auto shown = hsize_t(domain::make_domain(dimension)->shown_coordinates());
  l.snapshot_datasets = {{"positions", H5T_NATIVE_DOUBLE, {n, d},
                          {1, chunk_rows(token_count, dimension), d}, "1", true, shown}};
  if (cluster_labels)
    l.snapshot_datasets.push_back({"cluster_label", H5T_NATIVE_INT32, {n},
                                   {1, chunk_rows(token_count, 1)}, "", true, 0});
  l.columns = std::move(columns);
  l.time_units = time_units;
  // Every particle diagnostic is a pure number but the time.
  for (const auto& column : l.columns) l.column_units.push_back(column == "time" ? time_units : "1");
  return l;
}

}  // namespace

RunWriter::RunWriter(const std::string& path, MPI_Comm comm, int dimension,
                     std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                     const std::string& resolved_input_ini,
                     const std::vector<output::Attribute>& metadata, bool overwrite,
                     const std::string& time_units, bool cluster_labels)
    : RunFile(path, comm,
              layout(dimension, token_count, std::move(diagnostic_columns), metadata, time_units,
                     cluster_labels),
              resolved_input_ini, overwrite),
      dimension_(dimension),
      token_count_(token_count),
      cluster_labels_(cluster_labels) {
  write_token_index();
}

RunWriter::RunWriter(Resumed, const std::string& path, MPI_Comm comm, int dimension,
                     std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                     output::ResumeCounts counts, bool cluster_labels)
    : RunFile(path, comm,
              layout(dimension, token_count, std::move(diagnostic_columns), {}, "1",
                     cluster_labels),
              counts,
              [&](hid_t file) -> std::string {
                std::int64_t stored_dimension = 0, stored_count = 0;
                if (!output::read_attribute(file, "dimension", stored_dimension) ||
                    !output::read_attribute(file, "token_count", stored_count))
                  return "no dimension or token_count attribute";
                if (stored_dimension != dimension || stored_count != token_count)
                  return "it holds " + std::to_string(stored_count) + " tokens in dimension " +
                         std::to_string(stored_dimension) + ", the run has " +
                         std::to_string(token_count) + " in dimension " + std::to_string(dimension);
                return {};
              }),
      dimension_(dimension),
      token_count_(token_count),
      cluster_labels_(cluster_labels) {
  // A partial file written before /token_index existed gets it now (the XDMF needs it).
  if (H5Lexists(file(), "token_index", H5P_DEFAULT) <= 0) write_token_index();
}

RunWriter RunWriter::resume(const std::string& path, MPI_Comm comm, int dimension,
                            std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                            std::int64_t snapshot_count, std::int64_t diagnostic_count,
                            bool cluster_labels) {
  return RunWriter(Resumed{}, path, comm, dimension, token_count, std::move(diagnostic_columns),
                   {snapshot_count, diagnostic_count}, cluster_labels);
}

void RunWriter::write_token_index() {
  const auto partition = parallel::block_partition(token_count_, comm());
  std::vector<std::int64_t> index(std::size_t(partition.count));
  for (std::int64_t i = 0; i < partition.count; ++i) index[std::size_t(i)] = partition.first + i;
  output::write_rows(file(), "token_index", H5T_NATIVE_INT64, token_count_, {}, partition.first,
                     partition.count, index.data());
}

void RunWriter::write_snapshot(const State& state, const std::vector<std::int32_t>* labels) {
  errors::ensure(state.dimension == dimension_ && state.partition.global_count == token_count_,
                 "particles::RunWriter::write_snapshot: state does not match the output file");
  errors::ensure(!cluster_labels_ || (labels && std::int64_t(labels->size()) == state.partition.count),
                 "particles::RunWriter::write_snapshot: the file holds cluster labels; give this "
                 "rank's block of them");
  const std::int64_t record = begin_snapshot(state.time, state.step);
  output::write_record(dataset("positions"), H5T_NATIVE_DOUBLE, hsize_t(record),
                       state.partition.first, state.partition.count, state.positions.data());
  if (cluster_labels_)
    output::write_record(dataset("cluster_label"), H5T_NATIVE_INT32, hsize_t(record),
                         state.partition.first, state.partition.count, labels->data());
}

std::string RunWriter::xdmf(const std::string& h5_name, const std::vector<double>& times) const {
  // ParaView takes XY or XYZ geometry: d = 2 uses both coordinates, d >= 3 the first three
  // (the views hold just those). Every DataItem is a whole dataset (output/xdmf.hpp).
  const auto domain = domain::make_domain(dimension_);
  const int shown = domain->shown_coordinates();
  const std::int64_t n = token_count_;
  using output::XdmfNumber;
  const std::string index = output::xdmf_hdf5_item(h5_name, "/token_index", {n}, XdmfNumber::int64);
  return output::xdmf_temporal_collection("tokens", times, [&](std::size_t s) {
    std::ostringstream x;
    x << "    <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"" << n
      << "\" NodesPerElement=\"1\">\n     " << index << "\n    </Topology>\n"
      << "    <Geometry GeometryType=\"" << domain->xdmf_geometry() << "\">\n     "
      << output::xdmf_hdf5_item(h5_name, output::record_view_path("positions", std::int64_t(s)),
                                {n, shown}, XdmfNumber::float64)
      << "\n    </Geometry>\n"
      << "    <Attribute Name=\"token_index\" AttributeType=\"Scalar\" Center=\"Node\">\n     "
      << index << "\n    </Attribute>\n";
    if (cluster_labels_)
      x << "    <Attribute Name=\"cluster_label\" AttributeType=\"Scalar\" Center=\"Node\">\n     "
        << output::xdmf_hdf5_item(h5_name,
                                  output::record_view_path("cluster_label", std::int64_t(s)), {n},
                                  XdmfNumber::int32)
        << "\n    </Attribute>\n";
    return x.str();
  });
}

ParticleFile::ParticleFile(const std::string& path, MPI_Comm comm, const std::string& role)
    : path_(path), what_(role + " '" + path + "'"), comm_(comm) {
  output::silence_hdf5_errors();
  parallel::require_on_root(comm, [&]() -> std::string {
    if (!fs::is_regular_file(path)) return what_ + " does not exist or is not a regular file";
    return {};
  });
  output::require_readable(path, comm);
  parallel::require_on_root(comm, [&]() -> std::string {
    if (H5Fis_hdf5(path.c_str()) <= 0) return what_ + " is not an HDF5 file";
    return {};
  });
  file_ = output::open_file(path, comm, false);
  errors::require(output::all_true(file_.valid(), comm), what_ + " cannot be opened by HDF5");
  std::int64_t dimension = 0;
  const bool ours = output::read_string_attribute(file_, "format") == particle_format &&
                    output::read_attribute(file_, "dimension", dimension) &&
                    output::read_attribute(file_, "token_count", token_count_) &&
                    H5Lexists(file_, "positions", H5P_DEFAULT) > 0 &&
                    H5Lexists(file_, "time", H5P_DEFAULT) > 0 &&
                    H5Lexists(file_, "step", H5P_DEFAULT) > 0;
  errors::require(output::all_true(ours, comm), what_ + " is not an attnflow particle output file "
                                                "(no '" + std::string(particle_format) + "' format)");
  dimension_ = int(dimension);
  Handle positions(H5Dopen2(file_, "positions", H5P_DEFAULT));
  errors::require(positions.valid(), what_ + " is damaged: /positions cannot be opened");
  output::require_type_class(positions, H5T_FLOAT, what_, "positions");
  const auto extent = output::dataset_extent(positions);
  std::string shape;
  for (std::size_t k = 0; k < extent.size(); ++k)
    shape += (k ? " x " : "") + std::to_string(extent[k]);
  errors::require(dimension_ >= 2 && token_count_ >= 1 && extent.size() == 3 &&
                      std::int64_t(extent[1]) == token_count_ &&
                      std::int64_t(extent[2]) == dimension_,
                  what_ + " has /positions of shape " + (shape.empty() ? "()" : shape) +
                      "; accepted: snapshots x " + std::to_string(token_count_) + " x " +
                      std::to_string(dimension_) + " (the token_count and dimension attributes)");
  {
    Handle time(H5Dopen2(file_, "time", H5P_DEFAULT));
    errors::require(time.valid(), what_ + " is damaged: /time cannot be opened");
    output::require_type_class(time, H5T_FLOAT, what_, "time");
  }
  times_ = output::read_series(file_, "time", path);
  output::require_finite_rows(times_, 1, 0, MPI_COMM_SELF, what_, "/time");
  {
    Handle step(H5Dopen2(file_, "step", H5P_DEFAULT));
    errors::require(step.valid(), what_ + " is damaged: /step cannot be opened");
    output::require_type_class(step, H5T_INTEGER, what_, "step");
    steps_.resize(times_.size());
    errors::require(step.valid() && output::dataset_extent(step) ==
                                        std::vector<hsize_t>{hsize_t(times_.size())},
                    what_ + ": /step does not match /time");
    if (!steps_.empty())
      errors::require(H5Dread(step, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                              steps_.data()) >= 0,
                      what_ + " is damaged: /step cannot be read");
  }
  errors::require(std::int64_t(extent[0]) == snapshot_count(),
                  what_ + ": /positions and /time hold different numbers of snapshots");
  errors::require(snapshot_count() > 0, what_ + " holds no snapshots");
}

std::int64_t ParticleFile::snapshot(std::int64_t index) const {
  const std::int64_t snapshots = snapshot_count();
  const std::int64_t resolved = index < 0 ? snapshots + index : index;
  errors::require(resolved >= 0 && resolved < snapshots,
                  what_ + ": snapshot " + std::to_string(index) + " does not exist; it holds " +
                      std::to_string(snapshots) + " (0.." + std::to_string(snapshots - 1) +
                      ", or -1 for the last)");
  return resolved;
}

State ParticleFile::read_state(std::int64_t index) const {
  const std::int64_t snapshot_index = snapshot(index);
  State state;
  state.dimension = dimension_;
  state.comm = comm_;
  state.partition = parallel::block_partition(token_count_, comm_);
  state.positions.resize(state.partition.count * dimension_);
  Handle positions(H5Dopen2(file_, "positions", H5P_DEFAULT));
  errors::require(output::all_true(output::read_row_block(positions, snapshot_index,
                                                          state.partition.first,
                                                          state.partition.count, dimension_,
                                                          state.positions),
                                   comm_),
                  what_ + " is damaged: reading snapshot " + std::to_string(snapshot_index) +
                      " failed");
  output::require_unit_rows(state.positions, dimension_, state.partition.first, comm_, what_,
                            "/positions snapshot " + std::to_string(snapshot_index));
  state.time = times_[snapshot_index];
  state.step = steps_[snapshot_index];
  return state;
}

std::vector<double> ParticleFile::read_positions(std::int64_t index) const {
  const std::int64_t snapshot_index = snapshot(index);
  std::vector<double> positions(std::size_t(token_count_ * dimension_));
  Handle dataset(H5Dopen2(file_, "positions", H5P_DEFAULT));
  errors::require(output::read_row_block(dataset, snapshot_index, 0, token_count_, dimension_,
                                         positions),
                  what_ + " is damaged: reading snapshot " + std::to_string(snapshot_index) +
                      " failed");
  output::require_unit_rows(positions, dimension_, 0, MPI_COMM_SELF, what_,
                            "/positions snapshot " + std::to_string(snapshot_index));
  return positions;
}

output::DiagnosticsTable ParticleFile::diagnostics() const {
  return output::read_diagnostics(file_, path_);
}

State read_snapshot(const std::string& path, MPI_Comm comm, int expected_dimension,
                    std::int64_t snapshot_index) {
  const ParticleFile file(path, comm, "initial-state file");
  errors::require(file.dimension() == expected_dimension,
                  "initial-state file '" + path + "' has dimension " +
                      std::to_string(file.dimension()) + ", the run has " +
                      std::to_string(expected_dimension));
  return file.read_state(snapshot_index);
}

}  // namespace attnflow::particles

#include "output/run_writer.hpp"

#include <filesystem>
#include <sstream>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"
#include "version/version.hpp"

namespace attnflow::output {

namespace fs = std::filesystem;

namespace {

// Chunk rows for /positions: about 64 Ki doubles (512 KiB) per chunk.
hsize_t chunk_rows(std::int64_t token_count, int dimension) {
  const std::int64_t rows = std::max<std::int64_t>(1, 65536 / dimension);
  return hsize_t(std::min(rows, std::max<std::int64_t>(token_count, 1)));
}

}  // namespace

RunWriter::RunWriter(const std::string& path, MPI_Comm comm, int dimension,
                     std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                     const std::string& resolved_input_ini,
                     const std::vector<std::pair<std::string, std::string>>& metadata,
                     bool overwrite)
    : path_(path),
      comm_(comm),
      dimension_(dimension),
      token_count_(token_count),
      columns_(std::move(diagnostic_columns)) {
  check_output_path(path, comm, overwrite);
  errors::require(dimension >= 2 && token_count >= 1 && !columns_.empty(),
                  "RunWriter: need dimension >= 2, at least one token and one diagnostic column");
  file_ = create_file(partial_path(), comm);
  write_string_attribute(file_, "format", particle_format);
  write_string_attribute(file_, "version", version::number());
  write_string_attribute(file_, "git_revision", version::git_revision());
  write_attribute(file_, "dimension", std::int64_t(dimension));
  write_attribute(file_, "token_count", token_count);
  for (const auto& [key, value] : metadata) write_string_attribute(file_, key, value);
  write_input(file_, resolved_input_ini);
  const hsize_t d = hsize_t(dimension), n = hsize_t(token_count), c = hsize_t(columns_.size());
  positions_ = create_extendable(file_, "positions", H5T_NATIVE_DOUBLE, {n, d},
                                 {1, chunk_rows(token_count, dimension), d});
  time_ = create_extendable(file_, "time", H5T_NATIVE_DOUBLE, {}, {1024});
  step_ = create_extendable(file_, "step", H5T_NATIVE_INT64, {}, {1024});
  diagnostics_table_ = create_extendable(file_, "diagnostics", H5T_NATIVE_DOUBLE, {c}, {256, c});
  write_string_list_attribute(diagnostics_table_, "columns", columns_);
}

RunWriter RunWriter::resume(const std::string& path, MPI_Comm comm, int dimension,
                            std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                            std::int64_t snapshot_count, std::int64_t diagnostic_count) {
  RunWriter w;
  w.path_ = path;
  w.comm_ = comm;
  w.dimension_ = dimension;
  w.token_count_ = token_count;
  w.columns_ = std::move(diagnostic_columns);
  w.file_ = reopen_partial(
      path, comm, particle_format,
      [&](hid_t file) -> std::string {
        std::int64_t stored_dimension = 0, stored_count = 0;
        if (!read_attribute(file, "dimension", stored_dimension) ||
            !read_attribute(file, "token_count", stored_count))
          return "no dimension or token_count attribute";
        if (stored_dimension != dimension || stored_count != token_count)
          return "it holds " + std::to_string(stored_count) + " tokens in dimension " +
                 std::to_string(stored_dimension) + ", the run has " + std::to_string(token_count) +
                 " in dimension " + std::to_string(dimension);
        if (H5Lexists(file, "diagnostics", H5P_DEFAULT) <= 0) return {};
        Handle table(H5Dopen2(file, "diagnostics", H5P_DEFAULT));
        const auto extent = table.valid() ? dataset_extent(table) : std::vector<hsize_t>{};
        if (extent.size() != 2 || extent[1] != w.columns_.size())
          return "it has a different set of diagnostic columns";
        return {};
      },
      {{"positions", snapshot_count},
       {"time", snapshot_count},
       {"step", snapshot_count},
       {"diagnostics", diagnostic_count}});
  w.open_datasets();
  w.snapshots_ = snapshot_count;
  w.diagnostics_ = diagnostic_count;
  return w;
}

void RunWriter::open_datasets() {
  positions_ = Handle(H5Dopen2(file_, "positions", H5P_DEFAULT));
  time_ = Handle(H5Dopen2(file_, "time", H5P_DEFAULT));
  step_ = Handle(H5Dopen2(file_, "step", H5P_DEFAULT));
  diagnostics_table_ = Handle(H5Dopen2(file_, "diagnostics", H5P_DEFAULT));
}

RunWriter::~RunWriter() = default;

void RunWriter::write_snapshot(const particles::State& state) {
  errors::require(state.dimension == dimension_ && state.partition.global_count == token_count_,
                  "RunWriter::write_snapshot: state does not match the output file");
  const hsize_t record = hsize_t(snapshots_);
  set_records(positions_, record + 1);
  set_records(time_, record + 1);
  set_records(step_, record + 1);
  write_record(positions_, H5T_NATIVE_DOUBLE, record, state.partition.first, state.partition.count,
               state.positions.data());
  const bool root = parallel::rank_of(comm_) == 0;
  write_record(time_, H5T_NATIVE_DOUBLE, record, 0, root ? 1 : 0, &state.time);
  write_record(step_, H5T_NATIVE_INT64, record, 0, root ? 1 : 0, &state.step);
  ++snapshots_;
}

void RunWriter::write_diagnostics(const std::vector<double>& row) {
  errors::require(row.size() == columns_.size(),
                  "RunWriter::write_diagnostics: row has " + std::to_string(row.size()) +
                      " values, the table " + std::to_string(columns_.size()) + " columns");
  const hsize_t record = hsize_t(diagnostics_);
  set_records(diagnostics_table_, record + 1);
  const bool root = parallel::rank_of(comm_) == 0;
  write_record(diagnostics_table_, H5T_NATIVE_DOUBLE, record, 0,
               root ? std::int64_t(columns_.size()) : 0, row.data());
  ++diagnostics_;
}

void RunWriter::flush() { check_hdf5(H5Fflush(file_, H5F_SCOPE_GLOBAL), "H5Fflush"); }

namespace {

std::string xdmf_text(const std::string& h5_name, const std::vector<double>& times,
                      std::int64_t token_count, int dimension) {
  // ParaView takes XY or XYZ geometry: d = 2 uses both coordinates, d >= 3 the first three.
  const int shown = std::min(dimension, 3);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<Xdmf Version=\"3.0\">\n <Domain>\n"
    << "  <Grid Name=\"tokens\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (std::size_t s = 0; s < times.size(); ++s) {
    x << "   <Grid Name=\"snapshot_" << s << "\" GridType=\"Uniform\">\n"
      << "    <Time Value=\"" << text::format_number(times[s]) << "\"/>\n"
      << "    <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"" << token_count
      << "\" NodesPerElement=\"1\"/>\n"
      << "    <Geometry GeometryType=\"" << (shown == 2 ? "XY" : "XYZ") << "\">\n"
      << "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"" << token_count << " " << shown
      << "\" Type=\"HyperSlab\">\n"
      << "      <DataItem Dimensions=\"3 3\" Format=\"XML\">" << s << " 0 0 1 1 1 1 " << token_count
      << " " << shown << "</DataItem>\n"
      << "      <DataItem Dimensions=\"" << times.size() << " " << token_count << " " << dimension
      << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5_name
      << ":/positions</DataItem>\n"
      << "     </DataItem>\n    </Geometry>\n   </Grid>\n";
  }
  x << "  </Grid>\n </Domain>\n</Xdmf>\n";
  return x.str();
}

}  // namespace

void RunWriter::finish() {
  if (finished_) return;
  flush();
  diagnostics_table_.close();
  step_.close();
  time_.close();
  positions_.close();
  file_.close();
  publish(path_, comm_, columns_, [&](const std::string& file_name, const std::vector<double>& times) {
    return xdmf_text(file_name, times, token_count_, dimension_);
  });
  finished_ = true;
}

particles::State read_snapshot(const std::string& path, MPI_Comm comm, int expected_dimension,
                               std::int64_t snapshot_index) {
  const std::string what = "initial-state file '" + path + "'";
  parallel::require_on_root(comm, [&]() -> std::string {
    if (!fs::is_regular_file(path)) return what + " does not exist or is not a regular file";
    if (H5Fis_hdf5(path.c_str()) <= 0) return what + " is not an HDF5 file";
    return {};
  });
  Handle file = open_file(path, comm, false);
  errors::require(file.valid(), what + " cannot be opened by HDF5");
  std::int64_t dimension = 0, token_count = 0;
  errors::require(read_string_attribute(file, "format") == particle_format &&
                      read_attribute(file, "dimension", dimension) &&
                      read_attribute(file, "token_count", token_count) &&
                      H5Lexists(file, "positions", H5P_DEFAULT) > 0,
                  what + " is not an attnflow particle output file (no '" + particle_format + "' format)");
  errors::require(dimension == expected_dimension,
                  what + " has dimension " + std::to_string(dimension) + ", the run has " +
                      std::to_string(expected_dimension));
  Handle positions(check_hdf5(H5Dopen2(file, "positions", H5P_DEFAULT), "H5Dopen2(positions)"));
  const auto extent = dataset_extent(positions);
  errors::require(extent.size() == 3 && std::int64_t(extent[1]) == token_count &&
                      std::int64_t(extent[2]) == dimension,
                  what + " has a /positions dataset of the wrong shape");
  const std::int64_t snapshots = std::int64_t(extent[0]);
  errors::require(snapshots > 0, what + " holds no snapshots");
  const std::int64_t index = snapshot_index < 0 ? snapshots + snapshot_index : snapshot_index;
  errors::require(index >= 0 && index < snapshots,
                  what + ": snapshot " + std::to_string(snapshot_index) + " does not exist; it holds " +
                      std::to_string(snapshots) + " (0.." + std::to_string(snapshots - 1) +
                      ", or -1 for the last)");
  particles::State state;
  state.dimension = int(dimension);
  state.comm = comm;
  state.partition = parallel::block_partition(token_count, comm);
  state.positions.resize(state.partition.count * dimension);
  errors::require(all_true(read_row_block(positions, index, state.partition.first,
                                           state.partition.count, int(dimension), state.positions),
                           comm),
                  what + " is damaged: reading snapshot " + std::to_string(index) + " failed");
  // The time and step of the snapshot: every rank reads the same single element.
  Handle time(check_hdf5(H5Dopen2(file, "time", H5P_DEFAULT), "H5Dopen2(time)"));
  Handle step(check_hdf5(H5Dopen2(file, "step", H5P_DEFAULT), "H5Dopen2(step)"));
  for (hid_t dataset : {hid_t(time), hid_t(step)}) {
    Handle space(check_hdf5(H5Dget_space(dataset), "H5Dget_space"));
    const hsize_t start[1] = {hsize_t(index)}, count[1] = {1};
    check_hdf5(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr),
               "H5Sselect_hyperslab");
    Handle memory(check_hdf5(H5Screate_simple(1, count, nullptr), "H5Screate_simple"));
    Handle dxpl = collective_transfer();
    if (dataset == hid_t(time))
      check_hdf5(H5Dread(dataset, H5T_NATIVE_DOUBLE, memory, space, dxpl, &state.time), "H5Dread(time)");
    else
      check_hdf5(H5Dread(dataset, H5T_NATIVE_INT64, memory, space, dxpl, &state.step), "H5Dread(step)");
  }
  return state;
}

}  // namespace attnflow::output

#include "output/run_writer.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/error.hpp"
#include "parallel/partition.hpp"

#ifndef ATTNFLOW_VERSION
#define ATTNFLOW_VERSION "unknown"
#endif
#ifndef ATTNFLOW_GIT_REVISION
#define ATTNFLOW_GIT_REVISION "unknown"
#endif

namespace attnflow::output {

namespace fs = std::filesystem;
using parallel::check_mpi;

namespace {

// Runs `check` on rank 0 and throws its message (if any) as InputError on every rank.
template <class Check>
void collective_require(MPI_Comm comm, Check check) {
  std::string message;
  if (parallel::rank_of(comm) == 0) message = check();
  int length = static_cast<int>(message.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast(error length)");
  message.resize(length);
  check_mpi(MPI_Bcast(message.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast(error)");
  if (length > 0) throw config::InputError(message);
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// Chunk rows for /positions: about 64 Ki doubles (512 KiB) per chunk.
hsize_t chunk_rows(std::int64_t token_count, int dimension) {
  const std::int64_t rows = std::max<std::int64_t>(1, 65536 / dimension);
  return hsize_t(std::min(rows, std::max<std::int64_t>(token_count, 1)));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ini_pairs(const std::string& ini) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::istringstream in(ini);
  std::string line;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';' || t[0] == '[') continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    pairs.emplace_back(trim(t.substr(0, eq)), trim(t.substr(eq + 1)));
  }
  return pairs;
}

void check_output_path(const std::string& path, MPI_Comm comm, bool overwrite,
                       const std::string& option_name) {
  collective_require(comm, [&]() -> std::string {
    const fs::path file(path);
    std::error_code error;
    if (fs::exists(file, error) && !overwrite)
      return "--" + option_name + ": output file '" + path +
             "' exists; remove it, choose another name or pass --overwrite";
    if (fs::exists(path + ".partial", error) && !overwrite)
      return "--" + option_name + ": '" + path + ".partial' of an interrupted run exists; restart "
             "from its checkpoint, remove it, or pass --overwrite";
    if (fs::is_directory(file, error))
      return "--" + option_name + ": '" + path + "' is a directory; give a file name such as run.h5";
    const fs::path directory = file.has_parent_path() ? file.parent_path() : fs::path(".");
    if (!fs::is_directory(directory, error))
      return "--" + option_name + ": directory '" + directory.string() + "' of '" + path +
             "' does not exist; create it first";
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
      return "--" + option_name + ": directory '" + directory.string() + "' of '" + path +
             "' is not writable";
    return {};
  });
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write '" + temporary + "'");
  }
  fs::rename(temporary, path);
}

std::string RunWriter::sidecar_path(const std::string& path, const std::string& extension) {
  fs::path p(path);
  p.replace_extension(extension);
  return p.string();
}

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
  config::require(dimension >= 2 && token_count >= 1 && !columns_.empty(),
                  "RunWriter: need dimension >= 2, at least one token and one diagnostic column");
  file_ = create_file(partial_path(), comm);
  write_string_attribute(file_, "format", particle_format);
  write_string_attribute(file_, "version", ATTNFLOW_VERSION);
  write_string_attribute(file_, "git_revision", ATTNFLOW_GIT_REVISION);
  write_attribute(file_, "dimension", std::int64_t(dimension));
  write_attribute(file_, "token_count", token_count);
  for (const auto& [key, value] : metadata) write_string_attribute(file_, key, value);
  write_string_dataset(file_, "input", resolved_input_ini);
  {
    Handle input(check_hdf5(H5Dopen2(file_, "input", H5P_DEFAULT), "H5Dopen2(input)"));
    for (const auto& [key, value] : ini_pairs(resolved_input_ini))
      write_string_attribute(input, key, value);
  }
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
  const std::string partial = w.partial_path();
  collective_require(comm, [&]() -> std::string {
    if (!fs::exists(partial))
      return "restart: the run's partial output '" + partial +
             "' is missing (finished, moved or never started); cannot append to it";
    return {};
  });
  w.file_ = open_file(partial, comm, true);
  config::require(w.file_.valid(), "restart: cannot open '" + partial + "' as HDF5 for writing");
  std::int64_t stored_dimension = 0, stored_count = 0;
  config::require(read_string_attribute(w.file_, "format") == particle_format &&
                      read_attribute(w.file_, "dimension", stored_dimension) &&
                      read_attribute(w.file_, "token_count", stored_count),
                  "restart: '" + partial + "' is not an attnflow particle output file");
  config::require(stored_dimension == dimension && stored_count == token_count,
                  "restart: '" + partial + "' holds " + std::to_string(stored_count) +
                      " tokens in dimension " + std::to_string(stored_dimension) + ", the run has " +
                      std::to_string(token_count) + " in dimension " + std::to_string(dimension));
  w.open_datasets();
  config::require(w.positions_.valid() && w.time_.valid() && w.step_.valid() &&
                      w.diagnostics_table_.valid(),
                  "restart: '" + partial + "' lacks a dataset (positions, time, step, diagnostics)");
  const auto positions_extent = dataset_extent(w.positions_);
  const auto diagnostics_extent = dataset_extent(w.diagnostics_table_);
  config::require(diagnostics_extent.size() == 2 && diagnostics_extent[1] == w.columns_.size(),
                  "restart: '" + partial + "' has a different set of diagnostic columns");
  config::require(std::int64_t(positions_extent[0]) >= snapshot_count &&
                      std::int64_t(diagnostics_extent[0]) >= diagnostic_count,
                  "restart: '" + partial + "' holds " + std::to_string(positions_extent[0]) +
                      " snapshots and " + std::to_string(diagnostics_extent[0]) +
                      " diagnostic rows, fewer than the checkpoint's " +
                      std::to_string(snapshot_count) + " and " + std::to_string(diagnostic_count));
  // Rows written after the checkpoint belong to the lost part of the run: drop them.
  set_records(w.positions_, snapshot_count);
  set_records(w.time_, snapshot_count);
  set_records(w.step_, snapshot_count);
  set_records(w.diagnostics_table_, diagnostic_count);
  w.snapshots_ = snapshot_count;
  w.diagnostics_ = diagnostic_count;
  // HDF5 1.10.8 (parallel) silently drops writes into a dataset that was shrunk by H5Dset_extent
  // in the same open; closing and reopening the file after the truncation avoids it.
  w.diagnostics_table_.close();
  w.step_.close();
  w.time_.close();
  w.positions_.close();
  w.file_.close();
  w.file_ = open_file(partial, comm, true);
  config::require(w.file_.valid(), "restart: cannot reopen '" + partial + "' after truncating it");
  w.open_datasets();
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
  config::require(state.dimension == dimension_ && state.partition.global_count == token_count_,
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
  config::require(row.size() == columns_.size(),
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
      << "    <Time Value=\"" << format_number(times[s]) << "\"/>\n"
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

// Reads a whole 1-D or 2-D double dataset serially (rank 0, file opened without MPI-IO).
std::vector<double> read_all(hid_t file, const char* name, std::vector<hsize_t>& extent) {
  Handle dataset(check_hdf5(H5Dopen2(file, name, H5P_DEFAULT), name));
  extent = dataset_extent(dataset);
  std::size_t total = 1;
  for (hsize_t e : extent) total *= e;
  std::vector<double> values(total);
  if (total > 0)
    check_hdf5(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
               name);
  return values;
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
  const int rank = parallel::rank_of(comm_);
  if (rank == 0) {
    fs::rename(partial_path(), path_);
    Handle file(check_hdf5(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen(final)"));
    std::vector<hsize_t> time_extent, table_extent;
    const auto times = read_all(file, "time", time_extent);
    const auto table = read_all(file, "diagnostics", table_extent);
    const std::string input = read_string_dataset(file, "input");
    write_text_atomically(sidecar_path(path_, ".xdmf"),
                          xdmf_text(fs::path(path_).filename().string(), times, token_count_, dimension_));
    std::ostringstream csv;
    std::istringstream lines(input);
    std::string line;
    while (std::getline(lines, line)) csv << (line.rfind('#', 0) == 0 ? "" : "# ") << line << "\n";
    for (std::size_t c = 0; c < columns_.size(); ++c) csv << (c ? "," : "") << columns_[c];
    csv << "\n";
    const std::size_t columns = table_extent.size() == 2 ? table_extent[1] : 0;
    for (std::size_t r = 0; columns > 0 && r < table_extent[0]; ++r) {
      for (std::size_t c = 0; c < columns; ++c) csv << (c ? "," : "") << format_number(table[r * columns + c]);
      csv << "\n";
    }
    write_text_atomically(sidecar_path(path_, ".csv"), csv.str());
  }
  check_mpi(MPI_Barrier(comm_), "MPI_Barrier(finish)");
  finished_ = true;
}

particles::State read_snapshot(const std::string& path, MPI_Comm comm, int expected_dimension,
                               std::int64_t snapshot_index) {
  const std::string what = "initial-state file '" + path + "'";
  collective_require(comm, [&]() -> std::string {
    if (!fs::is_regular_file(path)) return what + " does not exist or is not a regular file";
    if (H5Fis_hdf5(path.c_str()) <= 0) return what + " is not an HDF5 file";
    return {};
  });
  Handle file = open_file(path, comm, false);
  config::require(file.valid(), what + " cannot be opened by HDF5");
  std::int64_t dimension = 0, token_count = 0;
  config::require(read_string_attribute(file, "format") == particle_format &&
                      read_attribute(file, "dimension", dimension) &&
                      read_attribute(file, "token_count", token_count) &&
                      H5Lexists(file, "positions", H5P_DEFAULT) > 0,
                  what + " is not an attnflow particle output file (no '" + particle_format + "' format)");
  config::require(dimension == expected_dimension,
                  what + " has dimension " + std::to_string(dimension) + ", the run has " +
                      std::to_string(expected_dimension));
  Handle positions(check_hdf5(H5Dopen2(file, "positions", H5P_DEFAULT), "H5Dopen2(positions)"));
  const auto extent = dataset_extent(positions);
  config::require(extent.size() == 3 && std::int64_t(extent[1]) == token_count &&
                      std::int64_t(extent[2]) == dimension,
                  what + " has a /positions dataset of the wrong shape");
  const std::int64_t snapshots = std::int64_t(extent[0]);
  config::require(snapshots > 0, what + " holds no snapshots");
  const std::int64_t index = snapshot_index < 0 ? snapshots + snapshot_index : snapshot_index;
  config::require(index >= 0 && index < snapshots,
                  what + ": snapshot " + std::to_string(snapshot_index) + " does not exist; it holds " +
                      std::to_string(snapshots) + " (0.." + std::to_string(snapshots - 1) +
                      ", or -1 for the last)");
  particles::State state;
  state.dimension = int(dimension);
  state.comm = comm;
  state.partition = parallel::block_partition(token_count, comm);
  state.positions.resize(state.partition.count * dimension);
  config::require(all_true(read_row_block(positions, index, state.partition.first,
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

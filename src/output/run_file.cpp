#include "output/run_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "errors/errors.hpp"
#include "output/xdmf.hpp"
#include "parallel/failure.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"
#include "text/csv.hpp"
#include "text/output_path.hpp"
#include "text/text_file.hpp"
#include "version/version.hpp"

namespace attnflow::output {

namespace fs = std::filesystem;
using parallel::check_mpi;

namespace {

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
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
                       const std::string& option_name, const std::vector<std::string>& inputs) {
  parallel::require_on_root(comm, [&]() -> std::string {
    text::OutputFiles files{path, {}, {partial_path(path)}};
    files.companions.push_back(partial_path(path));
    files.companions.push_back(text::input_sidecar_path(path));
    files.temporaries.push_back(text::input_sidecar_path(path));
    for (const char* extension : sidecar_extensions()) {
      files.companions.push_back(sidecar_path(path, extension));
      files.temporaries.push_back(sidecar_path(path, extension));
    }
    return text::output_problem(files, overwrite, option_name, inputs);
  });
}

void check_table_path(const std::string& path, MPI_Comm comm, bool overwrite,
                      const std::string& option_name, const std::vector<std::string>& inputs) {
  parallel::require_on_root(comm, [&]() -> std::string {
    return text::output_problem(text::table_output(path), overwrite, option_name, inputs);
  });
}

std::vector<const char*> sidecar_extensions() { return {".xdmf", ".csv"}; }

std::string partial_path(const std::string& path) { return path + ".partial"; }

std::string sidecar_path(const std::string& path, const std::string& extension) {
  fs::path p(path);
  p.replace_extension(extension);
  return p.string();
}

std::string time_units(double log_time_scale) {
  return log_time_scale == 0 ? "t" : "rescaled t' = e^s t with s = log_time_scale";
}

void check_xdmf_file_name(const std::string& path, MPI_Comm comm, const std::string& option_name) {
  parallel::require_on_root(comm, [&]() -> std::string {
    const std::string name = fs::path(path).filename().string();
    if (name.find_first_of(":|") == std::string::npos) return {};
    return "--" + option_name + ": the file name '" + name + "' contains '" +
           name.substr(name.find_first_of(":|"), 1) +
           "', which XDMF readers (ParaView) take as a separator in file:/dataset references; "
           "choose a name without ':' and '|'";
  });
}

void write_input(hid_t file, const std::string& resolved_input_ini) {
  write_string_dataset(file, "input", resolved_input_ini);
  Handle input(check_hdf5(H5Dopen2(file, "input", H5P_DEFAULT), "H5Dopen2(input)"));
  for (const auto& [key, value] : ini_pairs(resolved_input_ini))
    write_string_attribute(input, key, value);
}

namespace {

Handle reopen_partial(const std::string& path, MPI_Comm comm, const std::string& format,
                      const std::function<std::string(hid_t file)>& check,
                      const std::vector<std::pair<std::string, std::int64_t>>& records) {
  const std::string partial = partial_path(path);
  const std::string what = "restart: the run's partial output '" + partial + "'";
  parallel::require_on_root(comm, [&]() -> std::string {
    if (!fs::exists(partial))
      return what + " is missing (finished, moved or never started); cannot append to it";
    if (H5Fis_hdf5(partial.c_str()) <= 0) return what + " is not an HDF5 file (damaged?)";
    return {};
  });
  // Every rank reads the same attributes of the same file: the checks below agree on all ranks.
  Handle file = open_file(partial, comm, true);
  errors::require(all_true(file.valid(), comm), what + " cannot be opened by HDF5 for writing");
  errors::require(read_string_attribute(file, "format") == format,
                  what + " is not an output file of this kind (format '" + format + "')");
  const std::string problem = check(file);
  errors::require(problem.empty(), what + ": " + problem);
  // Check every dataset before truncating any, so that a refused restart changes nothing.
  std::vector<Handle> datasets;
  for (const auto& [name, count] : records) {
    errors::require(H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0,
                    what + " lacks the dataset /" + name);
    datasets.emplace_back(check_hdf5(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "H5Dopen2(record)"));
    const auto extent = dataset_extent(datasets.back());
    errors::require(!extent.empty() && std::int64_t(extent[0]) >= count,
                    what + " holds " + std::to_string(extent.empty() ? 0 : extent[0]) +
                        " records of /" + name + ", fewer than the checkpoint's " +
                        std::to_string(count));
  }
  for (std::size_t k = 0; k < records.size(); ++k) set_records(datasets[k], hsize_t(records[k].second));
  datasets.clear();
  // HDF5 1.10.8 (parallel) silently drops writes into a dataset that was shrunk by H5Dset_extent
  // in the same open; closing and reopening the file after the truncation avoids it.
  file.close();
  file = open_file(partial, comm, true);
  errors::require(all_true(file.valid(), comm), what + " cannot be reopened after truncating it");
  return file;
}


// Reads a whole double dataset on this process (the file may be open over any communicator;
// the read is independent).
std::vector<double> read_whole(hid_t file, const std::string& name, const std::string& path,
                               std::vector<hsize_t>& extent) {
  Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT));
  errors::require(dataset.valid(), "file '" + path + "' has no dataset /" + name);
  extent = dataset_extent(dataset);
  std::size_t total = 1;
  for (hsize_t e : extent) total *= e;
  std::vector<double> values(total);
  if (total > 0)
    errors::require(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            values.data()) >= 0,
                    "file '" + path + "': cannot read /" + name + " (damaged file?)");
  return values;
}

}  // namespace

RunFile::RunFile(const std::string& path, MPI_Comm comm, RunFileLayout layout,
                 const std::string& resolved_input_ini, bool overwrite)
    : path_(path), comm_(comm), layout_(std::move(layout)) {
  check_output_path(path, comm, overwrite);
  check_xdmf_file_name(path, comm);
  errors::ensure(!layout_.columns.empty(), "RunFile: a diagnostics table needs a column");
  errors::ensure(layout_.column_units.size() == layout_.columns.size(),
                 "RunFile: one unit per diagnostics column");
  file_ = create_file(partial_path(), comm);
  write_string_attribute(file_, "format", layout_.format);
  write_string_attribute(file_, "version", version::number());
  write_string_attribute(file_, "git_revision", version::git_revision());
  write_attributes(file_, layout_.attributes);
  write_input(file_, resolved_input_ini);
  for (const auto& d : layout_.snapshot_datasets) {
    std::vector<hsize_t> chunk = d.chunk;
    if (chunk.empty()) {
      chunk = {1};
      chunk.insert(chunk.end(), d.record_shape.begin(), d.record_shape.end());
    }
    Handle dataset = create_extendable(file_, d.name, d.type, d.record_shape, chunk);
    if (!d.units.empty()) write_string_attribute(dataset, "units", d.units);
  }
  {
    Handle time = create_extendable(file_, "time", H5T_NATIVE_DOUBLE, {}, {1024});
    write_string_attribute(time, "units", layout_.time_units);
  }
  create_extendable(file_, "step", H5T_NATIVE_INT64, {}, {1024});
  const hsize_t c = hsize_t(layout_.columns.size());
  {
    Handle table = create_extendable(file_, "diagnostics", H5T_NATIVE_DOUBLE, {c}, {256, c});
    write_string_list_attribute(table, "columns", layout_.columns);
    write_string_list_attribute(table, "units", layout_.column_units);
  }
  open_datasets();
}

RunFile::RunFile(const std::string& path, MPI_Comm comm, RunFileLayout layout, ResumeCounts counts,
                 const std::function<std::string(hid_t file)>& check)
    : path_(path), comm_(comm), layout_(std::move(layout)) {
  std::vector<std::pair<std::string, std::int64_t>> records = {
      {"time", counts.snapshots}, {"step", counts.snapshots}, {"diagnostics", counts.diagnostics}};
  for (const auto& d : layout_.snapshot_datasets) records.emplace_back(d.name, counts.snapshots);
  const std::size_t width = layout_.columns.size();
  file_ = reopen_partial(
      path, comm, layout_.format,
      [&](hid_t file) -> std::string {
        if (H5Lexists(file, "diagnostics", H5P_DEFAULT) > 0) {
          Handle table(H5Dopen2(file, "diagnostics", H5P_DEFAULT));
          const auto extent = table.valid() ? dataset_extent(table) : std::vector<hsize_t>{};
          if (extent.size() != 2 || extent[1] != width)
            return "it has a different set of diagnostic columns";
        }
        return check ? check(file) : std::string();
      },
      records);
  snapshots_ = counts.snapshots;
  diagnostics_ = counts.diagnostics;
  open_datasets();
  times_ = read_series(file_, "time", partial_path());
  // The views of the records a restart dropped go; those of a file written before views existed
  // are made (the XDMF sidecar reads them).
  for (std::size_t k = 0; k < layout_.snapshot_datasets.size(); ++k) {
    if (!layout_.snapshot_datasets[k].viewed) continue;
    const std::string& name = layout_.snapshot_datasets[k].name;
    for (std::int64_t record = snapshots_; link_exists(file_, record_view_path(name, record));
         ++record)
      remove_link(file_, record_view_path(name, record));
    for (std::int64_t record = 0; record < snapshots_; ++record)
      if (!link_exists(file_, record_view_path(name, record))) create_view(k, hsize_t(record));
  }
}

RunFile::~RunFile() {
  // Closing a parallel HDF5 file is collective: a rank that failed alone leaves it open (the job
  // is being aborted) rather than wait for ranks that will never arrive.
  if (parallel::collective_cleanup_allowed()) return;
  for (auto& d : datasets_) d.release();
  table_.release();
  step_.release();
  time_.release();
  file_.release();
}

void RunFile::open_datasets() {
  time_ = Handle(check_hdf5(H5Dopen2(file_, "time", H5P_DEFAULT), "H5Dopen2(time)"));
  step_ = Handle(check_hdf5(H5Dopen2(file_, "step", H5P_DEFAULT), "H5Dopen2(step)"));
  table_ = Handle(check_hdf5(H5Dopen2(file_, "diagnostics", H5P_DEFAULT), "H5Dopen2(diagnostics)"));
  datasets_.clear();
  for (const auto& d : layout_.snapshot_datasets)
    datasets_.emplace_back(check_hdf5(H5Dopen2(file_, d.name.c_str(), H5P_DEFAULT), "H5Dopen2"));
}

void RunFile::create_view(std::size_t dataset, hsize_t record) {
  const RecordDataset& d = layout_.snapshot_datasets[dataset];
  const std::string view = record_view_path(d.name, std::int64_t(record));
  remove_link(file_, view);
  create_record_view(file_, view, datasets_[dataset], record, d.view_columns);
}

hid_t RunFile::dataset(const std::string& name) const {
  for (std::size_t k = 0; k < layout_.snapshot_datasets.size(); ++k)
    if (layout_.snapshot_datasets[k].name == name) return datasets_[k];
  throw errors::InternalError("RunFile: no snapshot dataset /" + name + " in the layout");
}

std::int64_t RunFile::begin_snapshot(double time, std::int64_t step) {
  const hsize_t record = hsize_t(snapshots_);
  set_records(time_, record + 1);
  set_records(step_, record + 1);
  for (const auto& d : datasets_) set_records(d, record + 1);
  const bool root = parallel::rank_of(comm_) == 0;
  write_record(time_, H5T_NATIVE_DOUBLE, record, 0, root ? 1 : 0, &time);
  write_record(step_, H5T_NATIVE_INT64, record, 0, root ? 1 : 0, &step);
  for (std::size_t k = 0; k < datasets_.size(); ++k)
    if (layout_.snapshot_datasets[k].viewed) create_view(k, record);
  times_.push_back(time);
  return snapshots_++;
}

void RunFile::write_diagnostics(const std::vector<double>& row) {
  errors::ensure(row.size() == layout_.columns.size(),
                 "RunFile::write_diagnostics: a row of " + std::to_string(row.size()) +
                     " values for a table of " + std::to_string(layout_.columns.size()) +
                     " columns");
  const hsize_t record = hsize_t(diagnostics_);
  set_records(table_, record + 1);
  const bool root = parallel::rank_of(comm_) == 0;
  write_record(table_, H5T_NATIVE_DOUBLE, record, 0,
               root ? std::int64_t(layout_.columns.size()) : 0, row.data());
  ++diagnostics_;
}

void RunFile::flush(SidecarUpdate update) {
  check_hdf5(H5Fflush(file_, H5F_SCOPE_GLOBAL), "H5Fflush");
  if (parallel::rank_of(comm_) != 0 || snapshots_ == xdmf_snapshots_ || snapshots_ == 0) return;
  const double now = MPI_Wtime();
  if (update == SidecarUpdate::when_cheap && xdmf_snapshots_ > 0 &&
      now - xdmf_finished_at_ < 100 * xdmf_seconds_)
    return;
  write_partial_xdmf();
  xdmf_finished_at_ = MPI_Wtime();
  xdmf_seconds_ = xdmf_finished_at_ - now;
}

void RunFile::write_partial_xdmf() {
  // The partial file's sidecar lists only the snapshots written so far (and flushed: flush()
  // calls it after H5Fflush), so ParaView can open an interrupted or running run.
  text::write_text_atomically(sidecar_path(path_, ".xdmf"),
                              xdmf(fs::path(partial_path()).filename().string(), times_));
  xdmf_snapshots_ = snapshots_;
}

void RunFile::finish() {
  if (finished_) return;
  flush();
  datasets_.clear();
  table_.close();
  step_.close();
  time_.close();
  file_.close();
  if (parallel::rank_of(comm_) == 0) {
    fs::rename(partial_path(), path_);
    Handle file(check_hdf5(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen(final)"));
    std::vector<hsize_t> time_extent, table_extent;
    const auto times = read_whole(file, "time", path_, time_extent);
    const auto table = read_whole(file, "diagnostics", path_, table_extent);
    const std::string input = read_string_dataset(file, "input");
    text::write_text_atomically(sidecar_path(path_, ".xdmf"),
                                xdmf(fs::path(path_).filename().string(), times));
    text::write_text_atomically(sidecar_path(path_, ".csv"), text::csv_text(layout_.columns, table));
    text::write_text_atomically(text::input_sidecar_path(path_), input);
  }
  check_mpi(MPI_Barrier(comm_), "MPI_Barrier(publish)");
  finished_ = true;
}

int DiagnosticsTable::column(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  return it == columns.end() ? -1 : int(it - columns.begin());
}

long long DiagnosticsTable::row_at(double t, double tolerance) const {
  const int c = column("time");
  if (c < 0) return -1;
  long long best = -1;
  double distance = tolerance;
  for (std::size_t r = 0; r < rows(); ++r) {
    const double gap = std::abs(values[r * columns.size() + std::size_t(c)] - t);
    if (gap <= distance) {
      distance = gap;
      best = (long long)r;
    }
  }
  return best;
}

DiagnosticsTable read_diagnostics(hid_t file, const std::string& path) {
  DiagnosticsTable table;
  if (H5Lexists(file, "diagnostics", H5P_DEFAULT) <= 0) return table;
  Handle dataset(H5Dopen2(file, "diagnostics", H5P_DEFAULT));
  errors::require(dataset.valid(), "file '" + path + "': /diagnostics cannot be opened");
  bool exists = false;
  table.columns = read_string_list_attribute(dataset, "columns", &exists);
  errors::require(exists, "file '" + path + "': /diagnostics has no 'columns' attribute");
  std::vector<hsize_t> extent;
  table.values = read_whole(file, "diagnostics", path, extent);
  errors::require(!table.columns.empty() && extent.size() == 2 && extent[1] == table.columns.size(),
                  "file '" + path + "': /diagnostics does not match its column names");
  return table;
}

std::vector<double> read_series(hid_t file, const std::string& name, const std::string& path) {
  std::vector<hsize_t> extent;
  return read_whole(file, name, path, extent);
}

}  // namespace attnflow::output

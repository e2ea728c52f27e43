#include "output/run_file.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"
#include "text/text_file.hpp"

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

// Reads a whole double dataset serially (rank 0, file opened without MPI-IO).
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
  parallel::require_on_root(comm, [&]() -> std::string {
    const fs::path file(path);
    std::error_code error;
    if (fs::exists(file, error) && !overwrite)
      return "--" + option_name + ": output file '" + path +
             "' exists; remove it, choose another name or pass --overwrite";
    if (fs::exists(partial_path(path), error) && !overwrite)
      return "--" + option_name + ": '" + partial_path(path) + "' of an interrupted run exists; "
             "restart from its checkpoint, remove it, or pass --overwrite";
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

std::string partial_path(const std::string& path) { return path + ".partial"; }

std::string sidecar_path(const std::string& path, const std::string& extension) {
  fs::path p(path);
  p.replace_extension(extension);
  return p.string();
}

void write_input(hid_t file, const std::string& resolved_input_ini) {
  write_string_dataset(file, "input", resolved_input_ini);
  Handle input(check_hdf5(H5Dopen2(file, "input", H5P_DEFAULT), "H5Dopen2(input)"));
  for (const auto& [key, value] : ini_pairs(resolved_input_ini))
    write_string_attribute(input, key, value);
}

Handle reopen_partial(const std::string& path, MPI_Comm comm, const std::string& format,
                      const std::function<std::string(hid_t file)>& check,
                      const RecordCounts& records) {
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

void publish(const std::string& path, MPI_Comm comm, const std::vector<std::string>& columns,
             const std::function<std::string(const std::string& file_name,
                                             const std::vector<double>& times)>& xdmf) {
  if (parallel::rank_of(comm) == 0) {
    fs::rename(partial_path(path), path);
    Handle file(check_hdf5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen(final)"));
    std::vector<hsize_t> time_extent, table_extent;
    const auto times = read_all(file, "time", time_extent);
    const auto table = read_all(file, "diagnostics", table_extent);
    const std::string input = read_string_dataset(file, "input");
    text::write_text_atomically(sidecar_path(path, ".xdmf"), xdmf(fs::path(path).filename().string(), times));
    std::ostringstream csv;
    std::istringstream lines(input);
    std::string line;
    while (std::getline(lines, line)) csv << (line.rfind('#', 0) == 0 ? "" : "# ") << line << "\n";
    for (std::size_t c = 0; c < columns.size(); ++c) csv << (c ? "," : "") << columns[c];
    csv << "\n";
    const std::size_t width = table_extent.size() == 2 ? table_extent[1] : 0;
    for (std::size_t r = 0; width > 0 && r < table_extent[0]; ++r) {
      for (std::size_t c = 0; c < width; ++c) csv << (c ? "," : "") << text::format_number(table[r * width + c]);
      csv << "\n";
    }
    text::write_text_atomically(sidecar_path(path, ".csv"), csv.str());
  }
  check_mpi(MPI_Barrier(comm), "MPI_Barrier(publish)");
}

}  // namespace attnflow::output

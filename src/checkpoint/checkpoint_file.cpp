#include "checkpoint/checkpoint_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "errors/errors.hpp"
#include "output/run_file.hpp"
#include "parallel/partition.hpp"
#include "text/text_file.hpp"
#include "version/version.hpp"

namespace attnflow::checkpoint {

namespace fs = std::filesystem;
using output::Handle;
using parallel::check_mpi;

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::int64_t global_checksum(std::span<const double> rows, std::int64_t first, int width,
                             MPI_Comm comm) {
  std::uint64_t local = rows_checksum(rows.data(), first, std::int64_t(rows.size()) / width, width);
  std::uint64_t global = 0;
  check_mpi(MPI_Allreduce(&local, &global, 1, MPI_UINT64_T, MPI_BXOR, comm),
            "MPI_Allreduce(checksum)");
  return std::bit_cast<std::int64_t>(global);
}

// A checksum of where the run was: a flipped time, step or output count is damage too.
std::int64_t position_checksum(const RunPosition& p) {
  std::uint64_t sum = mix(std::bit_cast<std::uint64_t>(p.time));
  for (std::int64_t value : {p.step, p.snapshots_written, p.diagnostics_written})
    sum = mix(sum ^ mix(std::uint64_t(value)));
  return std::bit_cast<std::int64_t>(sum);
}

// chk<9 digits>.h5: the only names `latest` may hold and pruning may remove.
bool is_checkpoint_name(const std::string& name) {
  if (name.size() != 15 || name.rfind("chk", 0) != 0 || name.substr(12) != ".h5") return false;
  return std::all_of(name.begin() + 3, name.begin() + 12, [](char c) { return c >= '0' && c <= '9'; });
}

// Removes all but the newest `keep` checkpoints of the directory (rank 0). Only complete files
// named like checkpoints are considered, and only after the newest one is in place.
void prune(const std::string& directory, int keep) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error))
    if (entry.is_regular_file() && is_checkpoint_name(entry.path().filename().string()))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());  // names sort by step
  for (std::size_t i = 0; i + std::size_t(keep) < names.size(); ++i)
    fs::remove(fs::path(directory) / names[i], error);
}

}  // namespace

std::uint64_t rows_checksum(const double* rows, std::int64_t first, std::int64_t count, int width) {
  std::uint64_t sum = 0;
  for (std::int64_t i = 0; i < count; ++i)
    for (int k = 0; k < width; ++k) {
      const std::uint64_t where = std::uint64_t(first + i) * std::uint64_t(width) + std::uint64_t(k);
      sum ^= mix(std::bit_cast<std::uint64_t>(rows[i * width + k]) ^ mix(where));
    }
  return sum;
}

std::string file_name(std::int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "chk%09lld.h5", static_cast<long long>(step));
  return name;
}

std::string default_directory(const std::string& output_path) {
  const fs::path p(output_path);
  return (p.parent_path() / (p.stem().string() + ".chk")).string();
}

std::string write_file(const std::string& directory, const std::string& format,
                       const RunPosition& position, const std::string& resolved_input_ini,
                       MPI_Comm comm, const std::function<void(hid_t file)>& write_state,
                       int keep) {
  parallel::require_on_root(comm, [&]() -> std::string {
    std::error_code error;
    fs::create_directories(directory, error);
    if (!fs::is_directory(directory))
      return "checkpoint directory '" + directory + "' cannot be created";
    if (::access(directory.c_str(), W_OK | X_OK) != 0)
      return "checkpoint directory '" + directory + "' is not writable";
    return {};
  });
  const std::string name = file_name(position.step);
  const std::string final_path = (fs::path(directory) / name).string();
  const std::string temporary = output::partial_path(final_path);
  {
    Handle file = output::create_file(temporary, comm);
    output::write_string_attribute(file, "format", format);
    output::write_string_attribute(file, "version", version::number());
    output::write_string_attribute(file, "git_revision", version::git_revision());
    output::write_attribute(file, "time", position.time);
    output::write_attribute(file, "step", position.step);
    output::write_attribute(file, "snapshots_written", position.snapshots_written);
    output::write_attribute(file, "diagnostics_written", position.diagnostics_written);
    output::write_attribute(file, "position_checksum", position_checksum(position));
    output::write_string_dataset(file, "input", resolved_input_ini);
    write_state(file);
  }
  if (parallel::rank_of(comm) == 0) {
    fs::rename(temporary, final_path);
    text::write_text_atomically((fs::path(directory) / "latest").string(), name + "\n");
    if (keep > 0) prune(directory, keep);
  }
  check_mpi(MPI_Barrier(comm), "MPI_Barrier(checkpoint)");
  return final_path;
}

std::string OpenedFile::what() const { return "restart: checkpoint file '" + path + "'"; }

OpenedFile open_file(const std::string& path_or_directory, const std::string& format,
                     MPI_Comm comm) {
  OpenedFile result;
  std::string path = path_or_directory;
  parallel::require_on_root(comm, [&]() -> std::string {
    std::error_code error;
    if (fs::is_directory(path_or_directory, error)) {
      std::ifstream in(fs::path(path_or_directory) / "latest");
      std::string name;
      if (!(in >> name))
        return "restart: checkpoint directory '" + path_or_directory +
               "' has no readable 'latest' file naming a checkpoint";
      if (!is_checkpoint_name(name))
        return "restart: checkpoint directory '" + path_or_directory + "': its 'latest' names '" +
               name + "', not a checkpoint of this directory (chk<step>.h5)";
      path = (fs::path(path_or_directory) / name).string();
    }
    if (!fs::is_regular_file(path, error))
      return "restart: checkpoint file '" + path + "' does not exist";
    if (H5Fis_hdf5(path.c_str()) <= 0)
      return "restart: checkpoint file '" + path + "' is not an HDF5 file (damaged?)";
    return {};
  });
  int length = static_cast<int>(path.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast");
  path.resize(length);
  check_mpi(MPI_Bcast(path.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast");
  result.path = path;
  result.file = output::open_file(path, comm, false);
  errors::require(output::all_true(result.file.valid(), comm),
                  result.what() + " cannot be opened by HDF5 (damaged?)");
  RunPosition& p = result.position;
  const bool complete = output::read_string_attribute(result.file, "format") == format &&
                        output::read_attribute(result.file, "time", p.time) &&
                        output::read_attribute(result.file, "step", p.step) &&
                        output::read_attribute(result.file, "snapshots_written", p.snapshots_written) &&
                        output::read_attribute(result.file, "diagnostics_written", p.diagnostics_written);
  errors::require(output::all_true(complete, comm),
                  result.what() + " is not an attnflow checkpoint of this kind (format '" + format + "')");
  errors::require(p.step >= 0 && p.snapshots_written >= 0 && p.diagnostics_written >= 0,
                  result.what() + " holds impossible values (step or output counts)");
  std::int64_t checksum = 0;
  const bool has_checksum = output::read_attribute(result.file, "position_checksum", checksum);
  errors::require(output::all_true(has_checksum && checksum == position_checksum(p), comm),
                  result.what() + " is damaged: its time, step or output counts do not match "
                                  "their checksum");
  result.input = output::read_string_dataset(result.file, "input");
  return result;
}

void write_rows(hid_t file, const std::string& name, std::int64_t global_rows, int width,
                std::int64_t first, std::span<const double> rows, MPI_Comm comm) {
  output::write_attribute(file, name + "_checksum", global_checksum(rows, first, width, comm));
  output::write_row_block(file, name, global_rows, width, first, rows);
}

std::vector<double> read_rows(const OpenedFile& checkpoint, const std::string& name,
                              std::int64_t global_rows, int width, MPI_Comm comm) {
  const std::string what = checkpoint.what();
  std::int64_t checksum = 0;
  const bool found = output::read_attribute(checkpoint.file, name + "_checksum", checksum) &&
                     H5Lexists(checkpoint.file, name.c_str(), H5P_DEFAULT) > 0;
  errors::require(output::all_true(found, comm), what + " lacks /" + name + " or its checksum");
  Handle dataset(H5Dopen2(checkpoint.file, name.c_str(), H5P_DEFAULT));
  const auto extent = dataset.valid() ? output::dataset_extent(dataset) : std::vector<hsize_t>{};
  errors::require(extent.size() == 2 && std::int64_t(extent[0]) == global_rows &&
                      std::int64_t(extent[1]) == width,
                  what + ": /" + name + " is not " + std::to_string(global_rows) + " x " +
                      std::to_string(width));
  const auto block = parallel::block_partition(global_rows, comm);
  std::vector<double> rows(block.count * width);
  const bool read = output::read_row_block(dataset, -1, block.first, block.count, width, rows);
  errors::require(output::all_true(read, comm), what + " is damaged: reading /" + name + " failed");
  errors::require(global_checksum(rows, block.first, width, comm) == checksum,
                  what + " is damaged: /" + name + " does not match its checksum");
  return rows;
}

}  // namespace attnflow::checkpoint

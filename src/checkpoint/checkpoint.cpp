#include "checkpoint/checkpoint.hpp"

#include <unistd.h>

#include <bit>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/error.hpp"
#include "output/hdf5.hpp"
#include "output/run_writer.hpp"
#include "parallel/partition.hpp"

#ifndef ATTNFLOW_VERSION
#define ATTNFLOW_VERSION "unknown"
#endif
#ifndef ATTNFLOW_GIT_REVISION
#define ATTNFLOW_GIT_REVISION "unknown"
#endif

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

std::uint64_t global_checksum(const particles::State& state, MPI_Comm comm) {
  std::uint64_t local = positions_checksum(state.positions.data(), state.partition.first,
                                           state.partition.count, state.dimension);
  std::uint64_t global = 0;
  check_mpi(MPI_Allreduce(&local, &global, 1, MPI_UINT64_T, MPI_BXOR, comm), "MPI_Allreduce(checksum)");
  return global;
}

// Rank 0 decides, every rank throws the same InputError.
void require_on_root(MPI_Comm comm, std::string message) {
  int length = static_cast<int>(message.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast");
  message.resize(length);
  check_mpi(MPI_Bcast(message.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast");
  if (length > 0) throw config::InputError(message);
}

}  // namespace

std::uint64_t positions_checksum(const double* rows, std::int64_t first, std::int64_t count,
                                 int dimension) {
  std::uint64_t sum = 0;
  for (std::int64_t i = 0; i < count; ++i)
    for (int k = 0; k < dimension; ++k) {
      const std::uint64_t where = std::uint64_t(first + i) * std::uint64_t(dimension) + std::uint64_t(k);
      sum ^= mix(std::bit_cast<std::uint64_t>(rows[i * dimension + k]) ^ mix(where));
    }
  return sum;
}

std::string file_name(std::int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "chk%09lld.h5", static_cast<long long>(step));
  return name;
}

std::string write(const std::string& directory, const particles::State& state,
                  std::int64_t snapshots_written, std::int64_t diagnostics_written,
                  const std::string& resolved_input_ini) {
  MPI_Comm comm = state.comm;
  const bool root = parallel::rank_of(comm) == 0;
  std::string problem;
  if (root) {
    std::error_code error;
    fs::create_directories(directory, error);
    if (!fs::is_directory(directory))
      problem = "checkpoint directory '" + directory + "' cannot be created";
    else if (::access(directory.c_str(), W_OK | X_OK) != 0)
      problem = "checkpoint directory '" + directory + "' is not writable";
  }
  require_on_root(comm, problem);
  const std::string name = file_name(state.step);
  const std::string final_path = (fs::path(directory) / name).string();
  const std::string temporary = final_path + ".partial";
  {
    Handle file = output::create_file(temporary, comm);
    output::write_string_attribute(file, "format", checkpoint_format);
    output::write_string_attribute(file, "version", ATTNFLOW_VERSION);
    output::write_string_attribute(file, "git_revision", ATTNFLOW_GIT_REVISION);
    output::write_attribute(file, "dimension", std::int64_t(state.dimension));
    output::write_attribute(file, "token_count", state.partition.global_count);
    output::write_attribute(file, "time", state.time);
    output::write_attribute(file, "step", state.step);
    output::write_attribute(file, "snapshots_written", snapshots_written);
    output::write_attribute(file, "diagnostics_written", diagnostics_written);
    output::write_attribute(file, "positions_checksum",
                            std::int64_t(std::bit_cast<std::int64_t>(global_checksum(state, comm))));
    output::write_string_dataset(file, "input", resolved_input_ini);
    output::write_row_block(file, "positions", state.partition.global_count, state.dimension,
                            state.partition.first, state.positions);
  }
  if (root) {
    fs::rename(temporary, final_path);
    output::write_text_atomically((fs::path(directory) / "latest").string(), name + "\n");
  }
  check_mpi(MPI_Barrier(comm), "MPI_Barrier(checkpoint)");
  return final_path;
}

Checkpoint read(const std::string& path_or_directory, MPI_Comm comm) {
  Checkpoint result;
  std::string problem;
  if (parallel::rank_of(comm) == 0) {
    std::error_code error;
    result.path = path_or_directory;
    if (fs::is_directory(path_or_directory, error)) {
      const fs::path pointer = fs::path(path_or_directory) / "latest";
      std::ifstream in(pointer);
      std::string name;
      if (!(in >> name))
        problem = "restart: checkpoint directory '" + path_or_directory +
                  "' has no readable 'latest' file naming a checkpoint";
      else
        result.path = (fs::path(path_or_directory) / name).string();
    }
    if (problem.empty() && !fs::is_regular_file(result.path, error))
      problem = "restart: checkpoint file '" + result.path + "' does not exist";
    else if (problem.empty() && H5Fis_hdf5(result.path.c_str()) <= 0)
      problem = "restart: checkpoint file '" + result.path + "' is not an HDF5 file (damaged?)";
  }
  require_on_root(comm, problem);
  int length = static_cast<int>(result.path.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, comm), "MPI_Bcast");
  result.path.resize(length);
  check_mpi(MPI_Bcast(result.path.data(), length, MPI_CHAR, 0, comm), "MPI_Bcast");
  const std::string what = "restart: checkpoint file '" + result.path + "'";

  Handle file = output::open_file(result.path, comm, false);
  config::require(output::all_true(file.valid(), comm), what + " cannot be opened by HDF5 (damaged?)");
  std::int64_t dimension = 0, token_count = 0, step = 0, checksum = 0;
  double time = 0;
  const bool complete =
      output::read_string_attribute(file, "format") == checkpoint_format &&
      output::read_attribute(file, "dimension", dimension) &&
      output::read_attribute(file, "token_count", token_count) &&
      output::read_attribute(file, "time", time) && output::read_attribute(file, "step", step) &&
      output::read_attribute(file, "snapshots_written", result.snapshots_written) &&
      output::read_attribute(file, "diagnostics_written", result.diagnostics_written) &&
      output::read_attribute(file, "positions_checksum", checksum) &&
      H5Lexists(file, "positions", H5P_DEFAULT) > 0;
  config::require(output::all_true(complete, comm),
                  what + " is not an attnflow checkpoint (format '" + checkpoint_format + "')");
  config::require(dimension >= 2 && token_count >= 1 && result.snapshots_written >= 0 &&
                      result.diagnostics_written >= 0,
                  what + " holds impossible values (dimension, token count or output counts)");
  Handle positions(H5Dopen2(file, "positions", H5P_DEFAULT));
  const auto extent = positions.valid() ? output::dataset_extent(positions) : std::vector<hsize_t>{};
  config::require(extent.size() == 2 && std::int64_t(extent[0]) == token_count &&
                      std::int64_t(extent[1]) == dimension,
                  what + ": /positions is not " + std::to_string(token_count) + " x " +
                      std::to_string(dimension));
  particles::State& state = result.state;
  state.dimension = int(dimension);
  state.comm = comm;
  state.time = time;
  state.step = step;
  state.partition = parallel::block_partition(token_count, comm);
  state.positions.resize(state.partition.count * dimension);
  const bool read = output::read_row_block(positions, -1, state.partition.first, state.partition.count,
                                           int(dimension), state.positions);
  config::require(output::all_true(read, comm), what + " is damaged: reading /positions failed");
  config::require(std::bit_cast<std::int64_t>(global_checksum(state, comm)) == checksum,
                  what + " is damaged: the positions do not match their checksum");
  result.input = output::read_string_dataset(file, "input");
  return result;
}

}  // namespace attnflow::checkpoint

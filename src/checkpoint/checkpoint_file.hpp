#pragma once
// What every attnflow checkpoint shares, whatever state it holds (token positions, cell
// densities): files directory/chk<step, 9 digits>.h5 that sort by step, written under a temporary
// name and renamed, plus a `latest` text file naming the newest one (also replaced atomically);
// the run's position (time, step, how many snapshots and diagnostic rows its output held) and the
// resolved input; state rows in global order with a checksum that does not depend on how the rows
// were distributed over the ranks, so that another rank count can read them and damage is found.
//
// Common layout: root attributes format, version, git_revision, time, step, snapshots_written,
// diagnostics_written; /input the resolved input text; state datasets rows x width float64 with
// an attribute <name>_checksum (XOR of a 64-bit hash of every (global row, column, bits)) on the
// root.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "output/hdf5.hpp"

namespace attnflow::checkpoint {

// Where the run was when the checkpoint was written.
struct RunPosition {
  double time = 0;
  std::int64_t step = 0;
  std::int64_t snapshots_written = 0;
  std::int64_t diagnostics_written = 0;
};

// chk<step>.h5 file name for a step (no directory).
std::string file_name(std::int64_t step);
// The default checkpoint directory of a run writing `output_path`: <output stem>.chk beside it.
std::string default_directory(const std::string& output_path);

// Collective. Creates `directory` if needed (errors::InputError when it cannot be created or
// written), writes chk<step>.h5 under a temporary name with the common attributes (and a checksum
// of the position) and /input, calls write_state(file) for the state datasets and attributes,
// renames it into place and points `latest` at it; then, with keep > 0, removes all but the
// newest `keep` checkpoints of the directory. Returns the path of the written file.
std::string write_file(const std::string& directory, const std::string& format,
                       const RunPosition& position, const std::string& resolved_input_ini,
                       MPI_Comm comm, const std::function<void(hid_t file)>& write_state,
                       int keep = 0);

// An open checkpoint whose format and common attributes have been checked.
struct OpenedFile {
  output::Handle file;
  std::string path;  // the file actually opened
  RunPosition position;
  std::string input;
  // "restart: checkpoint file '<path>'": the start of every message about it.
  std::string what() const;
};

// Collective. `path_or_directory` is a checkpoint file or a directory whose `latest` names one.
// Throws errors::InputError naming the file when it is missing, not HDF5, not a checkpoint of
// this `format` or lacks a common attribute.
OpenedFile open_file(const std::string& path_or_directory, const std::string& format,
                     MPI_Comm comm);

// Collective. Writes the dataset `name` (global_rows x width; this rank's rows start at global
// row `first`) and its checksum attribute.
void write_rows(hid_t file, const std::string& name, std::int64_t global_rows, int width,
                std::int64_t first, std::span<const double> rows, MPI_Comm comm);
// Collective. This rank's block (parallel::block_partition of global_rows) of the dataset `name`;
// throws errors::InputError when it is missing, not global_rows x width, unreadable or does not
// match its checksum (damaged).
std::vector<double> read_rows(const OpenedFile& checkpoint, const std::string& name,
                              std::int64_t global_rows, int width, MPI_Comm comm);

// The order- and partition-independent checksum of a block of rows starting at global row
// `first` (XOR-combine the blocks of all ranks).
std::uint64_t rows_checksum(const double* rows, std::int64_t first, std::int64_t count, int width);

}  // namespace attnflow::checkpoint

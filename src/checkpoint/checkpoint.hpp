#pragma once
// Restart files: the full token state in global order (so a restart may use another rank count),
// the simulated time and step, how many snapshots and diagnostic rows the run's output held, and
// the resolved input. directory/chk<step, 9 digits>.h5 (they sort by step), plus a `latest` text
// file naming the newest one; both written under a temporary name and renamed.
//
// Layout (format attribute "attnflow-checkpoint 1"): /positions N x d float64; root attributes
// dimension, token_count, time, step, snapshots_written, diagnostics_written, version,
// git_revision, positions_checksum (XOR of a 64-bit hash of every (index, coordinate, bits): the
// same for any rank count, detects damaged data); /input the resolved input text.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "particles/state.hpp"

namespace attnflow::checkpoint {

inline constexpr const char* checkpoint_format = "attnflow-checkpoint 1";

struct Checkpoint {
  particles::State state;  // block partition of the reading communicator
  std::int64_t snapshots_written = 0;
  std::int64_t diagnostics_written = 0;
  std::string input;  // the resolved input of the run that wrote it
  std::string path;   // the file actually read
};

// chk<step>.h5 file name for a step (no directory).
std::string file_name(std::int64_t step);

// Collective over state.comm. Creates `directory` if needed; throws config::InputError when it
// cannot be created or written. Returns the path of the written file.
std::string write(const std::string& directory, const particles::State& state,
                  std::int64_t snapshots_written, std::int64_t diagnostics_written,
                  const std::string& resolved_input_ini);

// Collective over comm. `path_or_directory` is a checkpoint file or a directory whose `latest`
// names one. Throws config::InputError naming the file when it is missing, unreadable, not an
// attnflow checkpoint, inconsistent or damaged (checksum mismatch).
Checkpoint read(const std::string& path_or_directory, MPI_Comm comm);

// The order- and partition-independent checksum of a block of rows starting at global index
// `first` (XOR-combine the blocks of all ranks).
std::uint64_t positions_checksum(const double* rows, std::int64_t first, std::int64_t count,
                                 int dimension);

}  // namespace attnflow::checkpoint

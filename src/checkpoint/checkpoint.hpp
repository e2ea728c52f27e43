#pragma once
// Restart files of the particle solver: the full token state in global order (so a restart may
// use another rank count), the simulated time and step, how many snapshots and diagnostic rows the
// run's output held, and the resolved input (file names, `latest` pointer and checksum:
// checkpoint_file.hpp).
//
// Layout (format attribute "attnflow-checkpoint 1"): /positions N x d float64; root attributes
// dimension, token_count, positions_checksum and the common ones (time, step, snapshots_written,
// diagnostics_written, version, git_revision); /input the resolved input text.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "checkpoint/checkpoint_file.hpp"
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

// Collective over state.comm. Creates `directory` if needed; throws errors::InputError when it
// cannot be created or written. Returns the path of the written file.
std::string write(const std::string& directory, const particles::State& state,
                  std::int64_t snapshots_written, std::int64_t diagnostics_written,
                  const std::string& resolved_input_ini, int keep = 0);

// Collective over comm. `path_or_directory` is a checkpoint file or a directory whose `latest`
// names one. Throws errors::InputError naming the file when it is missing, unreadable, not an
// attnflow checkpoint, inconsistent or damaged (checksum mismatch).
Checkpoint read(const std::string& path_or_directory, MPI_Comm comm);

}  // namespace attnflow::checkpoint

#pragma once
// Starting a run from the positions stored in an attnflow HDF5 file (initial = file).
#include <cstdint>

#include "particles/state.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::particles {

// Reads initial-file at initial-snapshot; the file's dimension must equal `dimension` and its
// token count `tokens` (or tokens <= 0 to take the file's). Throws errors::InputError.
State read_initial_file(const config::OptionSet& options, std::int64_t tokens, int dimension,
                        MPI_Comm comm);

}  // namespace attnflow::particles

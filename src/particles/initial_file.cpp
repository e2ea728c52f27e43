#include "particles/initial_file.hpp"

#include "config/options.hpp"
#include "particles/particle_file.hpp"

namespace attnflow::particles {

State read_initial_file(const config::OptionSet& options, std::int64_t tokens, int dimension,
                        MPI_Comm comm) {
  const auto path = options.get<std::string>("initial-file");
  State state =
      read_snapshot(path, comm, dimension, options.get<long long>("initial-snapshot"));
  errors::require(tokens <= 0 || state.partition.global_count == tokens,
                  "--initial-file: '" + path + "' holds " +
                      std::to_string(state.partition.global_count) + " tokens, the run has " +
                      std::to_string(tokens) + " (--tokens)");
  // A new run starts its own clock.
  state.time = 0;
  state.step = 0;
  return state;
}

}  // namespace attnflow::particles

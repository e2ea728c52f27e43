#include "checkpoint/checkpoint.hpp"

#include "errors/errors.hpp"
#include "output/hdf5.hpp"
#include "parallel/partition.hpp"

namespace attnflow::checkpoint {

std::string write(const std::string& directory, const particles::State& state,
                  std::int64_t snapshots_written, std::int64_t diagnostics_written,
                  const std::string& resolved_input_ini, int keep) {
  const RunPosition position{state.time, state.step, snapshots_written, diagnostics_written};
  return write_file(directory, checkpoint_format, position, resolved_input_ini, state.comm,
                    [&](hid_t file) {
                      output::write_attribute(file, "dimension", std::int64_t(state.dimension));
                      output::write_attribute(file, "token_count", state.partition.global_count);
                      write_rows(file, "positions", state.partition.global_count, state.dimension,
                                 state.partition.first, state.positions, state.comm);
                    },
                    keep);
}

Checkpoint read(const std::string& path_or_directory, MPI_Comm comm) {
  const OpenedFile opened = open_file(path_or_directory, checkpoint_format, comm);
  std::int64_t dimension = 0, token_count = 0;
  const bool complete = output::read_attribute(opened.file, "dimension", dimension) &&
                        output::read_attribute(opened.file, "token_count", token_count);
  errors::require(output::all_true(complete, comm),
                  opened.what() + " lacks the dimension or token_count attribute");
  errors::require(dimension >= 2 && token_count >= 1,
                  opened.what() + " holds impossible values (dimension or token count)");
  Checkpoint result;
  result.path = opened.path;
  result.input = opened.input;
  result.snapshots_written = opened.position.snapshots_written;
  result.diagnostics_written = opened.position.diagnostics_written;
  particles::State& state = result.state;
  state.dimension = int(dimension);
  state.comm = comm;
  state.time = opened.position.time;
  state.step = opened.position.step;
  state.partition = parallel::block_partition(token_count, comm);
  state.positions = read_rows(opened, "positions", token_count, state.dimension, comm);
  return result;
}

}  // namespace attnflow::checkpoint

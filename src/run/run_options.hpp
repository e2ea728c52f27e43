#pragma once
// The options every solver app shares, registered and read in one place: where output and
// checkpoints go, restart, when to stop this job, the scaling-study row, quiet and how often the
// progress line is printed.
#include <mpi.h>

#include <cstdint>
#include <string>

#include "simulation/driver.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::run {

// Registers output (default `default_output`), overwrite, checkpoint-every (counted in
// `checkpoint_unit`, e.g. "steps"), checkpoint-directory, checkpoint-keep, restart,
// stop-after-steps, timing-csv, quiet and progress-interval.
void add_run_options(config::OptionSet& options, const std::string& default_output,
                     const std::string& checkpoint_unit);

// The run control those options describe (output, overwrite, restart, checkpoint directory,
// stop-after-steps, timing CSV, quiet, progress interval, the input file and the resolved
// input); the horizon, the schedules and the restart keys are the app's. `checkpoint_every`
// receives --checkpoint-every.
// Throws errors::InputError for negative counts, a progress interval <= 0, and when the input
// file is the output's input sidecar (text::input_sidecar_path) or the timing CSV its
// diagnostics CSV, which the run would replace.
simulation::RunControl run_control_from_options(const config::OptionSet& options,
                                                std::int64_t& checkpoint_every);

// The memory a run of `count` items (tokens, cells) needs on this node, estimated from below
// before anything is allocated: every rank holds `local_doubles` per item it owns and
// `gathered_doubles` per item of the whole run (e.g. the direct engine's copy of every source),
// and the ranks of this node share its memory. Throws errors::InputError with the figure when it
// exceeds the node's physical memory (config::require_memory). Collective.
void require_run_memory(const std::string& option, std::int64_t count, double local_doubles,
                        double gathered_doubles, MPI_Comm comm);

}  // namespace attnflow::run

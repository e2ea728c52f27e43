#include "run/run_options.hpp"

#include "checkpoint/checkpoint_file.hpp"
#include "config/options.hpp"
#include "errors/errors.hpp"

namespace attnflow::run {

void add_run_options(config::OptionSet& options, const std::string& default_output,
                     const std::string& checkpoint_unit) {
  options.add<std::string>("output", default_output, "path",
                           "HDF5 output (also .xdmf and .csv beside it)");
  options.add_flag("overwrite", "replace an existing output file");
  options.add<long long>("checkpoint-every", 0, checkpoint_unit,
                         "checkpoint every K " + checkpoint_unit + " (0: never)");
  options.add_optional("checkpoint-directory", "path",
                       "where checkpoints go (default: <output stem>.chk)");
  options.add<int>("checkpoint-keep", 3, "",
                   "keep the newest K checkpoints, removing older ones once a newer one is "
                   "complete (0: keep all)");
  options.add_optional("restart", "path", "continue from a checkpoint file or directory");
  options.add<long long>("stop-after-steps", 0, "steps",
                         "stop this job after K steps with a checkpoint (chained batch jobs)");
  options.add_optional("timing-csv", "path",
                       "append one scaling-study row (wall time split, pairs/s, memory) to this CSV");
  options.add_flag("quiet", "no progress line, summary or timing table");
}

simulation::RunControl run_control_from_options(const config::OptionSet& options,
                                                std::int64_t& checkpoint_every) {
  simulation::RunControl control;
  checkpoint_every = options.get<long long>("checkpoint-every");
  errors::require(checkpoint_every >= 0,
                  "--checkpoint-every: must be >= 0 (0: no periodic checkpoints)");
  control.checkpoint_keep = options.get<int>("checkpoint-keep");
  errors::require(control.checkpoint_keep >= 0, "--checkpoint-keep: must be >= 0 (0: keep all)");
  control.stop_after_steps = options.get<long long>("stop-after-steps");
  errors::require(control.stop_after_steps >= 0,
                  "--stop-after-steps: must be >= 0 (0: run to the end)");
  control.output = options.get<std::string>("output");
  control.overwrite = options.flag("overwrite");
  control.restart = options.get<std::string>("restart");
  control.checkpoint_directory = options.get<std::string>("checkpoint-directory");
  if (control.checkpoint_directory.empty())
    control.checkpoint_directory = checkpoint::default_directory(control.output);
  control.quiet = options.flag("quiet");
  control.timing_csv = options.get<std::string>("timing-csv");
  control.input_file = options.input_file();
  control.resolved_input = options.resolved_ini();
  return control;
}

}  // namespace attnflow::run

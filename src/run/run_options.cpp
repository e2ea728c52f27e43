#include "run/run_options.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "checkpoint/checkpoint_file.hpp"
#include "config/memory.hpp"
#include "config/options.hpp"
#include "errors/errors.hpp"
#include "output/run_file.hpp"
#include "text/csv.hpp"
#include "text/number_format.hpp"

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
  options.add<double>("progress-interval", 60, "s",
                      "progress on rank 0's stderr: a plain 'progress:' line every this many "
                      "seconds when stderr is not a terminal (batch logs, mpiexec redirected); "
                      "on a terminal one line redrawn every second");
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
  control.progress_interval = options.get<double>("progress-interval");
  errors::require(std::isfinite(control.progress_interval) && control.progress_interval > 0,
                  "--progress-interval: must be a number of seconds > 0 (got " +
                      text::format_number(control.progress_interval) + ")");
  control.timing_csv = options.get<std::string>("timing-csv");
  std::error_code error;
  if (!control.timing_csv.empty()) {
    const auto csv =
        std::filesystem::weakly_canonical(output::sidecar_path(control.output, ".csv"), error);
    errors::require(std::filesystem::weakly_canonical(control.timing_csv, error) != csv,
                    "--timing-csv: '" + control.timing_csv + "' is the diagnostics table the run "
                    "writes beside --output; choose another name");
  }
  control.input_file = options.input_file();
  const std::string sidecar = text::input_sidecar_path(control.output);
  errors::require(control.input_file.empty() ||
                      !std::filesystem::equivalent(control.input_file, sidecar, error),
                  "--input: '" + control.input_file + "' is the file the run writes its resolved "
                  "input to (" + sidecar + "); copy it to another name or choose another --output");
  control.resolved_input = options.resolved_ini();
  return control;
}

void require_run_memory(const std::string& option, std::int64_t count, double local_doubles,
                        double gathered_doubles, MPI_Comm comm) {
  int ranks = 1, ranks_on_node = 1;
  MPI_Comm_size(comm, &ranks);
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &ranks_on_node);
  MPI_Comm_free(&node);
  const double items = static_cast<double>(count);
  const double per_rank = (std::ceil(items / ranks) * local_doubles + items * gathered_doubles) *
                          static_cast<double>(sizeof(double));
  std::ostringstream what;
  what << count << " " << option << " on " << ranks_on_node
       << (ranks_on_node == 1 ? " rank" : " ranks") << " of this node (at least " << local_doubles
       << " doubles per owned one";
  if (gathered_doubles > 0) what << " and " << gathered_doubles <<  " per one of the run on every rank";
  what << ")";
  config::require_memory(per_rank * ranks_on_node, option, what.str());
}

}  // namespace attnflow::run

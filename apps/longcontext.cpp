// attnflow-longcontext: queries q against n iid keys on S^{d-1} (docs/mathematics.md sections 6
// and 11) with beta = c n^a; per (n, a, c) the means and standard errors over the queries of the
// ordered weights, effective keys and output, raw and rescaled, next to their limit references,
// written as CSV (and, optionally, the distributions of the rescaled observables).
#include <iostream>
#include <sstream>

#include "config/options.hpp"
#include "longcontext/study_plan.hpp"
#include "output/run_file.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"
#include "run/application.hpp"
#include "text/csv.hpp"
#include "text/text_file.hpp"

using namespace attnflow;

int main(int argc, char** argv) {
  return run::mpi_application(argc, argv, "attnflow-longcontext", [&] {
    const int rank = parallel::rank_of(MPI_COMM_WORLD);
    config::OptionSet options("attnflow-longcontext",
                              "Softmax attention of a query over n keys and its limit laws "
                              "(docs/mathematics.md sections 6 and 11)");
    longcontext::add_study_options(options);
    options.add<std::string>("output", "longcontext.csv", "path", "summary CSV written by rank 0");
    options.add_flag("overwrite", "replace existing output files");
    std::ostringstream help;
    if (!options.parse(argc, argv, rank == 0 ? std::cout : help)) return 0;
    const auto plan = longcontext::plan_from_options(options);
    const auto output = options.get<std::string>("output");
    const auto distributions = options.get<std::string>("distributions");
    const std::vector<std::string> inputs = {options.input_file()};
    output::check_table_path(output, MPI_COMM_WORLD, options.flag("overwrite"), "output", inputs);
    if (plan.with_distributions)
      output::check_table_path(distributions, MPI_COMM_WORLD, options.flag("overwrite"),
                               "distributions", {options.input_file(), output});

    parallel::Timers timers;
    const double start = MPI_Wtime();
    const auto result = longcontext::run_plan(plan, MPI_COMM_WORLD, &timers);
    const double loop_seconds = MPI_Wtime() - start;
    if (rank == 0) {
      const auto input = longcontext::study_input(options.resolved_ini());
      text::write_text_atomically(output, longcontext::summary_csv(plan.setup.top_count, result.rows));
      text::write_text_atomically(text::input_sidecar_path(output), input);
      if (plan.with_distributions) {
        text::write_text_atomically(distributions, longcontext::distributions_csv(result.distributions));
        text::write_text_atomically(text::input_sidecar_path(distributions), input);
      }
      longcontext::print_summary(std::cout, result.rows, plan.setup.top_count);
      std::cout << "wrote " << output << (plan.with_distributions ? " and " + distributions : "")
                << "\n";
    }
    // "steps" = queries, "pairs" = keys entering the sums per query (n, or M when truncated).
    parallel::print_timing_table(std::cout, timers, loop_seconds, result.queries,
                                 result.keys_per_query, MPI_COMM_WORLD);
    return 0;
  });
}

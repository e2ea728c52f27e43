// attnflow-longcontext: one query against n iid uniform keys on S^{d-1} (docs/mathematics.md section 6) with
// beta = c n^a; per (n, a, c) the mean largest softmax weight, effective number of keys and
// output distance to the query over many queries, written as CSV.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "config/number_list.hpp"
#include "config/options.hpp"
#include "longcontext/attention_study.hpp"
#include "longcontext/study_output.hpp"
#include "parallel/partition.hpp"
#include "parallel/timers.hpp"

using namespace attnflow;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int rank = parallel::rank_of(MPI_COMM_WORLD);
  int status = 0;
  try {
    config::OptionSet options("attnflow-longcontext",
                              "Selectivity of softmax attention over n uniform keys (docs/mathematics.md section 6)");
    options.add<int>("dimension", 3, "", "ambient dimension d: keys live on S^{d-1}, d >= 2");
    options.add<std::string>("keys", "100 1000 10000", "numbers", "key counts n (a list)");
    options.add<std::string>("scales", "0.001:1000:19", "numbers",
                             "scales c of beta = c n^a: a list or a range first:last:count");
    options.add_optional("exponents", "numbers",
                         "exponents a of beta = c n^a (default: 2/(d-1) and 2/(d-1) +- 0.25)");
    options.add<long long>("queries", 200, "", "independent queries per key count (>= 2)");
    options.add<long long>("seed", 1, "", "random seed of the keys");
    options.add<long long>("chunk-size", 4096, "keys", "keys generated at once per rank");
    options.add<std::string>("output", "longcontext.csv", "path", "CSV table written by rank 0");
    std::ostringstream help;
    if (!options.parse(argc, argv, rank == 0 ? std::cout : help)) {
      MPI_Finalize();
      return 0;
    }
    const int d = options.get<int>("dimension");
    const auto key_counts = config::parse_number_list(options.get<std::string>("keys"), "keys");
    const auto scales = config::parse_number_list(options.get<std::string>("scales"), "scales");
    auto exponents = config::parse_number_list(options.get<std::string>("exponents"), "exponents");
    const double critical = d >= 2 ? 2.0 / (d - 1) : 0.0;
    if (exponents.empty()) exponents = {critical - 0.25, critical, critical + 0.25};
    for (double n : key_counts)
      errors::require(n >= 1 && n == std::floor(n) && n <= 9e15,
                      "--keys: every key count must be a whole number >= 1");
    for (double c : scales) errors::require(c >= 0, "--scales: every scale c must be >= 0");

    std::vector<longcontext::StudyRow> rows;
    parallel::Timers timers;
    const double start = MPI_Wtime();
    long long total_queries = 0;
    double key_evaluations = 0;
    for (double n : key_counts) {
      longcontext::StudySetup setup;
      setup.dimension = d;
      setup.keys = static_cast<std::int64_t>(n);
      setup.queries = options.get<long long>("queries");
      setup.seed = static_cast<std::uint64_t>(options.get<long long>("seed"));
      setup.chunk_size = options.get<long long>("chunk-size");
      for (double a : exponents)
        for (double c : scales) setup.betas.push_back(c * std::pow(n, a));
      const auto summaries = longcontext::run_study(setup, MPI_COMM_WORLD, &timers);
      std::size_t b = 0;
      for (double a : exponents)
        for (double c : scales)
          rows.push_back({d, setup.keys, a, c, setup.queries, summaries[b++]});
      total_queries += setup.queries;
      key_evaluations += n * setup.queries;
    }
    const double loop_seconds = MPI_Wtime() - start;
    if (rank == 0) {
      longcontext::write_study_csv(options.get<std::string>("output"), options.resolved_ini(),
                                   rows);
      std::printf("%10s %7s %10s %12s %22s %14s %10s\n", "keys", "a", "c", "beta",
                  "largest_weight", "effective", "distance");
      for (const auto& row : rows)
        std::printf("%10lld %7.4f %10.4g %12.4g %11.6f +- %8.6f %14.6g %10.4g\n",
                    static_cast<long long>(row.keys), row.exponent, row.scale, row.summary.beta,
                    row.summary.largest_weight.mean, row.summary.largest_weight.standard_error,
                    row.summary.effective_keys.mean, row.summary.output_distance.mean);
      std::printf("wrote %s\n", options.get<std::string>("output").c_str());
    }
    parallel::print_timing_table(std::cout, timers, loop_seconds, total_queries,
                                 key_evaluations / std::max(1LL, total_queries), MPI_COMM_WORLD);
  } catch (const errors::InputError& error) {
    if (rank == 0) std::cerr << "attnflow-longcontext: error: " << error.what() << "\n";
    status = 2;
  }
  MPI_Finalize();
  return status;
}

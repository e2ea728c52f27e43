// attnflow-benchmark: throughput of an interaction engine on random tokens (pairs per second per
// core), optionally against the machine's measured FMA peak. Not a test: jobs/benchmark runs it.
#include <mpi.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "config/options.hpp"
#include "interaction/benchmark.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"

using namespace attnflow;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int rank = parallel::rank_of(MPI_COMM_WORLD);
  int status = 0;
  try {
    config::OptionSet options("attnflow-benchmark",
                              "Engine throughput on random tokens on S^{d-1} (SA, Q = K = V = I).");
    interaction::add_engine_options(options);
    options.add<int>("dimension", 3, "", "ambient dimension d");
    options.add<long long>("tokens", 16384, "", "number of tokens N");
    options.add<double>("beta", 1.0, "", "inverse temperature");
    options.add<int>("repeats", 3, "", "evaluations timed (the best is reported)");
    options.add_flag("measure-peak", "also measure the FMA peak of one core");
    options.add<double>("peak-seconds", 0.3, "s", "duration of one FMA peak run");
    std::ostringstream help;
    if (!options.parse(argc, argv, help)) {
      if (rank == 0) std::cout << help.str();
      MPI_Finalize();
      return 0;
    }
    const int d = options.get<int>("dimension");
    const long long n = options.get<long long>("tokens");
    const int repeats = options.get<int>("repeats");
    config::require(d >= 2, "--dimension: must be >= 2");
    config::require(n >= 1, "--tokens: must be >= 1");
    config::require(repeats >= 1, "--repeats: must be >= 1");
    interaction::Kernel kernel;
    kernel.dimension = d;
    kernel.beta = options.get<double>("beta");
    kernel.query_key = kernel.value = model::Matrix::identity(d);
    kernel.constant_shift = kernel.beta;
    auto engine = interaction::make_engine(options.get<std::string>("engine"), kernel,
                                           MPI_COMM_WORLD, interaction::engine_options(options));
    const auto timing = interaction::time_engine(*engine, d, n, repeats, MPI_COMM_WORLD);
    if (rank == 0)
      std::printf("engine=%s dimension=%d tokens=%lld ranks=%d seconds_per_evaluation=%.6g "
                  "pairs_per_second_per_core=%.4g pairs_per_cpu_second=%.4g "
                  "cpu_seconds_per_evaluation=%.6g\n",
                  engine->name().c_str(), d, n, parallel::size_of(MPI_COMM_WORLD),
                  timing.seconds_per_evaluation, timing.pairs_per_second_per_core,
                  timing.pairs_per_cpu_second, timing.cpu_seconds_per_evaluation);
    if (options.flag("measure-peak") && rank == 0) {
      const double peak = interaction::measure_fma_peak(options.get<double>("peak-seconds"), 3);
      const double flops = interaction::kernel_flops_per_pair(d);
      std::printf("fma_peak_flops_per_core=%.4g kernel_flops_per_pair=%.0f "
                  "peak_pairs_per_second_per_core=%.4g fraction_of_peak=%.3f\n",
                  peak, flops, peak / flops, timing.pairs_per_cpu_second * flops / peak);
    }
  } catch (const config::InputError& error) {
    if (rank == 0) std::fprintf(stderr, "attnflow-benchmark: error: %s\n", error.what());
    status = 2;
  }
  MPI_Finalize();
  return status;
}

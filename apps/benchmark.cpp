// attnflow-benchmark: throughput and accuracy of the interaction engines on random tokens. Modes:
//   throughput  pairs per second per core of one evaluation (optionally against the FMA peak)
//   flow        wall time of projected Euler steps (stepper "euler") with the engine
//   accuracy    one evaluation on all tokens, error against the direct engine on sampled targets
// Not a test: jobs/benchmark runs it.
#include "benchmark/benchmark.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "config/options.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"
#include "simulation/scaling_record.hpp"

using namespace attnflow;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int rank = parallel::rank_of(MPI_COMM_WORLD);
  const int ranks = parallel::size_of(MPI_COMM_WORLD);
  int status = 0;
  try {
    config::OptionSet options("attnflow-benchmark",
                              "Engine throughput, flow time and accuracy on random tokens on "
                              "S^{d-1} (Q = K = V = I).");
    options.add<std::string>("mode", "throughput", "", "throughput | flow | accuracy");
    interaction::add_engine_options(options);
    options.add<int>("dimension", 3, "", "ambient dimension d");
    options.add<long long>("tokens", 16384, "", "number of tokens N");
    options.add<double>("beta", 1.0, "", "inverse temperature");
    options.add<std::string>("attention", "sa", "", "sa (softmax) | usa (unnormalised)");
    options.add<int>("repeats", 3, "", "throughput: evaluations timed (the best is reported)");
    options.add_flag("measure-peak", "throughput: also measure the FMA peak of one core");
    options.add<double>("peak-seconds", 0.3, "s", "throughput: CPU time of one FMA peak run");
    options.add<long long>("steps", 10, "", "flow: Euler steps timed");
    options.add<long long>("total-steps", 0, "",
                           "flow: also extrapolate the time to this many steps");
    options.add<double>("time-step", 1e-4, "",
                        "flow: step in the model's time (USA: physical time; the integrator "
                        "steps e^{beta} times this in the rescaled time)");
    options.add<std::string>("compare-engine", "", "",
                             "flow: run the same steps with this engine (direct | ring | "
                             "spectral | large-beta) and report the largest position difference");
    options.add<long long>("samples", 1000, "", "accuracy: targets checked against direct");
    std::ostringstream help;
    if (!options.parse(argc, argv, help)) {
      if (rank == 0) std::cout << help.str();
      MPI_Finalize();
      return 0;
    }
    const std::string mode = options.get<std::string>("mode");
    const int d = options.get<int>("dimension");
    const long long n = options.get<long long>("tokens");
    const std::string attention = options.get<std::string>("attention");
    errors::require(mode == "throughput" || mode == "flow" || mode == "accuracy",
                    "--mode: unknown mode '" + mode + "'; accepted: throughput, flow, accuracy");
    errors::require(d >= 2, "--dimension: must be >= 2");
    errors::require(n >= 1, "--tokens: must be >= 1");
    errors::require(attention == "sa" || attention == "usa",
                    "--attention: '" + attention + "' is unknown; accepted: sa, usa");
    model::Model model;
    model.dimension = d;
    model.beta = options.get<double>("beta");
    model.attention =
        attention == "sa" ? model::Attention::softmax : model::Attention::unnormalised;
    model.query = model.key = model.value = model::Matrix::identity(d);
    const auto kernel = interaction::Kernel::from_model(model);
    const auto engine_options = interaction::engine_options(options);
    const std::string engine_name = options.get<std::string>("engine");
    auto engine = interaction::make_engine(engine_name, kernel, MPI_COMM_WORLD, engine_options);

    if (mode == "throughput") {
      const int repeats = options.get<int>("repeats");
      errors::require(repeats >= 1, "--repeats: must be >= 1");
      const auto timing = benchmark::time_engine(*engine, d, n, repeats, MPI_COMM_WORLD);
      // Pairs the engine summed (all ranks), against the N^2 of the exact sum.
      double pairs = engine->pairs_last_call();
      MPI_Allreduce(MPI_IN_PLACE, &pairs, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      const double memory = simulation::peak_memory_mebibytes(MPI_COMM_WORLD);
      if (rank == 0)
        std::printf(
            "engine=%s dimension=%d tokens=%lld ranks=%d beta=%g tolerance=%g "
            "seconds_per_evaluation=%.6g pairs_per_second_per_core=%.4g "
            "pairs_per_cpu_second=%.4g cpu_seconds_per_evaluation=%.6g pairs_fraction=%.4g "
            "peak_memory_mib_per_rank=%.1f\n",
            engine->name().c_str(), d, n, ranks, model.beta, engine_options.tolerance,
            timing.seconds_per_evaluation, timing.pairs_per_second_per_core,
            timing.pairs_per_cpu_second, timing.cpu_seconds_per_evaluation,
            pairs / (static_cast<double>(n) * static_cast<double>(n)), memory);
      if (options.flag("measure-peak") && rank == 0) {
        const double peak = benchmark::measure_fma_peak(options.get<double>("peak-seconds"), 3);
        const double flops = benchmark::kernel_flops_per_pair(d);
        std::printf(
            "fma_peak_flops_per_core=%.4g kernel_flops_per_pair=%.0f "
            "peak_pairs_per_second_per_core=%.4g fraction_of_peak=%.3f\n",
            peak, flops, peak / flops, timing.pairs_per_cpu_second * flops / peak);
      }
    } else if (mode == "flow") {
      const long long steps = options.get<long long>("steps");
      errors::require(steps >= 1, "--steps: must be >= 1");
      // The integrator works in the rescaled time t' = e^{s} t for USA (docs/mathematics.md section 1).
      const double h = options.get<double>("time-step") * std::exp(model.log_time_scale());
      const auto flow = benchmark::time_flow(*engine, model, n, h, steps, MPI_COMM_WORLD);
      const long long total = options.get<long long>("total-steps");
      if (rank == 0)
        std::printf(
            "engine=%s mode=flow dimension=%d tokens=%lld ranks=%d attention=%s "
            "beta=%g steps=%lld seconds=%.6g seconds_per_step=%.6g cpu_seconds=%.6g "
            "total_steps=%lld projected_seconds=%.6g projected_cpu_seconds=%.6g\n",
            engine->name().c_str(), d, n, ranks, attention.c_str(), model.beta, steps, flow.seconds,
            flow.seconds / steps, flow.cpu_seconds, total, flow.seconds / steps * total,
            flow.cpu_seconds / steps * total);
      const std::string other = options.get<std::string>("compare-engine");
      if (!other.empty()) {
        auto second = interaction::make_engine(other, kernel, MPI_COMM_WORLD, engine_options);
        const auto reference = benchmark::time_flow(*second, model, n, h, steps, MPI_COMM_WORLD);
        double difference = 0, largest = 0;
        for (std::size_t i = 0; i < flow.final_positions.size(); ++i)
          difference = std::max(difference,
                                std::abs(flow.final_positions[i] - reference.final_positions[i]));
        MPI_Allreduce(&difference, &largest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0)
          std::printf(
              "compare_engine=%s seconds=%.6g seconds_per_step=%.6g cpu_seconds=%.6g "
              "max_position_difference=%.3g\n",
              other.c_str(), reference.seconds, reference.seconds / steps, reference.cpu_seconds,
              largest);
      }
    } else {
      const long long samples = options.get<long long>("samples");
      errors::require(samples >= 1, "--samples: must be >= 1");
      const auto accuracy =
          benchmark::sampled_accuracy(*engine, kernel, n, samples, MPI_COMM_WORLD);
      if (rank == 0)
        std::printf(
            "engine=%s mode=accuracy dimension=%d tokens=%lld ranks=%d beta=%g "
            "tolerance=%g seconds_per_evaluation=%.6g cpu_seconds_per_evaluation=%.6g "
            "samples=%lld sums_error=%.3g output_error=%.3g direct_sample_seconds=%.6g "
            "direct_sample_cpu_seconds=%.6g direct_seconds_extrapolated=%.6g "
            "direct_cpu_seconds_extrapolated=%.6g\n",
            engine->name().c_str(), d, n, ranks, model.beta, engine_options.tolerance,
            accuracy.seconds_per_evaluation, accuracy.cpu_seconds_per_evaluation,
            static_cast<long long>(accuracy.sampled_targets), accuracy.sums_error,
            accuracy.output_error, accuracy.direct_sample_seconds,
            accuracy.direct_sample_cpu_seconds, accuracy.direct_seconds_extrapolated,
            accuracy.direct_cpu_seconds_extrapolated);
    }
  } catch (const errors::InputError& error) {
    if (rank == 0) std::fprintf(stderr, "attnflow-benchmark: error: %s\n", error.what());
    status = 2;
  }
  MPI_Finalize();
  return status;
}

#pragma once
// Throughput measurements for the interaction engines (attnflow-benchmark): engine pairs per
// second on random tokens, and the machine's double-precision FMA peak per core measured with
// independent vector FMA chains, to state what fraction of the peak a kernel reaches.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "interaction/engine.hpp"

namespace attnflow::benchmark {

// Floating-point operations the direct kernel spends on one pair in dimension d (an FMA counts
// 2): exponent 2d - 1, shift 1, exponential 34 (range reduction 7, degree-12 polynomial 26,
// scaling 1), weight 1, normaliser 1, numerator 2d.
double kernel_flops_per_pair(int dimension);

// Double-precision FLOP/s of one core: 12 independent chains of 4-lane FMAs (enough to cover
// the FMA latency on two pipes), best of `repeats` runs of about `seconds` of CPU time each
// (CPU time, like pairs_per_cpu_second, so that other jobs on the core do not lower it).
double measure_fma_peak(double seconds, int repeats);

// Tokens uniform on S^{d-1} for global indices [first, first + count) (row-major), independent
// of the rank count.
std::vector<double> random_sphere_points(std::int64_t first, std::int64_t count, int dimension,
                                         std::uint64_t seed);

struct EngineTiming {
  double seconds_per_evaluation = 0;     // best over the repeats (max over ranks within one)
  double pairs_per_second_per_core = 0;  // N^2 / (seconds * ranks)
  // The same from the processes' CPU time (sum over ranks): robust when other jobs share the
  // cores, since time spent descheduled is not counted.
  double pairs_per_cpu_second = 0;
  // Largest CPU time of a rank in the best evaluation: what the wall time would be on dedicated
  // cores (MPI waits busy-poll, so waiting counts as CPU time).
  double cpu_seconds_per_evaluation = 0;
};

// Times `repeats` evaluations of `engine` on N random tokens (sources = targets, w = 1/N).
// Collective over comm.
EngineTiming time_engine(interaction::Engine& engine, int dimension, std::int64_t token_count, int repeats,
                         MPI_Comm comm);

// Wall time of `steps` projected Euler steps (stepper "euler", rescaled time step h) of the model
// on N random tokens with `engine`; also returns this rank's final positions. Collective.
struct FlowTiming {
  double seconds = 0;      // wall, max over ranks
  double cpu_seconds = 0;  // the slowest rank's CPU time
  std::vector<double> final_positions;
};
FlowTiming time_flow(interaction::Engine& engine, const model::Model& model, std::int64_t token_count,
                     double time_step, std::int64_t steps, MPI_Comm comm);

// Accuracy of an approximate engine against the direct engine on `sample_count` random targets
// (the direct sums over all N sources run only for those), with one timed evaluation of the
// approximate engine on all N tokens; the direct engine's time on the samples is scaled by
// N / samples to estimate one full direct evaluation. Collective.
struct SampledAccuracy {
  double seconds_per_evaluation = 0;  // approximate engine, all N targets (wall, max over ranks)
  double cpu_seconds_per_evaluation = 0;
  std::int64_t sampled_targets = 0;
  double direct_sample_seconds = 0;  // direct engine on the sampled targets (wall, max over ranks)
  double direct_sample_cpu_seconds = 0;
  double direct_seconds_extrapolated = 0;  // the same times N / sampled_targets
  double direct_cpu_seconds_extrapolated = 0;
  double sums_error = 0;    // max |difference| of the sums / (W e^{beta - shift})
  double output_error = 0;  // max |difference| of the attention output / max |a_direct|
};
SampledAccuracy sampled_accuracy(interaction::Engine& engine, const interaction::Kernel& kernel, std::int64_t token_count,
                                 std::int64_t sample_count, MPI_Comm comm);

}  // namespace attnflow::benchmark

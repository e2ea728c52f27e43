#include "benchmark/benchmark.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <span>

#include "interaction/direct_engine.hpp"
#include "parallel/partition.hpp"
#include "particles/state.hpp"
#include "random/counter_random.hpp"
#include "stepper/integrator.hpp"
#include "stepper/velocity.hpp"

namespace attnflow::benchmark {

using interaction::DirectEngine;
using interaction::Engine;
using interaction::Kernel;
using interaction::KernelSums;
using interaction::attention_output;

double kernel_flops_per_pair(int dimension) { return 4.0 * dimension + 37.0; }

double measure_fma_peak(double seconds, int repeats) {
  using Vec = double __attribute__((vector_size(32)));
  constexpr int chains = 12;
  constexpr long inner = 1000;
  double best = 0;
  volatile double sink = 0;
  for (int r = 0; r < repeats; ++r) {
    Vec a[chains];
    for (int c = 0; c < chains; ++c) a[c] = Vec{1.0 + c, 1.0, 1.0, 1.0};
    // volatile so that the compiler cannot fold the loop: x <- x * m + b stays bounded.
    volatile double m_value = 0.999999, b_value = 1e-6;
    const Vec m = Vec{m_value, m_value, m_value, m_value};
    const Vec b = Vec{b_value, b_value, b_value, b_value};
    long iterations = 0;
    const std::clock_t start = std::clock();
    double elapsed = 0;
    do {
      for (long i = 0; i < inner; ++i)
        for (int c = 0; c < chains; ++c) a[c] = a[c] * m + b;
      iterations += inner;
      elapsed = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    } while (elapsed < seconds);
    double total = 0;
    for (int c = 0; c < chains; ++c) total += a[c][0] + a[c][3];
    sink = sink + total;
    best = std::max(best, 2.0 * 4.0 * chains * static_cast<double>(iterations) / elapsed);
  }
  return best;
}

std::vector<double> random_sphere_points(std::int64_t first, std::int64_t count, int dimension,
                                         std::uint64_t seed) {
  random::CounterRandom rng(seed, random::Stream::test);
  std::vector<double> x(count * dimension);
  for (std::int64_t i = 0; i < count; ++i) {
    std::span<double> row(x.data() + i * dimension, dimension);
    rng.normals(first + i, 0, row);
    double n = 0;
    for (double v : row) n += v * v;
    for (double& v : row) v /= std::sqrt(n);
  }
  return x;
}

EngineTiming time_engine(Engine& engine, int dimension, std::int64_t token_count, int repeats,
                         MPI_Comm comm) {
  const auto part = parallel::block_partition(token_count, comm);
  const auto x = random_sphere_points(part.first, part.count, dimension, 2024);
  const std::vector<double> w(part.count, 1.0 / static_cast<double>(token_count));
  KernelSums sums;
  double best = std::numeric_limits<double>::infinity();
  double best_cpu = best, best_cpu_slowest = best;
  for (int r = 0; r < repeats; ++r) {
    parallel::check_mpi(MPI_Barrier(comm), "MPI_Barrier");
    const double start = MPI_Wtime();
    const std::clock_t cpu_start = std::clock();
    engine.evaluate(x, x, w, sums);
    double elapsed[2] = {MPI_Wtime() - start,
                         static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC};
    double slowest = 0, cpu_total = 0, cpu_slowest = 0;
    parallel::check_mpi(MPI_Allreduce(&elapsed[0], &slowest, 1, MPI_DOUBLE, MPI_MAX, comm),
                        "MPI_Allreduce(time)");
    parallel::check_mpi(MPI_Allreduce(&elapsed[1], &cpu_total, 1, MPI_DOUBLE, MPI_SUM, comm),
                        "MPI_Allreduce(cpu time)");
    parallel::check_mpi(MPI_Allreduce(&elapsed[1], &cpu_slowest, 1, MPI_DOUBLE, MPI_MAX, comm),
                        "MPI_Allreduce(cpu time)");
    best = std::min(best, slowest);
    best_cpu = std::min(best_cpu, cpu_total);
    best_cpu_slowest = std::min(best_cpu_slowest, cpu_slowest);
  }
  const double n = static_cast<double>(token_count);
  return {best, n * n / (best * parallel::size_of(comm)), n * n / best_cpu, best_cpu_slowest};
}

FlowTiming time_flow(Engine& engine, const model::Model& model, std::int64_t token_count,
                     double time_step, std::int64_t steps, MPI_Comm comm) {
  particles::State state;
  state.dimension = model.dimension;
  state.partition = parallel::block_partition(token_count, comm);
  state.comm = comm;
  state.positions =
      random_sphere_points(state.partition.first, state.partition.count, model.dimension, 7);
  const Kernel kernel = Kernel::from_model(model);
  stepper::VelocityField velocity(kernel, engine, token_count);
  auto integrator = stepper::make_integrator("euler", velocity, model, 1, 1.0);
  parallel::check_mpi(MPI_Barrier(comm), "MPI_Barrier");
  const double start = MPI_Wtime();
  const std::clock_t cpu_start = std::clock();
  for (std::int64_t s = 0; s < steps; ++s) integrator->step(state, time_step);
  double elapsed[2] = {MPI_Wtime() - start,
                       static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC};
  double slowest[2] = {0, 0};
  parallel::check_mpi(MPI_Allreduce(elapsed, slowest, 2, MPI_DOUBLE, MPI_MAX, comm),
                      "MPI_Allreduce(time)");
  return {slowest[0], slowest[1], std::move(state.positions)};
}

SampledAccuracy sampled_accuracy(Engine& engine, const Kernel& kernel, std::int64_t token_count,
                                 std::int64_t sample_count, MPI_Comm comm) {
  const int d = kernel.dimension;
  const auto part = parallel::block_partition(token_count, comm);
  const auto x = random_sphere_points(part.first, part.count, d, 2024);
  const std::vector<double> w(part.count, 1.0 / static_cast<double>(token_count));
  SampledAccuracy result;
  KernelSums approximate;
  parallel::check_mpi(MPI_Barrier(comm), "MPI_Barrier");
  const double start = MPI_Wtime();
  const std::clock_t cpu_start = std::clock();
  engine.evaluate(x, x, w, approximate);
  double elapsed[2] = {MPI_Wtime() - start,
                       static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC};
  double slowest[2] = {0, 0};
  parallel::check_mpi(MPI_Allreduce(elapsed, slowest, 2, MPI_DOUBLE, MPI_MAX, comm),
                      "MPI_Allreduce(time)");
  result.seconds_per_evaluation = slowest[0];
  result.cpu_seconds_per_evaluation = slowest[1];
  // Sample: every (N / samples)-th global token; each rank checks the ones it owns.
  const std::int64_t spacing = std::max<std::int64_t>(1, token_count / sample_count);
  std::vector<double> targets;
  std::vector<std::int64_t> local_index;
  for (std::int64_t i = 0; i < part.count; ++i)
    if ((part.first + i) % spacing == 0) {
      targets.insert(targets.end(), x.begin() + i * d, x.begin() + (i + 1) * d);
      local_index.push_back(i);
    }
  DirectEngine direct(kernel, comm);
  KernelSums exact;
  parallel::check_mpi(MPI_Barrier(comm), "MPI_Barrier");
  const double direct_start = MPI_Wtime();
  const std::clock_t direct_cpu_start = std::clock();
  direct.evaluate(targets, x, w, exact);
  double direct_elapsed[2] = {MPI_Wtime() - direct_start,
                              static_cast<double>(std::clock() - direct_cpu_start) / CLOCKS_PER_SEC};
  double direct_slowest[2] = {0, 0};
  parallel::check_mpi(MPI_Allreduce(direct_elapsed, direct_slowest, 2, MPI_DOUBLE, MPI_MAX, comm),
                      "MPI_Allreduce(time)");
  std::int64_t sampled = static_cast<std::int64_t>(local_index.size());
  parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, &sampled, 1, MPI_INT64_T, MPI_SUM, comm),
                      "MPI_Allreduce(samples)");
  result.sampled_targets = sampled;
  result.direct_sample_seconds = direct_slowest[0];
  result.direct_sample_cpu_seconds = direct_slowest[1];
  // The direct sum over all N targets costs N / samples times the sampled one (its all-gather
  // of the N sources, done once either way, is included: an overestimate by that much).
  const double scale_up = static_cast<double>(token_count) / static_cast<double>(sampled);
  result.direct_seconds_extrapolated = direct_slowest[0] * scale_up;
  result.direct_cpu_seconds_extrapolated = direct_slowest[1] * scale_up;
  std::vector<double> a_exact(targets.size()), a_approximate(x.size());
  attention_output(kernel, exact, a_exact);
  attention_output(kernel, approximate, a_approximate);
  const double scale = std::exp(kernel.beta - kernel.constant_shift);  // W = 1
  double local[3] = {0, 0, 0};  // sums error, output difference, output size
  for (std::size_t s = 0; s < local_index.size(); ++s) {
    const std::int64_t i = local_index[s];
    local[0] = std::max(local[0], std::abs(exact.normaliser[s] - approximate.normaliser[i]));
    for (int k = 0; k < d; ++k) {
      local[0] = std::max(local[0],
                          std::abs(exact.numerator[s * d + k] - approximate.numerator[i * d + k]));
      local[1] = std::max(local[1], std::abs(a_exact[s * d + k] - a_approximate[i * d + k]));
      local[2] = std::max(local[2], std::abs(a_exact[s * d + k]));
    }
  }
  double global[3];
  parallel::check_mpi(MPI_Allreduce(local, global, 3, MPI_DOUBLE, MPI_MAX, comm),
                      "MPI_Allreduce(errors)");
  result.sums_error = global[0] / scale;
  result.output_error = global[1] / global[2];
  return result;
}

}  // namespace attnflow::benchmark

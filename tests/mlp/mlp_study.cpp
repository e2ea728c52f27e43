// mlp_study: the longer Monte Carlo measurements behind the fast tests of tests/mlp (docs/mathematics.md
// section 9), run by jobs/mlp/run_study.sh, and the time per layer of the MLP block
// (jobs/benchmark/mlp_benchmark.sh). Modes:
//   one-point  E<X_T, X_0> against e^{-kappa(1)(d-1)T/2} and the derived step bias
//   exponents  two-token lambda_1 (E ln r) and lambda_bar (E r^2) against docs/mathematics.md section 9
//   benchmark  seconds per layer (weights drawn once, the block applied to N tokens) per width
// Realisations are dealt to the MPI ranks; the numbers do not depend on the rank count.
#include <mpi.h>

#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numbers>
#include <string>
#include <vector>

#include "config/number_list.hpp"
#include "config/options.hpp"
#include "errors/errors.hpp"
#include "geometry/sphere.hpp"
#include "mlp/field.hpp"
#include "mlp/ensemble.hpp"
#include "mlp/step_bias.hpp"
#include "random/counter_random.hpp"
#include "theory/mlp_constants.hpp"

using namespace attnflow;

namespace {

model::Model make_model(const config::OptionSet& options) {
  model::Model m;
  m.dimension = options.get<int>("dimension");
  m.query = m.key = m.value = model::Matrix::identity(m.dimension);
  m.beta = options.get<double>("beta");
  m.attention_sign = options.get<int>("attention-sign");
  model::MlpBlock block;
  block.activation = mlp::parse_activation(options.get<std::string>("activation"), "activation");
  block.width = options.get<int>("width");
  block.input_bias = options.get<double>("bias-u");
  block.output_bias = options.get<double>("bias-w");
  m.mlp = block;
  return m;
}

// Token i of 2d at +-e_{i/2}: spread over the sphere so that the per-realisation mean averages
// weakly correlated tokens.
std::vector<double> axis_tokens(int d) {
  std::vector<double> x(2 * d * d, 0.0);
  for (int i = 0; i < 2 * d; ++i) x[i * d + i / 2] = i % 2 == 0 ? 1.0 : -1.0;
  return x;
}

// Pair p: e_p and cos(r0) e_p + sin(r0) e_{p+1}, p = 0..d-1 (|X - Y| = 2 sin(r0/2)).
std::vector<double> close_pairs(int d, double separation) {
  std::vector<double> x(2 * d * d, 0.0);
  for (int p = 0; p < d; ++p) {
    x[2 * p * d + p] = 1.0;
    x[(2 * p + 1) * d + p] = std::cos(separation);
    x[(2 * p + 1) * d + (p + 1) % d] = std::sin(separation);
  }
  return x;
}

int one_point(const config::OptionSet& options, int rank) {
  const auto model = make_model(options);
  const int d = model.dimension, layers = options.get<int>("layers");
  const double horizon = options.get<double>("horizon"), h = horizon / layers;
  const auto integrator = options.get<std::string>("integrator");
  const auto rows = testing::run_ensemble(model, integrator, axis_tokens(d), layers, h,
                                          options.get<long long>("realisations"),
                                          options.get<unsigned long long>("seed"),
                                          testing::mean_self_overlap, MPI_COMM_WORLD);
  const auto e = testing::estimate(testing::column(rows, 0));
  const auto moments = testing::field_moments(*model.mlp, d);
  const double prediction = std::exp(-moments.kappa_one * (d - 1) * horizon / 2);
  const double bias = testing::one_point_bias(moments, horizon, h, integrator == "heun");
  if (rank == 0)
    std::printf("one-point %s %s d=%d m=%d sU=%g sW=%g L=%d T=%g: measured %.6f +- %.6f, "
                "e^{-lambda T} %.6f, derived bias %+.6f, (measured - prediction) / se %+.2f, "
                "(measured - prediction - bias) / se %+.2f\n",
                integrator.c_str(), mlp::activation_name(model.mlp->activation).c_str(), d,
                model.mlp->width, model.mlp->input_bias, model.mlp->output_bias, layers, horizon,
                e.mean, e.standard_error, prediction, bias,
                (e.mean - prediction) / e.standard_error,
                (e.mean - prediction - bias) / e.standard_error);
  return 0;
}

int exponents(const config::OptionSet& options, int rank) {
  const auto model = make_model(options);
  const int d = model.dimension, layers = options.get<int>("layers");
  const double horizon = options.get<double>("horizon"), h = horizon / layers;
  const auto integrator = options.get<std::string>("integrator");
  const auto rows = testing::run_ensemble(model, integrator, close_pairs(d, 1e-4), layers, h,
                                          options.get<long long>("realisations"),
                                          options.get<unsigned long long>("seed"),
                                          testing::pair_separation, MPI_COMM_WORLD);
  const auto log_ratio = testing::estimate(testing::column(rows, 0));
  const auto square_ratio = testing::estimate(testing::column(rows, 1));
  const auto c = theory::mlp_constants(*model.mlp, d, model.beta);
  const auto moments = testing::field_moments(*model.mlp, d);
  // The layer scheme's derived step biases (tests/mlp/step_bias.hpp; none derived for heun).
  const bool layer = integrator == "layer";
  const double lyapunov_bias = layer ? testing::lyapunov_bias(moments, h) : 0.0;
  const double mean_square_bias = layer ? testing::mean_square_bias(moments, h) : 0.0;
  // lambda_bar = ln E (r_T / r_0)^2 / T, its standard error by the delta method.
  const double lambda_1 = log_ratio.mean / horizon;
  const double lambda_1_error = log_ratio.standard_error / horizon;
  const double lambda_bar = std::log(square_ratio.mean) / horizon;
  const double lambda_bar_error = square_ratio.standard_error / square_ratio.mean / horizon;
  if (rank == 0)
    std::printf("exponents %s %s d=%d m=%d sU=%g sW=%g L=%d T=%g: lambda_1 %.5f +- %.5f "
                "(theory %.5f, step bias %+.5f, z %+.2f), lambda_bar %.5f +- %.5f (theory %.5f, "
                "step bias %+.5f, z %+.2f)\n",
                integrator.c_str(), mlp::activation_name(model.mlp->activation).c_str(), d,
                model.mlp->width, model.mlp->input_bias, model.mlp->output_bias, layers, horizon,
                lambda_1, lambda_1_error, c.lyapunov_exponent.value, lyapunov_bias,
                (lambda_1 - c.lyapunov_exponent.value - lyapunov_bias) / lambda_1_error, lambda_bar,
                lambda_bar_error, c.mean_square_exponent.value, mean_square_bias,
                (lambda_bar - c.mean_square_exponent.value - mean_square_bias) / lambda_bar_error);
  return 0;
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Seconds per layer at each width: draw the layer's weights, evaluate G_l on this rank's tokens,
// add sqrt(h) G_l and renormalise (the MLP half-step of the layer scheme), best of `repeats`.
// Process CPU time (the slowest rank's), like attnflow-benchmark: other jobs on the cores then do
// not inflate it; the wall time is printed beside it.
int benchmark(const config::OptionSet& options, int rank, int ranks) {
  auto model = make_model(options);
  const int d = model.dimension;
  const auto tokens = options.get<long long>("tokens");
  const auto partition = parallel::block_partition(tokens, rank, ranks);
  std::vector<double> points(partition.count * d);
  random::CounterRandom generator(1, random::Stream::test);
  for (std::int64_t i = 0; i < partition.count; ++i) {
    generator.normals(static_cast<std::uint64_t>(partition.first + i), 0,
                      std::span<double>(points.data() + i * d, d));
  }
  geometry::normalise_rows(points, d);
  std::vector<double> values(points.size());
  if (rank == 0)
    std::printf("# activation %s, d = %d, N = %lld on %d ranks (CPU seconds of the slowest rank)\n"
                "# width  cpu_seconds_per_layer  wall_seconds  draw_cpu_seconds  "
                "nanoseconds_per_token_per_width\n",
                options.get<std::string>("activation").c_str(), d, tokens, ranks);
  for (double width : config::parse_numbers(options.get<std::string>("widths"), "widths")) {
    model.mlp->width = static_cast<int>(width);
    mlp::RandomField field(*model.mlp, d, 7);
    double best = 1e300, best_wall = 1e300, best_draw = 1e300;
    for (int repeat = 0; repeat < options.get<int>("repeats"); ++repeat) {
      MPI_Barrier(MPI_COMM_WORLD);
      const auto wall = std::chrono::steady_clock::now();
      const double start = cpu_seconds();
      field.draw_layer(static_cast<std::uint64_t>(repeat));
      const double drawn = cpu_seconds();
      field.evaluate(points, values);
      for (std::size_t k = 0; k < points.size(); ++k) points[k] += 0.01 * values[k];
      geometry::normalise_rows(points, d);
      double times[2] = {cpu_seconds() - start, drawn - start};
      MPI_Allreduce(MPI_IN_PLACE, times, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      best_wall = std::min(best_wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
      best = std::min(best, times[0]);
      best_draw = std::min(best_draw, times[1]);
    }
    if (rank == 0)
      std::printf("%7d  %21.6g  %12.6g  %16.3g  %.4g\n", model.mlp->width, best, best_wall,
                  best_draw, 1e9 * best / (static_cast<double>(tokens) / ranks) / width);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int status = 0;
  try {
    config::OptionSet options("mlp_study", "Monte Carlo checks and timing of the MLP block");
    options.add<std::string>("mode", "one-point", "", "one-point | exponents | benchmark");
    options.add<std::string>("integrator", "layer", "", "layer | heun");
    options.add<std::string>("activation", "tanh", "", "relu | gelu | silu | tanh | sigmoid");
    options.add<int>("dimension", 5, "", "d");
    options.add<int>("width", 64, "", "m");
    options.add<double>("bias-u", 0.0, "", "sigma_U");
    options.add<double>("bias-w", 0.0, "", "sigma_W");
    options.add<int>("attention-sign", 0, "", "1, 0 or -1");
    options.add<double>("beta", 1.0, "", "beta");
    options.add<int>("layers", 50, "", "L");
    options.add<double>("horizon", 1.0, "", "T");
    options.add<long long>("realisations", 1000, "", "independent noise realisations");
    options.add<unsigned long long>("seed", 1, "", "first seed");
    options.add<long long>("tokens", 100000, "", "benchmark: N");
    options.add<std::string>("widths", "16 64 256 1024", "", "benchmark: widths m");
    options.add<int>("repeats", 3, "", "benchmark: repeats (best is reported)");
    if (options.parse(argc, argv, std::cout)) {
      const auto mode = options.get<std::string>("mode");
      if (mode == "one-point") status = one_point(options, rank);
      else if (mode == "exponents") status = exponents(options, rank);
      else if (mode == "benchmark") status = benchmark(options, rank, ranks);
      else throw errors::InputError("--mode: unknown '" + mode + "'; accepted: one-point, exponents, benchmark");
    }
  } catch (const std::exception& e) {
    if (rank == 0) std::cerr << "mlp_study: " << e.what() << "\n";
    status = 2;
  }
  MPI_Finalize();
  return status;
}

// Adaptive steps and logarithmic output times of the particle run (stepper/adaptive.hpp,
// README "attnflow-particles options"): the local error guarantee on an exact solution, output
// times landed on exactly, and a run stopped and restarted bitwise equal to a straight one, on
// 1-4 ranks.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>

#include "config/options.hpp"
#include "interaction/engine.hpp"
#include "particles/particle_file.hpp"
#include "run/application.hpp"
#include "run/particle_run.hpp"
#include "stepper/adaptive.hpp"
#include "support/gather.hpp"
#include "support/models.hpp"
#include "support/mpi_test.hpp"
#include "support/particle_app.hpp"

using namespace attnflow;
using testing::read_text;
using testing::run_particle_app;

TEST_CASE("Adaptive steps: the pairing ODE to its merge time in few steps, landing exactly",
          "[run][parallel]") {
  // Two SA particles at angle 2.0, beta = 10: a slow start (e^{beta(1 - cos 2)} = 1.4e6, speed
  // ~1e-6) and then a merge at rate ~1. Tolerance 1e-10 per step; the quadrature's time T is
  // the limit, landed on exactly. The global error is at most the sum of the local errors
  // (the flow contracts here), measured as |theta(T) / theta_1 - 1|.
  const double beta = 10, theta_0 = 2.0, theta_1 = 1e-3;
  const double merge_time = double(testing::pairing_time(beta, theta_0, theta_1));
  const model::Model m = testing::identity_model(2, beta);
  particles::State state;
  state.dimension = 2;
  state.partition = parallel::block_partition(2, MPI_COMM_WORLD);
  const std::vector<double> all = {std::cos(theta_0 / 2), std::sin(theta_0 / 2),
                                   std::cos(theta_0 / 2), -std::sin(theta_0 / 2)};
  state.positions.assign(all.begin() + 2 * state.partition.first,
                         all.begin() + 2 * (state.partition.first + state.partition.count));
  state.comm = MPI_COMM_WORLD;
  const auto kernel = interaction::Kernel::from_model(m);
  auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
  auto velocity = stepper::make_velocity_field(m, *engine, 2);
  const double tolerance = 1e-10;
  stepper::AdaptiveStepper adaptive(velocity, tolerance, 1e5, 1 / std::sqrt(beta));
  while (state.time < merge_time) adaptive.step(state, merge_time);
  CHECK(state.time == merge_time);
  const auto gathered = testing::gather_positions(state);
  double theta = 0;
  if (testing::world_rank() == 0)
    theta = std::abs(std::remainder(std::atan2(gathered[1], gathered[0]) -
                                        std::atan2(gathered[3], gathered[2]),
                                    2 * std::numbers::pi));
  MPI_Bcast(&theta, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (testing::world_rank() == 0)
    std::printf("adaptive pairing: T = %.6g in %lld steps (%lld rejected), theta(T) / theta_1 - 1 "
                "= %.2e\n",
                merge_time, (long long)state.step, (long long)adaptive.rejected_steps(),
                theta / theta_1 - 1);
  // Relative to theta_1 the accumulated local errors are at most steps * tolerance / theta_1.
  CHECK(std::abs(theta / theta_1 - 1) < double(state.step) * tolerance / theta_1);
  // A fixed step of the same accuracy near the merge (h ~ 0.05) would take T / 0.05 steps.
  CHECK(double(state.step) < merge_time / 0.05 / 10);
  // The same steps on one rank holding both tokens: bitwise the same positions and step count.
  particles::State alone;
  alone.dimension = 2;
  alone.partition = parallel::block_partition(2, MPI_COMM_SELF);
  alone.positions = all;
  alone.comm = MPI_COMM_SELF;
  auto self_engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
  auto self_velocity = stepper::make_velocity_field(m, *self_engine, 2);
  stepper::AdaptiveStepper self_adaptive(self_velocity, tolerance, 1e5, 1 / std::sqrt(beta));
  while (alone.time < merge_time) self_adaptive.step(alone, merge_time);
  CHECK(alone.step == state.step);
  if (testing::world_rank() == 0) CHECK(alone.positions == gathered);
}

TEST_CASE("Adaptive run with logarithmic output: stop and restart equals a straight run",
          "[run][parallel]") {
  const auto dir = testing::scratch_directory("adaptive_restart");
  const std::vector<std::string> common = {
      "--quiet", "--tokens", "40", "--dimension", "3", "--beta", "6", "--adaptive-tolerance",
      "1e-8", "--step-size", "2", "--final-time", "60", "--output-times", "logarithmic",
      "--output-first-time", "0.5", "--output-factor", "1.5", "--snapshot-factor", "3",
      "--seed", "4"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  REQUIRE(run_particle_app(with({"--output", dir + "/straight.h5"})) == 0);
  REQUIRE(run_particle_app(with({"--output", dir + "/restarted.h5", "--stop-after-steps", "25"})) ==
          simulation::stopped_for_restart);
  REQUIRE(run_particle_app(with({"--output", dir + "/restarted.h5", "--restart", dir + "/restarted.chk"})) == 0);
  // Snapshots at 0 and 0.5 3^n up to 60 (0.5, 1.5, 4.5, 13.5, 40.5) and the end.
  const particles::ParticleFile straight(dir + "/straight.h5", MPI_COMM_WORLD, "test");
  const std::vector<double> expected = {0, 0.5, 1.5, 4.5, 13.5, 40.5, 60};
  REQUIRE(straight.snapshot_count() == std::int64_t(expected.size()));
  for (std::int64_t k = 0; k < straight.snapshot_count(); ++k) {
    const auto a = particles::read_snapshot(dir + "/straight.h5", MPI_COMM_WORLD, 3, k);
    const auto b = particles::read_snapshot(dir + "/restarted.h5", MPI_COMM_WORLD, 3, k);
    CHECK(a.time == Approx(expected[k]).epsilon(1e-15));
    REQUIRE(a.step == b.step);
    REQUIRE(a.time == b.time);
    REQUIRE(a.positions == b.positions);
  }
  if (testing::world_rank() == 0) {
    auto table = [](const std::string& text) { return text.substr(text.find("time,")); };
    REQUIRE(table(read_text(dir + "/straight.csv")) == table(read_text(dir + "/restarted.csv")));
  }
}

TEST_CASE("Adaptive and output-time options refuse what they cannot do", "[run][parallel]") {
  const auto dir = testing::scratch_directory("adaptive_bad");
  auto rejected = [&](std::vector<std::string> extra, const std::string& option) {
    std::vector<std::string> a = {"--quiet", "--tokens", "8", "--output", dir + "/bad.h5"};
    a.insert(a.end(), extra.begin(), extra.end());
    try {
      run_particle_app(a);
    } catch (const errors::InputError& e) {
      return std::string(e.what()).find(option) != std::string::npos &&
             !std::filesystem::exists(dir + "/bad.h5.partial");
    }
    return false;
  };
  CHECK(rejected({"--adaptive-tolerance", "1e-8", "--steps", "10"}, "--adaptive-tolerance"));
  CHECK(rejected({"--adaptive-tolerance", "1e-8", "--integrator", "euler"}, "--integrator"));
  CHECK(rejected({"--adaptive-tolerance", "-1"}, "--adaptive-tolerance"));
  CHECK(rejected({"--adaptive-tolerance", "1e-8", "--integrator", "heun", "--common-noise", "0.1"},
                 "--integrator"));
  CHECK(rejected({"--output-times", "geometric"}, "--output-times"));
  CHECK(rejected({"--output-times", "logarithmic", "--output-factor", "1"}, "--output-factor"));
}

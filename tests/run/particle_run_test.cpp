// The particle run as a whole: a run stopped at step M and restarted continues bitwise
// identically to a straight run of 2M steps, and bad input writes nothing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/options.hpp"
#include "output/hdf5.hpp"
#include "particles/particle_file.hpp"
#include "theory/mlp_constants.hpp"
#include "run/application.hpp"
#include "run/particle_run.hpp"
#include "support/gather.hpp"
#include "support/mpi_test.hpp"
#include "support/particle_app.hpp"

using namespace attnflow;
using testing::read_text;
using testing::run_particle_app;

TEST_CASE("Stop at step M and restart equals a straight run of 2M steps, bit for bit",
          "[run][parallel]") {
  const auto dir = testing::scratch_directory("restart");
  // Stochastic Heun with both noises: the restart must also continue the noise streams.
  const std::vector<std::string> common = {
      "--quiet", "--tokens", "37", "--dimension", "3", "--beta", "3", "--integrator", "heun",
      "--common-noise", "0.2", "--independent-noise", "0.1", "--step-size", "0.05", "--steps",
      "12", "--output-every", "2", "--snapshot-every", "3", "--seed", "17"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  REQUIRE(run_particle_app(with({"--output", dir + "/straight.h5"})) == 0);
  REQUIRE(run_particle_app(with({"--output", dir + "/restarted.h5", "--stop-after-steps", "6"})) ==
          run::stopped_for_restart);
  REQUIRE(std::filesystem::exists(dir + "/restarted.h5.partial"));
  REQUIRE(!std::filesystem::exists(dir + "/restarted.h5"));
  REQUIRE(run_particle_app(with({"--output", dir + "/restarted.h5", "--restart", dir + "/restarted.chk"})) == 0);
  for (std::int64_t snapshot = 0; snapshot < 5; ++snapshot) {
    const auto a = particles::read_snapshot(dir + "/straight.h5", MPI_COMM_WORLD, 3, snapshot);
    const auto b = particles::read_snapshot(dir + "/restarted.h5", MPI_COMM_WORLD, 3, snapshot);
    REQUIRE(a.step == b.step);
    REQUIRE(a.time == b.time);
    REQUIRE(a.positions == b.positions);
  }
  REQUIRE_THROWS_AS(particles::read_snapshot(dir + "/restarted.h5", MPI_COMM_WORLD, 3, 5),
                    errors::InputError);
  // The diagnostics tables (CSV, shortest round-trip digits) agree line for line; the CSV is a
  // plain table from its header on (the input echo, which differs in the output and restart
  // options, is in the .input.ini sidecar).
  if (testing::world_rank() == 0) {
    auto table = [](const std::string& text) { return text.substr(text.find("time,")); };
    REQUIRE(table(read_text(dir + "/straight.csv")) == table(read_text(dir + "/restarted.csv")));
  }
}

TEST_CASE("Bad input throws one InputError and writes nothing", "[run][parallel]") {
  const auto dir = testing::scratch_directory("bad_input");
  const std::string out = dir + "/run.h5";
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--tokens", "-3"},
           {"--dimension", "1"},
           {"--beta", "inf"},
           {"--step-size", "-0.1"},
           {"--value", "1 2 3"},
           {"--model", "gpt"},
           {"--integrator", "verlet"},
           {"--restart", dir + "/nothing-here"},
           {"--common-noise", "0.1", "--integrator", "rk4"},
           {"--mlp", "relu", "--integrator", "euler"},
           {"--layers", "10", "--steps", "5"},
           {"--layers", "10", "--step-size", "0.1"},
           {"--layers", "10", "--integrator", "rk4"},
           {"--substeps", "2", "--integrator", "heun"},
           {"--mlp", "tanh", "--substeps", "2", "--integrator", "layer"},
           {"--track-pair", "4,4"},
           {"--tokens", "5", "--track-pair", "1,5"}}) {
    auto arguments = bad;
    arguments.insert(arguments.end(), {"--quiet", "--output", out});
    REQUIRE_THROWS_AS(run_particle_app(arguments), errors::InputError);
    MPI_Barrier(MPI_COMM_WORLD);
    REQUIRE(std::filesystem::is_empty(dir));
  }
}

namespace {

// Root attributes of a finished run file, read on rank 0 (serial open after the run closed it).
struct Metadata {
  double step_size = 0, layer_length = 0, kappa_one = 0, lambda_bar = 0, energy_rate = 0;
  double energy_rate_error = 0;
  std::int64_t steps_per_layer = 0, width = 0;
  std::string integrator, coercive, activation;
};

Metadata read_metadata(const std::string& path) {
  Metadata m;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  CHECK(output::read_attribute(file, "step_size", m.step_size));
  CHECK(output::read_attribute(file, "layer_length", m.layer_length));
  CHECK(output::read_attribute(file, "mlp_kappa_1", m.kappa_one));
  CHECK(output::read_attribute(file, "mlp_lambda_bar", m.lambda_bar));
  CHECK(output::read_attribute(file, "mlp_energy_rate", m.energy_rate));
  CHECK(output::read_attribute(file, "mlp_energy_rate_error", m.energy_rate_error));
  CHECK(output::read_attribute(file, "steps_per_layer", m.steps_per_layer));
  CHECK(output::read_attribute(file, "mlp_width", m.width));
  m.integrator = output::read_string_attribute(file, "integrator");
  m.coercive = output::read_string_attribute(file, "mlp_coercive");
  m.activation = output::read_string_attribute(file, "mlp");
  H5Fclose(file);
  return m;
}

}  // namespace

TEST_CASE("--layers L over --final-time T is depth L with h = T / L (L k Heun steps with "
          "--substeps k); the MLP constants are stored as numbers",
          "[run][parallel]") {
  // The stored constants are the theory's doubles exactly (the same computation, numbers as
  // numbers). Sigmoid at d = 5 with zero biases is coercive (docs/mathematics.md section 9.7:
  // lambda_bar = -0.4771).
  const auto dir = testing::scratch_directory("layers");
  const std::vector<std::string> common = {
      "--quiet", "--tokens", "10", "--dimension", "5", "--beta", "1", "--mlp", "sigmoid",
      "--mlp-width", "40", "--layers", "30", "--final-time", "1.5", "--seed", "3"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  REQUIRE(run_particle_app(with({"--output", dir + "/layer.h5"})) == 0);
  REQUIRE(run_particle_app(with({"--output", dir + "/heun.h5", "--integrator", "heun", "--substeps", "4"})) == 0);
  model::MlpBlock block;
  block.activation = mlp::Activation::sigmoid;
  block.width = 40;
  const auto theory = theory::mlp_constants(block, 5, 1.0);
  const auto last_layer = particles::read_snapshot(dir + "/layer.h5", MPI_COMM_WORLD, 5, -1);
  const auto last_heun = particles::read_snapshot(dir + "/heun.h5", MPI_COMM_WORLD, 5, -1);
  CHECK(last_layer.step == 30);
  CHECK(last_heun.step == 120);
  // The time of step n is n h: 30 (1.5 / 30) and 120 (1.5 / 120) round to 1.5 within an ulp.
  CHECK(last_layer.time == Approx(1.5).epsilon(1e-15));
  CHECK(last_heun.time == Approx(1.5).epsilon(1e-15));
  if (testing::world_rank() == 0) {
    const auto layer = read_metadata(dir + "/layer.h5");
    CHECK(layer.integrator == "layer");
    CHECK(layer.step_size == 1.5 / 30);
    CHECK(layer.layer_length == 1.5 / 30);
    CHECK(layer.steps_per_layer == 1);
    CHECK(layer.width == 40);
    CHECK(layer.activation == "sigmoid");
    CHECK(layer.kappa_one == theory.kappa_one.value);
    CHECK(layer.lambda_bar == theory.mean_square_exponent.value);
    CHECK(layer.energy_rate == theory.energy_rate.value);
    CHECK(layer.energy_rate_error == theory.energy_rate.error);
    CHECK(layer.coercive == "true");
    const auto heun = read_metadata(dir + "/heun.h5");
    CHECK(heun.integrator == "heun");
    CHECK(heun.step_size == 1.5 / 120);
    CHECK(heun.layer_length == 4 * (1.5 / 120));
    CHECK(heun.steps_per_layer == 4);
  }
}

TEST_CASE("An MLP run restarts bitwise; a restart changing the block or the step is refused",
          "[run][parallel]") {
  const auto dir = testing::scratch_directory("mlp_restart");
  const std::vector<std::string> common = {
      "--quiet", "--tokens", "13", "--dimension", "4", "--beta", "2", "--mlp", "tanh",
      "--mlp-width", "24", "--mlp-bias-u", "0.2", "--layers", "10", "--final-time", "2",
      "--output-every", "2", "--snapshot-every", "5", "--seed", "8"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = common;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  REQUIRE(run_particle_app(with({"--output", dir + "/straight.h5"})) == 0);
  REQUIRE(run_particle_app(with({"--output", dir + "/restarted.h5", "--stop-after-steps", "5"})) ==
          run::stopped_for_restart);
  const std::string restart = dir + "/restarted.chk";
  for (const auto& change : std::vector<std::vector<std::string>>{
           {"--mlp", "relu"}, {"--mlp-width", "25"}, {"--mlp-bias-w", "0.1"},
           {"--final-time", "4"}, {"--layers", "20"}, {"--attention-sign", "-1"}}) {
    auto arguments = with({"--output", dir + "/restarted.h5", "--restart", restart});
    arguments.insert(arguments.end(), change.begin(), change.end());
    INFO(change[0] << " " << change[1]);
    REQUIRE_THROWS_AS(run_particle_app(arguments), errors::InputError);
  }
  REQUIRE(run_particle_app(with({"--output", dir + "/restarted.h5", "--restart", restart})) == 0);
  for (std::int64_t snapshot = 0; snapshot < 3; ++snapshot) {
    const auto a = particles::read_snapshot(dir + "/straight.h5", MPI_COMM_WORLD, 4, snapshot);
    const auto b = particles::read_snapshot(dir + "/restarted.h5", MPI_COMM_WORLD, 4, snapshot);
    REQUIRE(a.step == b.step);
    REQUIRE(a.positions == b.positions);
  }
}

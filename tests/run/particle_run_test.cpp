// The particle run as a whole: a run stopped at step M and restarted continues bitwise
// identically to a straight run of 2M steps, and bad input writes nothing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/options.hpp"
#include "particles/particle_file.hpp"
#include "run/application.hpp"
#include "run/particle_run.hpp"
#include "support/gather.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

int run_app(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "attnflow-particles");
  std::vector<const char*> argv;
  for (const auto& a : arguments) argv.push_back(a.c_str());
  config::OptionSet options("attnflow-particles", "test");
  run::add_particle_options(options);
  std::ostringstream ignored;
  options.parse(static_cast<int>(argv.size()), argv.data(), ignored);
  return run::run_particles(options, MPI_COMM_WORLD, ignored);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

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
  REQUIRE(run_app(with({"--output", dir + "/straight.h5"})) == 0);
  REQUIRE(run_app(with({"--output", dir + "/restarted.h5", "--stop-after-steps", "6"})) ==
          run::stopped_for_restart);
  REQUIRE(std::filesystem::exists(dir + "/restarted.h5.partial"));
  REQUIRE(!std::filesystem::exists(dir + "/restarted.h5"));
  REQUIRE(run_app(with({"--output", dir + "/restarted.h5", "--restart", dir + "/restarted.chk"})) == 0);
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
           {"--common-noise", "0.1", "--integrator", "rk4"}}) {
    auto arguments = bad;
    arguments.insert(arguments.end(), {"--quiet", "--output", out});
    REQUIRE_THROWS_AS(run_app(arguments), errors::InputError);
    MPI_Barrier(MPI_COMM_WORLD);
    REQUIRE(std::filesystem::is_empty(dir));
  }
}

// The continuum run as a whole: a run stopped mid-interval (or restarted from an older periodic
// checkpoint) continues bitwise identically to a straight run on the circle and the sphere; a
// restart at another rank count agrees to 1e-12; a restart with another model, domain or a
// damaged checkpoint is refused and changes nothing; an SPDE run (MLP block) stores its
// constants and restarts on the same noise path.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/options.hpp"
#include "output/hdf5.hpp"
#include "run/application.hpp"
#include "run/continuum_run.hpp"
#include "support/damage.hpp"
#include "support/mpi_test.hpp"
#include "theory/mlp_constants.hpp"

using namespace attnflow;
namespace fs = std::filesystem;

namespace {

int run_app(std::vector<std::string> arguments, MPI_Comm comm = MPI_COMM_WORLD) {
  arguments.insert(arguments.begin(), "attnflow-continuum");
  std::vector<const char*> argv;
  for (const auto& a : arguments) argv.push_back(a.c_str());
  config::OptionSet options("attnflow-continuum", "test");
  run::add_continuum_options(options);
  std::ostringstream ignored;
  options.parse(static_cast<int>(argv.size()), argv.data(), ignored);
  return run::run_continuum(options, comm, ignored);
}

// The arguments with each "--option value" pair of `changes` set (replaced, or appended).
std::vector<std::string> with(std::vector<std::string> arguments, const std::vector<std::string>& changes) {
  for (std::size_t k = 0; k + 1 < changes.size(); k += 2) {
    const auto it = std::find(arguments.begin(), arguments.end(), changes[k]);
    if (it == arguments.end()) {
      arguments.push_back(changes[k]);
      arguments.push_back(changes[k + 1]);
    } else {
      *(it + 1) = changes[k + 1];
    }
  }
  return arguments;
}

// Every record dataset of a run file, read serially (rank 0).
std::map<std::string, std::vector<double>> records(const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  for (const char* name : {"density", "time", "step", "diagnostics", "mesh/centres"}) {
    const hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
    const hid_t space = H5Dget_space(dataset);
    std::vector<double>& values = out[name];
    values.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Sclose(space);
    H5Dclose(dataset);
  }
  H5Fclose(file);
  return out;
}

// Largest |a - b| relative to the largest |a| of the dataset.
// Bit for bit, so that the NaN of an undefined column (rotation_rate when dim E != 2) compares
// equal to itself.
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// The largest |a - b| relative to max |a|; NaN where both are NaN counts as equal, NaN in one
// only as infinitely different.
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double scale = 0, worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return INFINITY;
    scale = std::max(scale, std::abs(a[i]));
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return scale > 0 ? worst / scale : worst;
}

// The checkpoint files of a directory, oldest first.
std::vector<std::string> checkpoints(const std::string& directory) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(directory))
    if (entry.path().extension() == ".h5") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// Every file below `directory` with its bytes: to check that a refused restart wrote nothing.
std::map<std::string, std::string> contents(const std::string& directory) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(directory))
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      out[entry.path().string()] = bytes.str();
    }
  return out;
}

const std::vector<std::string> circle_run = {
    "--quiet", "--dimension", "2", "--cells", "64", "--beta", "6", "--initial", "noise",
    "--amplitude", "0.3", "--final-time", "4", "--output-interval", "0.5"};
const std::vector<std::string> sphere_run = {
    "--quiet", "--dimension", "3", "--refine", "1", "--beta", "5", "--initial", "noise",
    "--amplitude", "0.3", "--cfl", "0.8", "--final-time", "4", "--output-interval", "0.5"};

}  // namespace

TEST_CASE("Stop mid-interval and restart equals a straight run, bit for bit", "[run][continuum][parallel]") {
  for (const auto& [name, common] : {std::pair{"circle", circle_run}, std::pair{"sphere", sphere_run}}) {
    const auto dir = testing::scratch_directory(std::string("continuum_restart_") + name);
    REQUIRE(run_app(with(common, {"--output", dir + "/straight.h5"})) == 0);
    // Steps are <= 0.1 long, so an interval of 0.5 takes >= 5 steps: step 13 lies inside the
    // third interval, after a periodic checkpoint at the second output time.
    const auto stopped = with(common, {"--stop-after-steps", "13", "--checkpoint-every", "2"});
    REQUIRE(run_app(with(stopped, {"--output", dir + "/restarted.h5"})) == run::stopped_for_restart);
    REQUIRE(fs::exists(dir + "/restarted.h5.partial"));
    REQUIRE(!fs::exists(dir + "/restarted.h5"));
    REQUIRE(run_app(with(common, {"--output", dir + "/restarted.h5", "--restart", dir + "/restarted.chk"})) == 0);
    // From the older periodic checkpoint: the partial output holds rows written after it, which
    // the restart must drop.
    REQUIRE(run_app(with(stopped, {"--output", dir + "/older.h5"})) == run::stopped_for_restart);
    const auto files = checkpoints(dir + "/older.chk");
    REQUIRE(files.size() == 2);
    REQUIRE(run_app(with(common, {"--output", dir + "/older.h5", "--restart", files.front()})) == 0);
    if (testing::world_rank() == 0) {
      const auto straight = records(dir + "/straight.h5");
      for (const char* other : {"/restarted.h5", "/older.h5"}) {
        const auto restarted = records(dir + other);
        for (const auto& [dataset, values] : straight) {
          INFO(name << other << " /" << dataset);
          CHECK(values.size() == restarted.at(dataset).size());
          CHECK(same_bits(values, restarted.at(dataset)));
        }
      }
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
}

TEST_CASE("Restart at another rank count continues the run", "[run][continuum][parallel]") {
  if (testing::world_size() == 1) return;  // the same rank count: the test case above
  // Stopped on one rank, finished on all. Neither scheme is bitwise rank independent: the
  // engine's summation order depends on the numbering of the targets, which is per rank (the
  // circle's faces shared by two ranks appear on both, the sphere's edges follow the partition),
  // and the moments are MPI_Allreduce sums. Both agree with the straight run to rounding
  // (measured <= 2.5e-15 relative at 2-4 ranks); tolerance 1e-12 relative to each dataset's
  // largest value.
  for (const auto& [name, common] : {std::pair{"circle", circle_run}, std::pair{"sphere", sphere_run}}) {
    const auto dir = testing::scratch_directory(std::string("continuum_ranks_") + name);
    REQUIRE(run_app(with(common, {"--output", dir + "/straight.h5"})) == 0);
    if (testing::world_rank() == 0)
      REQUIRE(run_app(with(common, {"--output", dir + "/restarted.h5", "--stop-after-steps", "13"}),
                      MPI_COMM_SELF) == run::stopped_for_restart);
    MPI_Barrier(MPI_COMM_WORLD);
    REQUIRE(run_app(with(common, {"--output", dir + "/restarted.h5", "--restart", dir + "/restarted.chk"})) == 0);
    if (testing::world_rank() == 0) {
      const auto straight = records(dir + "/straight.h5");
      const auto restarted = records(dir + "/restarted.h5");
      for (const auto& [dataset, values] : straight) {
        INFO(name << " /" << dataset);
        CHECK(relative_difference(values, restarted.at(dataset)) <= 1e-12);
      }
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
}

TEST_CASE("A restart that does not match its checkpoint is refused and writes nothing",
          "[run][continuum][parallel]") {
  const auto dir = testing::scratch_directory("continuum_bad_restart");
  const auto output = dir + "/run.h5", checkpoint = dir + "/run.chk";
  REQUIRE(run_app(with(circle_run, {"--output", output, "--stop-after-steps", "3"})) ==
          run::stopped_for_restart);
  const std::string damaged = dir + "/damaged.h5";
  if (testing::world_rank() == 0) {
    // One flipped bit in the density: the HDF5 structure stays valid, only the checksum sees it.
    fs::copy_file(checkpoints(checkpoint).front(), damaged);
    testing::flip_bits(damaged, "density", 8 * 10, 0x01);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const auto before = testing::world_rank() == 0 ? contents(dir) : std::map<std::string, std::string>{};
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--beta", "7"},                             // another model
           {"--cells", "128"},                          // another cell count
           {"--dimension", "3", "--refine", "1"},       // another domain
           {"--output-interval", "0.25"},               // other output times
           {"--restart", dir + "/no-such-checkpoint"},  // missing
           {"--restart", damaged},                      // damaged
           {"--final-time", "0"}}) {                    // checkpoint beyond the end
    const auto arguments = with(with(circle_run, {"--output", output, "--restart", checkpoint}), bad);
    INFO(bad.front() << " " << bad.back());
    REQUIRE_THROWS_AS(run_app(arguments), errors::InputError);
    MPI_Barrier(MPI_COMM_WORLD);
    if (testing::world_rank() == 0) CHECK(contents(dir) == before);
  }
}

TEST_CASE("An SPDE run (--mlp, --layers) stores the MLP constants, restarts bit for bit, and "
          "refuses a restart with another seed, block or depth",
          "[run][continuum][mlp][parallel]") {
  // The layers' weights are keyed by (seed, layer) and the layer of a step by its time (h =
  // final-time / layers): a run stopped inside a layer and restarted must continue on the same
  // noise path bitwise; the seed, the block and the depth (which sets h) shape that path.
  const std::vector<std::string> spde_run = {
      "--quiet", "--dimension", "2", "--cells", "64", "--beta", "4", "--initial", "noise",
      "--amplitude", "0.3", "--mlp", "tanh", "--mlp-width", "16", "--mlp-bias-u", "0.2",
      "--mlp-bias-w", "0.3", "--layers", "20", "--final-time", "2", "--output-interval", "0.5",
      "--seed", "5"};
  const auto dir = testing::scratch_directory("continuum_spde_restart");
  REQUIRE(run_app(with(spde_run, {"--output", dir + "/straight.h5"})) == 0);
  const auto stopped = with(spde_run, {"--output", dir + "/restarted.h5", "--stop-after-steps", "17"});
  REQUIRE(run_app(stopped) == run::stopped_for_restart);
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--seed", "6"}, {"--mlp", "relu"}, {"--mlp-width", "17"}, {"--mlp-bias-w", "0.4"},
           {"--layers", "21"}, {"--final-time", "2.5"}, {"--attention-sign", "0"}}) {
    INFO(bad.front() << " " << bad.back());
    REQUIRE_THROWS_AS(run_app(with(with(spde_run, {"--output", dir + "/restarted.h5", "--restart",
                                                   dir + "/restarted.chk"}),
                                   bad)),
                      errors::InputError);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  REQUIRE(run_app(with(spde_run, {"--output", dir + "/restarted.h5", "--restart",
                                  dir + "/restarted.chk"})) == 0);
  if (testing::world_rank() == 0) {
    const auto straight = records(dir + "/straight.h5");
    const auto restarted = records(dir + "/restarted.h5");
    for (const auto& [dataset, values] : straight) {
      INFO("/" << dataset);
      CHECK(same_bits(values, restarted.at(dataset)));
    }
    const hid_t file = H5Fopen((dir + "/straight.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    double layer_length = 0, kappa_one = 0;
    std::int64_t width = 0;
    CHECK(output::read_attribute(file, "layer_length", layer_length));
    CHECK(output::read_attribute(file, "mlp_kappa_1", kappa_one));
    CHECK(output::read_attribute(file, "mlp_width", width));
    CHECK(output::read_string_attribute(file, "mlp") == "tanh");
    H5Fclose(file);
    CHECK(layer_length == Approx(0.1).epsilon(1e-15));
    CHECK(width == 16);
    model::MlpBlock block{mlp::Activation::tanh, 16, 0.2, 0.3};
    CHECK(kappa_one == theory::mlp_constants(block, 2, 4.0).kappa_one.value);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  // Bad SPDE input: one InputError, nothing written.
  const auto bad_dir = testing::scratch_directory("continuum_spde_bad");
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--layers", "0"},                                // the SPDE needs the layer length
           {"--mlp", "none", "--mlp-width", "256", "--mlp-bias-u", "0", "--mlp-bias-w", "0"},
           {"--common-noise", "0.5"},                        // Brownian noise: not in the PDE
           {"--attention-sign", "2"}}) {
    INFO(bad.front() << " " << bad.back());
    REQUIRE_THROWS_AS(run_app(with(spde_run, with(bad, {"--output", bad_dir + "/run.h5"}))),
                      errors::InputError);
    MPI_Barrier(MPI_COMM_WORLD);
    if (testing::world_rank() == 0) CHECK(fs::is_empty(bad_dir));
  }
}

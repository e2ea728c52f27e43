// Restart files (particle positions, continuum densities): bitwise round trips at 1-4 ranks,
// reading at another rank count and partition, the `latest` pointer, and readable errors for
// damaged or foreign files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "checkpoint/checkpoint.hpp"
#include "checkpoint/density_checkpoint.hpp"
#include "errors/errors.hpp"
#include "output/hdf5.hpp"
#include "parallel/partition.hpp"
#include "random/counter_random.hpp"
#include "support/damage.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;
namespace fs = std::filesystem;

namespace {

// Random full-precision coordinates, a function of the global index only.
std::vector<double> global_rows(std::int64_t first, std::int64_t count, int d, std::uint64_t seed) {
  random::CounterRandom rng(seed, random::Stream::test);
  std::vector<double> x(count * d);
  for (std::int64_t i = 0; i < count; ++i) rng.normals(first + i, 0, std::span<double>(x.data() + i * d, d));
  return x;
}

particles::State make_state(int d, std::int64_t n, std::int64_t step, MPI_Comm comm) {
  particles::State s;
  s.dimension = d;
  s.comm = comm;
  s.partition = parallel::block_partition(n, comm);
  s.positions = global_rows(s.partition.first, s.partition.count, d, 1000 + step);
  s.time = 0.1 + 1.0 / (3.0 + step);
  s.step = step;
  return s;
}

const std::string input_text = "# resolved input\ntokens = 11\nbeta = 3\n";

std::string error_of(const std::string& path, MPI_Comm comm) {
  try {
    checkpoint::read(path, comm);
  } catch (const errors::InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("Checkpoint round trip is bitwise, at this rank count and on one rank", "[checkpoint][parallel]") {
  const std::string dir = testing::scratch_directory("checkpoint_round_trip") + "/chk";
  for (std::int64_t n : {3, 11, 1000}) {  // n = 3: rank 3 of 4 owns nothing
    for (int d : {2, 3, 6}) {
      const auto state = make_state(d, n, 40 + n + d, MPI_COMM_WORLD);
      const std::string path = checkpoint::write(dir, state, 5 + d, 17 + d, input_text);
      CHECK(fs::path(path).filename() == checkpoint::file_name(state.step));
      CHECK(!fs::exists(path + ".partial"));
      // Through the directory's `latest` pointer, on all ranks.
      const auto back = checkpoint::read(dir, MPI_COMM_WORLD);
      CHECK(back.path == path);
      CHECK(back.state.positions == state.positions);
      CHECK(back.state.partition.first == state.partition.first);
      CHECK(back.state.partition.global_count == n);
      CHECK(back.state.dimension == d);
      CHECK(back.state.time == state.time);
      CHECK(back.state.step == state.step);
      CHECK(back.snapshots_written == 5 + d);
      CHECK(back.diagnostics_written == 17 + d);
      CHECK(back.input == input_text);
      // Another rank count: rank 0 alone reads the whole state (collective on MPI_COMM_SELF).
      if (testing::world_rank() == 0) {
        const auto alone = checkpoint::read(path, MPI_COMM_SELF);
        CHECK(alone.state.partition.count == n);
        CHECK(alone.state.positions == global_rows(0, n, d, 1000 + state.step));
      }
      MPI_Barrier(MPI_COMM_WORLD);
    }
  }
}

TEST_CASE("A checkpoint written on one rank is read back at this rank count", "[checkpoint][parallel]") {
  const std::string dir = testing::scratch_directory("checkpoint_other_ranks");
  const int d = 3;
  const std::int64_t n = 23;
  if (testing::world_rank() == 0) checkpoint::write(dir, make_state(d, n, 7, MPI_COMM_SELF), 1, 2, input_text);
  MPI_Barrier(MPI_COMM_WORLD);
  const auto back = checkpoint::read(dir + "/" + checkpoint::file_name(7), MPI_COMM_WORLD);
  CHECK(back.state.positions == make_state(d, n, 7, MPI_COMM_WORLD).positions);
}

TEST_CASE("The latest pointer names the newest checkpoint; names sort by step", "[checkpoint][parallel]") {
  const std::string dir = testing::scratch_directory("checkpoint_latest");
  for (std::int64_t step : {9, 10, 123456789}) checkpoint::write(dir, make_state(2, 5, step, MPI_COMM_WORLD), 0, 0, "");
  CHECK(checkpoint::read(dir, MPI_COMM_WORLD).state.step == 123456789);
  CHECK(checkpoint::file_name(9) < checkpoint::file_name(10));
  CHECK(checkpoint::file_name(10) == "chk000000010.h5");
}

TEST_CASE("Damaged, foreign and missing checkpoints are InputErrors naming the file", "[checkpoint][parallel]") {
  const std::string dir = testing::scratch_directory("checkpoint_damaged");
  const auto state = make_state(3, 40, 5, MPI_COMM_WORLD);
  const std::string good = checkpoint::write(dir, state, 0, 0, input_text);
  const std::string truncated = dir + "/truncated.h5", flipped = dir + "/flipped.h5", text = dir + "/text.h5";
  const std::string foreign = dir + "/foreign.h5";
  if (testing::world_rank() == 0) {
    fs::copy_file(good, truncated);
    fs::resize_file(truncated, fs::file_size(good) / 2);
    fs::copy_file(good, flipped);
    // Flip one byte inside the positions: the HDF5 structure stays valid, only the checksum catches it.
    testing::flip_bits(flipped, "positions", 8 * 50 + 3, 0x10);
    std::ofstream(text) << "not a checkpoint";
  }
  {
    output::Handle file = output::create_file(foreign, MPI_COMM_WORLD);
    output::write_string_attribute(file, "format", "attnflow-particles 1");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK(error_of(good, MPI_COMM_WORLD) == "no error");
  CHECK_THAT(error_of(truncated, MPI_COMM_WORLD), Catch::Contains("truncated.h5"));
  CHECK_THAT(error_of(flipped, MPI_COMM_WORLD), Catch::Contains("flipped.h5") && Catch::Contains("checksum"));
  CHECK_THAT(error_of(text, MPI_COMM_WORLD), Catch::Contains("text.h5") && Catch::Contains("not an HDF5"));
  CHECK_THAT(error_of(foreign, MPI_COMM_WORLD), Catch::Contains("foreign.h5") && Catch::Contains("not an attnflow checkpoint"));
  CHECK_THAT(error_of(dir + "/missing.h5", MPI_COMM_WORLD), Catch::Contains("missing.h5") && Catch::Contains("does not exist"));
  const std::string empty_dir = dir + "/empty";
  if (testing::world_rank() == 0) fs::create_directories(empty_dir);
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THAT(error_of(empty_dir, MPI_COMM_WORLD), Catch::Contains("latest"));
}

namespace {

// A density value of canonical cell g (full precision, independent of who owns g).
double density_of(std::int64_t g) {
  random::CounterRandom rng(5, random::Stream::test);
  return rng.uniforms(std::uint64_t(g), 3)[0];
}

std::vector<double> densities(const std::vector<std::int64_t>& cells) {
  std::vector<double> values;
  for (auto g : cells) values.push_back(density_of(g));
  return values;
}

}  // namespace

TEST_CASE("Density checkpoint: canonical order from any ownership, read by any other",
          "[checkpoint][parallel]") {
  // Written with a round-robin ownership (like the sphere mesh's scattered canonical indices),
  // read back with the reversed block ownership here and with everything on one rank: every
  // cell keeps its value bit for bit, so a restart may use another rank count and partition.
  const std::string dir = testing::scratch_directory("density_checkpoint");
  const int rank = testing::world_rank(), size = testing::world_size();
  const std::int64_t cells = 37;
  const checkpoint::DensityDomain domain{"sphere", 3, cells, "rks3, 4 stages, SSP coefficient 2"};
  std::vector<std::int64_t> round_robin, reversed;
  for (std::int64_t g = rank; g < cells; g += size) round_robin.push_back(g);
  const auto block = parallel::block_partition(cells, MPI_COMM_WORLD);
  for (std::int64_t i = block.count - 1; i >= 0; --i) reversed.push_back(cells - 1 - (block.first + i));
  const checkpoint::RunPosition position{2.5, 41, 6, 6};
  const std::string path = checkpoint::write_density(dir, domain, densities(round_robin),
                                                     round_robin, position, input_text, MPI_COMM_WORLD);
  CHECK(fs::path(path).filename() == checkpoint::file_name(41));
  const auto back = checkpoint::read_density(dir, domain, reversed, MPI_COMM_WORLD);
  CHECK(back.density == densities(reversed));
  CHECK(back.position.time == 2.5);
  CHECK(back.position.step == 41);
  CHECK(back.position.snapshots_written == 6);
  CHECK(back.input == input_text);
  if (rank == 0) {
    std::vector<std::int64_t> all(cells);
    for (std::int64_t g = 0; g < cells; ++g) all[g] = g;
    CHECK(checkpoint::read_density(path, domain, all, MPI_COMM_SELF).density == densities(all));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  auto error_of_density = [&](const std::string& file, checkpoint::DensityDomain expected) -> std::string {
    try {
      checkpoint::read_density(file, expected, reversed, MPI_COMM_WORLD);
    } catch (const errors::InputError& e) {
      return e.what();
    }
    return "no error";
  };
  auto other = domain;
  other.cell_count = 38;
  CHECK_THAT(error_of_density(path, other), Catch::Contains("37 cells") && Catch::Contains("38 cells"));
  other = domain;
  other.time_stepper = "rks2, 5 stages, SSP coefficient 4";
  CHECK_THAT(error_of_density(path, other), Catch::Contains("rks2"));
  // A particle checkpoint is not a density checkpoint, and a flipped bit fails the checksum.
  const std::string particles = checkpoint::write(dir + "/particles", make_state(3, 10, 1, MPI_COMM_WORLD), 0, 0, "");
  CHECK_THAT(error_of_density(particles, domain), Catch::Contains("not an attnflow checkpoint"));
  const std::string flipped = dir + "/flipped.h5";
  if (rank == 0) {
    fs::copy_file(path, flipped);
    testing::flip_bits(flipped, "density", 8 * 20 + 2, 0x04);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THAT(error_of_density(flipped, domain), Catch::Contains("flipped.h5") && Catch::Contains("checksum"));
}

TEST_CASE("A checkpoint whose step or time attribute was changed is refused as damaged",
          "[checkpoint][parallel]") {
  // The positions' checksum does not cover where the run was: the position checksum does.
  const std::string dir = testing::scratch_directory("checkpoint_position");
  const std::string good = checkpoint::write(dir, make_state(3, 20, 12, MPI_COMM_WORLD), 2, 3, input_text);
  const std::string stepped = dir + "/stepped.h5", timed = dir + "/timed.h5";
  if (testing::world_rank() == 0) {
    fs::copy_file(good, stepped);
    fs::copy_file(good, timed);
    for (const auto& [path, name] : {std::pair{stepped, "step"}, std::pair{timed, "time"}}) {
      const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      H5Adelete(file, name);
      H5Fclose(file);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  {
    // Rewrite the two attributes with other values (the file stays a valid checkpoint otherwise).
    output::Handle file = output::open_file(stepped, MPI_COMM_WORLD, true);
    output::write_attribute(file, "step", std::int64_t(13));
  }
  {
    output::Handle file = output::open_file(timed, MPI_COMM_WORLD, true);
    output::write_attribute(file, "time", 0.5);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK(error_of(good, MPI_COMM_WORLD) == "no error");
  CHECK_THAT(error_of(stepped, MPI_COMM_WORLD), Catch::Contains("stepped.h5") && Catch::Contains("checksum"));
  CHECK_THAT(error_of(timed, MPI_COMM_WORLD), Catch::Contains("timed.h5") && Catch::Contains("checksum"));
}

TEST_CASE("A 'latest' pointer that leaves its directory is refused", "[checkpoint][parallel]") {
  const std::string dir = testing::scratch_directory("checkpoint_latest");
  const std::string outside = checkpoint::write(dir + "/other", make_state(2, 5, 1, MPI_COMM_WORLD), 0, 0, "");
  if (testing::world_rank() == 0) {
    fs::create_directories(dir + "/run.chk");
    std::ofstream(dir + "/run.chk/latest") << "../other/" << fs::path(outside).filename().string() << "\n";
  }
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THAT(error_of(dir + "/run.chk", MPI_COMM_WORLD), Catch::Contains("latest") && Catch::Contains("not a checkpoint"));
}

TEST_CASE("checkpoint-keep K leaves the newest K checkpoints and never the only complete one",
          "[checkpoint][parallel]") {
  const std::string dir = testing::scratch_directory("checkpoint_keep") + "/chk";
  for (std::int64_t step = 1; step <= 6; ++step)
    checkpoint::write(dir, make_state(2, 9, step, MPI_COMM_WORLD), 0, 0, input_text, 3);
  std::vector<std::string> names;
  if (testing::world_rank() == 0)
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".h5") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  if (testing::world_rank() == 0)
    CHECK(names == std::vector<std::string>{checkpoint::file_name(4), checkpoint::file_name(5),
                                            checkpoint::file_name(6)});
  // The newest is the one `latest` names, and it reads back.
  CHECK(checkpoint::read(dir, MPI_COMM_WORLD).state.step == 6);
  // keep = 1: only the one just written survives.
  checkpoint::write(dir, make_state(2, 9, 7, MPI_COMM_WORLD), 0, 0, input_text, 1);
  std::size_t left = 0;
  if (testing::world_rank() == 0)
    for (const auto& entry : fs::directory_iterator(dir)) left += entry.path().extension() == ".h5";
  if (testing::world_rank() == 0) CHECK(left == 1);
  CHECK(checkpoint::read(dir, MPI_COMM_WORLD).state.step == 7);
}

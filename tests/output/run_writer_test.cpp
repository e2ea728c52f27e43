// The run output file: round trips of snapshots and diagnostics at 1-4 ranks (including ranks that
// own no token), the sidecars, the refusal to overwrite, readable errors and restart truncation.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "errors/errors.hpp"
#include "particles/particle_file.hpp"
#include "parallel/partition.hpp"
#include "support/mpi_test.hpp"
#include "text/csv.hpp"

using namespace attnflow;
namespace fs = std::filesystem;

namespace {

// A value that identifies (snapshot, token, coordinate) uniquely and is not a round number
// (before each token's vector is normalised: readers accept unit vectors only).
double coordinate(std::int64_t snapshot, std::int64_t token, int k) {
  return 1.0 / (3.0 + snapshot) + token * 1e-3 + k * 0.1 + 1e-17 * token;
}

particles::State make_state(int d, std::int64_t n, std::int64_t snapshot, MPI_Comm comm) {
  particles::State s;
  s.dimension = d;
  s.comm = comm;
  s.partition = parallel::block_partition(n, comm);
  s.positions.resize(s.partition.count * d);
  for (std::int64_t i = 0; i < s.partition.count; ++i) {
    double square = 0;
    for (int k = 0; k < d; ++k) {
      s.positions[i * d + k] = coordinate(snapshot, s.partition.first + i, k);
      square += s.positions[i * d + k] * s.positions[i * d + k];
    }
    for (int k = 0; k < d; ++k) s.positions[i * d + k] /= std::sqrt(square);
  }
  s.time = 0.1 * snapshot + 1.0 / 7.0;
  s.step = 10 * snapshot;
  return s;
}

std::vector<double> diagnostic_row(std::int64_t record, std::size_t columns) {
  std::vector<double> row(columns);
  for (std::size_t c = 0; c < columns; ++c) row[c] = std::sqrt(2.0 + record) * (1.0 + c) / 3.0;
  return row;
}

const std::vector<std::string> columns = {"time", "energy_scaled", "clusters"};
const std::string input_text = "# resolved input of test\ntokens = 50\nbeta = 2.5\nmodel = sa\n";

bool matches_snapshot(const particles::State& read, int d, std::int64_t n, std::int64_t snapshot) {
  const auto expected = make_state(d, n, snapshot, read.comm);
  return read.dimension == d && read.partition.global_count == n &&
         read.partition.first == expected.partition.first && read.positions == expected.positions &&
         read.time == expected.time && read.step == expected.step;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("RunWriter round trip: snapshots, diagnostics, input, sidecars", "[output][parallel]") {
  const std::string dir = testing::scratch_directory("run_writer_round_trip");
  for (std::int64_t n : {3, 50}) {  // n = 3 leaves rank 3 of 4 without tokens
    for (int d : {2, 4}) {
      const std::string path = dir + "/run_n" + std::to_string(n) + "_d" + std::to_string(d) + ".h5";
      {
        particles::RunWriter writer(path, MPI_COMM_WORLD, d, n, columns, input_text,
                                 {{"model", "sa"}, {"engine", "direct"}}, false);
        for (std::int64_t s = 0; s < 3; ++s) {
          writer.write_snapshot(make_state(d, n, s, MPI_COMM_WORLD));
          writer.write_diagnostics(diagnostic_row(2 * s, columns.size()));
          writer.write_diagnostics(diagnostic_row(2 * s + 1, columns.size()));
        }
        CHECK(writer.snapshot_count() == 3);
        CHECK(writer.diagnostic_count() == 6);
        CHECK(fs::exists(writer.partial_path()));
        CHECK(!fs::exists(path));
        writer.finish();
      }
      CHECK(fs::exists(path));
      CHECK(!fs::exists(path + ".partial"));
      // Reading back at this rank count and on one rank alone gives the written values bitwise.
      for (std::int64_t s : {0, 1, 2}) {
        CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_WORLD, d, s), d, n, s));
      }
      CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_WORLD, d, -1), d, n, 2));
      CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_SELF, d, -2), d, n, 1));

      // CSV: a header, then the rows exactly (%.17g round-trips), no comment lines (a plain
      // table); the input is echoed into the sidecar run.input.ini instead.
      const std::string csv = read_text(output::sidecar_path(path, ".csv"));
      std::istringstream lines(csv);
      std::string line;
      int comments = 0, rows = 0;
      bool header_seen = false, values_exact = true;
      while (std::getline(lines, line)) {
        if (line.rfind('#', 0) == 0) {
          ++comments;
          continue;
        }
        if (!header_seen) {
          CHECK(line == "time,energy_scaled,clusters");
          header_seen = true;
          continue;
        }
        const auto expected = diagnostic_row(rows, columns.size());
        std::istringstream fields(line);
        std::string field;
        for (std::size_t c = 0; std::getline(fields, field, ','); ++c)
          values_exact = values_exact && std::stod(field) == expected[c];
        ++rows;
      }
      CHECK(comments == 0);
      CHECK(rows == 6);
      CHECK(values_exact);
      const std::string sidecar = read_text(text::input_sidecar_path(path));
      CHECK(sidecar == input_text);
      CHECK(sidecar.find("beta = 2.5\n") != std::string::npos);

      // XDMF: one Polyvertex grid per snapshot, XY on the circle, XYZ (first three) otherwise.
      const std::string xdmf = read_text(output::sidecar_path(path, ".xdmf"));
      std::size_t grids = 0;
      for (auto p = xdmf.find("<Grid Name=\"snapshot_"); p != std::string::npos;
           p = xdmf.find("<Grid Name=\"snapshot_", p + 1))
        ++grids;
      CHECK(grids == 3);
      CHECK(xdmf.find("NumberOfElements=\"" + std::to_string(n) + "\"") != std::string::npos);
      CHECK(xdmf.find(d == 2 ? "GeometryType=\"XY\"" : "GeometryType=\"XYZ\"") != std::string::npos);

      // Attributes: metadata and version at the root, each input key on /input.
      {
        output::Handle file = output::open_file(path, MPI_COMM_WORLD, false);
        CHECK(output::read_string_attribute(file, "model") == "sa");
        CHECK(output::read_string_attribute(file, "engine") == "direct");
        CHECK(!output::read_string_attribute(file, "version").empty());
        CHECK(!output::read_string_attribute(file, "git_revision").empty());
        CHECK(output::read_string_dataset(file, "input") == input_text);
        output::Handle input(H5Dopen2(file, "input", H5P_DEFAULT));
        CHECK(output::read_string_attribute(input, "beta") == "2.5");
        CHECK(output::read_string_attribute(input, "tokens") == "50");
      }
    }
  }
}

TEST_CASE("RunWriter refuses to overwrite and to write into a missing directory", "[output][parallel]") {
  const std::string dir = testing::scratch_directory("run_writer_refuse");
  const std::string path = dir + "/existing.h5";
  if (testing::world_rank() == 0) std::ofstream(path) << "keep me";
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THROWS_AS(particles::RunWriter(path, MPI_COMM_WORLD, 3, 10, columns, input_text, {}, false),
                  errors::InputError);
  CHECK(read_text(path) == "keep me");
  CHECK(!fs::exists(path + ".partial"));
  const std::string missing = dir + "/no/such/dir/run.h5";
  CHECK_THROWS_AS(particles::RunWriter(missing, MPI_COMM_WORLD, 3, 10, columns, input_text, {}, false),
                  errors::InputError);
  CHECK(!fs::exists(dir + "/no"));
  // A partial file of an interrupted run is kept for a restart unless overwrite is given.
  const std::string interrupted = dir + "/interrupted.h5";
  if (testing::world_rank() == 0) std::ofstream(interrupted + ".partial") << "restart me";
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THROWS_AS(particles::RunWriter(interrupted, MPI_COMM_WORLD, 3, 10, columns, input_text, {}, false),
                  errors::InputError);
  CHECK(read_text(interrupted + ".partial") == "restart me");
  {
    particles::RunWriter writer(path, MPI_COMM_WORLD, 3, 10, columns, input_text, {}, true);
    writer.write_snapshot(make_state(3, 10, 0, MPI_COMM_WORLD));
    CHECK(read_text(path) == "keep me");  // the old file stays until finish() replaces it
    writer.finish();
  }
  CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_WORLD, 3, 0), 3, 10, 0));
}

TEST_CASE("read_snapshot names the file and the problem", "[output][parallel]") {
  const std::string dir = testing::scratch_directory("read_snapshot_errors");
  const std::string text = dir + "/text.h5", foreign = dir + "/foreign.h5", circle = dir + "/circle.h5";
  if (testing::world_rank() == 0) std::ofstream(text) << "not hdf5";
  {
    output::Handle file = output::create_file(foreign, MPI_COMM_WORLD);
    output::write_string_attribute(file, "format", "something else");
  }
  {
    particles::RunWriter writer(circle, MPI_COMM_WORLD, 2, 5, columns, input_text, {}, false);
    writer.write_snapshot(make_state(2, 5, 0, MPI_COMM_WORLD));
    writer.finish();
  }
  MPI_Barrier(MPI_COMM_WORLD);
  auto message = [](const std::string& path, int d, std::int64_t index) {
    try {
      particles::read_snapshot(path, MPI_COMM_WORLD, d, index);
    } catch (const errors::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message(dir + "/missing.h5", 2, -1), Catch::Contains("missing.h5") && Catch::Contains("does not exist"));
  CHECK_THAT(message(text, 2, -1), Catch::Contains("text.h5") && Catch::Contains("not an HDF5 file"));
  CHECK_THAT(message(foreign, 2, -1), Catch::Contains("foreign.h5") && Catch::Contains("not an attnflow"));
  CHECK_THAT(message(circle, 3, -1), Catch::Contains("circle.h5' has dimension 2, the run has 3"));
  CHECK_THAT(message(circle, 2, 1), Catch::Contains("snapshot 1 does not exist"));
  CHECK(message(circle, 2, 0) == "no error");
}

TEST_CASE("RunWriter::resume truncates to the checkpoint's counts and continues", "[output][parallel]") {
  const std::string dir = testing::scratch_directory("run_writer_resume");
  const std::string path = dir + "/run.h5";
  const int d = 3;
  const std::int64_t n = 7;
  {
    particles::RunWriter writer(path, MPI_COMM_WORLD, d, n, columns, input_text, {}, false);
    for (std::int64_t s = 0; s < 4; ++s) writer.write_snapshot(make_state(d, n, s, MPI_COMM_WORLD));
    for (std::int64_t r = 0; r < 5; ++r) writer.write_diagnostics(diagnostic_row(r, columns.size()));
    // The run "crashes": no finish(), the partial file stays.
  }
  CHECK(fs::exists(path + ".partial"));
  CHECK_THROWS_AS(particles::RunWriter::resume(path, MPI_COMM_WORLD, 2, n, columns, 2, 3), errors::InputError);
  CHECK_THROWS_AS(particles::RunWriter::resume(path, MPI_COMM_WORLD, d, n + 1, columns, 2, 3), errors::InputError);
  CHECK_THROWS_AS(particles::RunWriter::resume(path, MPI_COMM_WORLD, d, n, columns, 9, 3), errors::InputError);
  CHECK_THROWS_AS(particles::RunWriter::resume(dir + "/other.h5", MPI_COMM_WORLD, d, n, columns, 2, 3),
                  errors::InputError);
  {
    auto writer = particles::RunWriter::resume(path, MPI_COMM_WORLD, d, n, columns, 2, 3);
    CHECK(writer.snapshot_count() == 2);
    CHECK(writer.diagnostic_count() == 3);
    writer.write_snapshot(make_state(d, n, 10, MPI_COMM_WORLD));
    writer.write_diagnostics(diagnostic_row(10, columns.size()));
    writer.finish();
  }
  // Snapshots 0, 1 survive (this also guards against HDF5 1.10.8 dropping writes after a shrink), 2 and 3 are gone, the new one is third; likewise the table.
  CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_WORLD, d, 0), d, n, 0));
  CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_WORLD, d, 1), d, n, 1));
  CHECK(matches_snapshot(particles::read_snapshot(path, MPI_COMM_WORLD, d, 2), d, n, 10));
  CHECK_THROWS_AS(particles::read_snapshot(path, MPI_COMM_WORLD, d, 3), errors::InputError);
  const std::string csv = read_text(output::sidecar_path(path, ".csv"));
  std::size_t rows = 0;
  std::istringstream lines(csv);
  std::string line, last;
  while (std::getline(lines, line))
    if (line.rfind('#', 0) != 0) ++rows, last = line;
  CHECK(rows == 1 + 4);
  CHECK(std::stod(last.substr(0, last.find(','))) == diagnostic_row(10, columns.size())[0]);
}

TEST_CASE("Output throughput (not run by ctest: -s '[.benchmark]')", "[.benchmark]") {
  // Prints the time to write and read back snapshots of 10^6 tokens in d = 3 (24 MB each).
  const std::string dir = testing::scratch_directory("run_writer_benchmark");
  const std::string path = dir + "/big.h5";
  const int d = 3;
  const std::int64_t n = 1000000;
  const auto state = make_state(d, n, 0, MPI_COMM_WORLD);
  double write_seconds = 0;
  {
    particles::RunWriter writer(path, MPI_COMM_WORLD, d, n, columns, input_text, {}, false);
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    for (int s = 0; s < 4; ++s) writer.write_snapshot(state);
    writer.flush();
    write_seconds = MPI_Wtime() - start;
    writer.finish();
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  const auto back = particles::read_snapshot(path, MPI_COMM_WORLD, d, -1);
  const double read_seconds = MPI_Wtime() - start;
  if (testing::world_rank() == 0)
    std::printf("RunWriter ranks=%d: 4 snapshots of N=%lld d=%d in %.3f s (%.0f MB/s); read one in %.3f s\n",
                testing::world_size(), (long long)n, d, write_seconds, 4 * 24.0 / write_seconds, read_seconds);
  CHECK(back.positions == state.positions);
}

// Bitwise reproducibility of the direct engine (MATH.md section 1, "results must not depend on
// rank count"): every target's sums are the same bits whichever rank owns it, however the sources
// are partitioned and however many targets one call evaluates.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "interaction/benchmark.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

struct Case {
  std::string label;
  int dimension;
  bool normalised;
  bool causal;
  bool general_matrices;
};

interaction::Kernel make_kernel(const Case& c) {
  model::Model m;
  m.dimension = c.dimension;
  m.beta = 6.5;
  m.attention = c.normalised ? model::Attention::softmax : model::Attention::unnormalised;
  m.causal = c.causal;
  m.query = m.key = m.value = model::Matrix::identity(c.dimension);
  if (c.general_matrices) {
    for (int r = 0; r < c.dimension; ++r)
      for (int k = 0; k < c.dimension; ++k) {
        m.query.entries[r * c.dimension + k] += 0.1 * ((r + 2 * k) % 3 - 1);
        m.key.entries[r * c.dimension + k] += 0.15 * ((2 * r + k) % 3 - 1);
        m.value.entries[r * c.dimension + k] += 0.2 * ((r * k) % 3 - 1);
      }
  }
  return interaction::Kernel::from_model(m);
}

// The engine's sums for targets = sources = `points`, normaliser appended after the numerators.
std::vector<double> evaluate(const interaction::Kernel& kernel, const std::vector<double>& points,
                             std::int64_t first, MPI_Comm comm) {
  const std::int64_t count = static_cast<std::int64_t>(points.size()) / kernel.dimension;
  std::vector<double> w(count);
  for (std::int64_t i = 0; i < count; ++i) w[i] = (1.0 + 0.25 * ((first + i) % 5)) / 300.0;
  auto engine = interaction::make_engine("direct", kernel, comm);
  interaction::KernelSums sums;
  engine->evaluate(points, points, w, sums);
  std::vector<double> out = sums.numerator;
  out.insert(out.end(), sums.normaliser.begin(), sums.normaliser.end());
  return out;
}

std::int64_t bit_mismatches(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return -1;
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    bad += std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i]);
  return bad;
}

}  // namespace

TEST_CASE("Direct engine sums are bitwise identical at any rank count and target grouping",
          "[interaction][parallel]") {
  // N = 203 is no multiple of the lane count or of any rank count; the irregular partition
  // (rank 0 takes the remainder) puts block starts off the lane grid.
  const std::int64_t n = 203;
  const int size = testing::world_size(), rank = testing::world_rank();
  const std::int64_t local = n / size + (rank == 0 ? n % size : 0);
  const auto part = parallel::partition_from_counts(local, MPI_COMM_WORLD);
  const std::vector<Case> cases = {{"d=2 SA", 2, true, false, false},
                                   {"d=3 SA causal", 3, true, true, false},
                                   {"d=3 SA general Q K V", 3, true, false, true},
                                   {"d=3 USA general Q K V causal", 3, false, true, true},
                                   {"d=5 SA causal (blocked kernel)", 5, true, true, false},
                                   {"d=7 USA general Q K V", 7, false, false, true}};
  for (const auto& c : cases) {
    const int d = c.dimension;
    const auto kernel = make_kernel(c);
    const auto all = interaction::random_sphere_points(0, n, d, 77);
    const std::vector<double> mine(all.begin() + part.first * d,
                                   all.begin() + (part.first + part.count) * d);
    const auto local_sums = evaluate(kernel, mine, part.first, MPI_COMM_WORLD);
    // Gather numerators and normalisers to rank 0 in global order.
    std::vector<int> counts, displacements;
    parallel::gather_layout(part.count, d, MPI_COMM_WORLD, counts, displacements);
    std::vector<double> numerators(n * d), normalisers(n);
    MPI_Gatherv(local_sums.data(), static_cast<int>(part.count * d), MPI_DOUBLE,
                numerators.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0,
                MPI_COMM_WORLD);
    parallel::gather_layout(part.count, 1, MPI_COMM_WORLD, counts, displacements);
    MPI_Gatherv(local_sums.data() + part.count * d, static_cast<int>(part.count), MPI_DOUBLE,
                normalisers.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0,
                MPI_COMM_WORLD);
    if (rank != 0) continue;
    // Reference: one rank owning everything, on its own communicator, in the same run.
    std::vector<double> gathered = numerators;
    gathered.insert(gathered.end(), normalisers.begin(), normalisers.end());
    const auto reference = evaluate(kernel, all, 0, MPI_COMM_SELF);
    INFO(c.label << " at " << size << " ranks");
    CHECK(bit_mismatches(gathered, reference) == 0);
    if (c.causal) continue;  // a causal engine needs targets = sources
    // One target per call against all sources: the grouping of targets must not matter.
    std::vector<double> w(n);
    for (std::int64_t i = 0; i < n; ++i) w[i] = (1.0 + 0.25 * (i % 5)) / 300.0;
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
    std::int64_t single_mismatches = 0;
    for (std::int64_t i = 0; i < n; i += 7) {
      interaction::KernelSums sums;
      engine->evaluate(std::span<const double>(all.data() + i * d, d), all, w, sums);
      for (int k = 0; k < d; ++k)
        single_mismatches += std::bit_cast<std::uint64_t>(sums.numerator[k]) !=
                             std::bit_cast<std::uint64_t>(reference[i * d + k]);
      single_mismatches += std::bit_cast<std::uint64_t>(sums.normaliser[0]) !=
                           std::bit_cast<std::uint64_t>(reference[n * d + i]);
    }
    CHECK(single_mismatches == 0);
  }
}

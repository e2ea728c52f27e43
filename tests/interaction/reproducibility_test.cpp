// Bitwise reproducibility of the direct and ring engines (docs/mathematics.md section 1, "results must not
// depend on rank count"): every target's sums are the same bits whichever rank owns it, however
// the sources are partitioned, whichever of the two engines sums them and however many targets
// the kernel processes together.
#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "benchmark/benchmark.hpp"
#include "interaction/direct_engine.hpp"
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
  std::string precision = "double";
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
std::vector<double> evaluate(const std::string& engine_name, const interaction::Kernel& kernel,
                             const std::vector<double>& points, std::int64_t first, MPI_Comm comm,
                             const std::string& precision = "double") {
  const std::int64_t count = static_cast<std::int64_t>(points.size()) / kernel.dimension;
  std::vector<double> w(count);
  for (std::int64_t i = 0; i < count; ++i) w[i] = (1.0 + 0.25 * ((first + i) % 5)) / 300.0;
  interaction::EngineOptions options;
  options.precision = precision;
  auto engine = interaction::make_engine(engine_name, kernel, comm, options);
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

TEST_CASE("Direct and ring engine sums are bitwise identical at any rank count",
          "[interaction][parallel]") {
  // N = 203 is no multiple of the lane count or of any rank count; the irregular partition
  // (rank 0 takes the remainder) puts block starts off the lane grid. N = 3 leaves ranks empty;
  // N = 700 spans three float chunks.
  for (const std::int64_t n : {203, 3, 700}) {
    const int size = testing::world_size(), rank = testing::world_rank();
    const std::int64_t local = n / size + (rank == 0 ? n % size : 0);
    const auto part = parallel::partition_from_counts(local, MPI_COMM_WORLD);
    const std::vector<Case> cases = {{"d=2 SA", 2, true, false, false},
                                     {"d=3 SA causal", 3, true, true, false},
                                     {"d=3 SA general Q K V", 3, true, false, true},
                                     {"d=3 USA general Q K V causal", 3, false, true, true},
                                     {"d=5 SA causal (blocked kernel)", 5, true, true, false},
                                     {"d=7 SA general Q K V", 7, true, false, true},
                                     {"d=2 SA float", 2, true, false, false, "float"},
                                     {"d=3 USA causal float", 3, false, true, false, "float"}};
    for (const auto& c : cases) {
      const int d = c.dimension;
      const auto kernel = make_kernel(c);
      const auto all = benchmark::random_sphere_points(0, n, d, 77);
      const std::vector<double> mine(all.begin() + part.first * d,
                                     all.begin() + (part.first + part.count) * d);
      for (const std::string engine : {"direct", "ring"}) {
        const auto local_sums =
            evaluate(engine, kernel, mine, part.first, MPI_COMM_WORLD, c.precision);
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
        // Reference: the direct engine on one rank owning everything, in the same run.
        std::vector<double> gathered = numerators;
        gathered.insert(gathered.end(), normalisers.begin(), normalisers.end());
        const auto reference = evaluate("direct", kernel, all, 0, MPI_COMM_SELF, c.precision);
        INFO(engine << " engine, " << c.label << ", N = " << n << " at " << size << " ranks");
        CHECK(bit_mismatches(gathered, reference) == 0);
      }
    }
  }
}

TEST_CASE("Kernel sums do not depend on how many targets are processed together", "[interaction]") {
  // The kernel blocks targets in registers; each target must get the same bits alone or in any
  // group, with the same summation windows.
  for (int d : {2, 3, 6}) {
    const std::int64_t n = 150;
    model::Model m;
    m.dimension = d;
    m.beta = 3.0;
    m.query = m.key = m.value = model::Matrix::identity(d);
    const auto kernel = interaction::Kernel::from_model(m);
    const auto all = benchmark::random_sphere_points(0, n, d, 3);
    const std::vector<double> w(n, 1.0 / n);
    interaction::SourceBlock block;
    block.assign(kernel, all, w, 0, interaction::SourceBlock::stride_for(n));
    const auto arrays = block.arrays(kernel);
    const auto setup = interaction::setup_targets(kernel, all);
    const auto windows = interaction::summation_windows(0, n, n, false);
    auto sums_for = [&](std::int64_t first, std::int64_t count) {
      interaction::KernelAccumulators accumulators;
      accumulators.reset(count, d);
      interaction::kernel_accumulate(arrays, count, setup.exponent_vectors.data() + first * d,
                                     setup.shifts.data() + first, windows.start.data() + first,
                                     windows.limit.data() + first, accumulators);
      interaction::kernel_accumulate(arrays, count, setup.exponent_vectors.data() + first * d,
                                     setup.shifts.data() + first, windows.zero.data() + first,
                                     windows.wrap.data() + first, accumulators);
      std::vector<double> numerator(count * d), normaliser(count);
      accumulators.finish(numerator.data(), normaliser.data());
      numerator.insert(numerator.end(), normaliser.begin(), normaliser.end());
      return numerator;
    };
    const auto together = sums_for(0, n);
    std::int64_t mismatches = 0;
    for (std::int64_t group : {1, 3}) {
      for (std::int64_t first = 0; first + group <= n; first += 11) {
        const auto part = sums_for(first, group);
        for (std::int64_t t = 0; t < group; ++t) {
          for (int k = 0; k < d; ++k)
            mismatches += std::bit_cast<std::uint64_t>(part[t * d + k]) !=
                          std::bit_cast<std::uint64_t>(together[(first + t) * d + k]);
          mismatches += std::bit_cast<std::uint64_t>(part[group * d + t]) !=
                        std::bit_cast<std::uint64_t>(together[n * d + first + t]);
        }
      }
    }
    INFO("d = " << d);
    CHECK(mismatches == 0);
  }
}

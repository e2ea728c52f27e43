// The large-beta engine (interaction/large_beta_engine.hpp, docs/mathematics.md section 5.4)
// against the direct engine: every sum within its a-priori bound, the same bits at any rank
// count, tokens migrating past neighbouring ranks, rebalancing, the wide-kernel fallback.
#include "interaction/large_beta_engine.hpp"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "benchmark/benchmark.hpp"
#include "errors/errors.hpp"
#include "interaction/engine.hpp"
#include "parallel/partition.hpp"
#include "support/kernels.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;
using testing::identity_kernel;

namespace {

// Tokens for global indices [first, first + count): uniform, or in `clusters` blobs of angular
// size about `spread` (a function of the global index alone, like the uniform ones).
std::vector<double> tokens(std::int64_t first, std::int64_t count, int d, int clusters,
                           double spread, std::uint64_t seed) {
  auto x = benchmark::random_sphere_points(first, count, d, seed);
  if (clusters == 0) return x;
  const auto centres = benchmark::random_sphere_points(0, clusters, d, seed + 1);
  const auto jitter = benchmark::random_sphere_points(first, count, d, seed + 2);
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t c = (first + i) % clusters;
    const double size = spread * std::abs(x[i * d]);  // varied radii within the blob
    double norm = 0;
    for (int k = 0; k < d; ++k) {
      x[i * d + k] = centres[c * d + k] + size * jitter[i * d + k];
      norm += x[i * d + k] * x[i * d + k];
    }
    for (int k = 0; k < d; ++k) x[i * d + k] /= std::sqrt(norm);
  }
  return x;
}

std::vector<double> weights_for(std::int64_t first, std::int64_t count, std::int64_t n) {
  std::vector<double> w(count);
  for (std::int64_t i = 0; i < count; ++i)
    w[i] = (1.0 + 0.5 * ((first + i) % 4)) / static_cast<double>(n);
  return w;
}

struct Errors {
  double sums = 0;    // max |large-beta - direct| / (W e^{beta - shift} |V|_row)
  double output = 0;  // SA: max |a - a_direct| Z_i / (2 W e^{beta - shift} |V|); USA: as sums
};

double largest_row_norm(const model::Matrix& v) {
  double largest = 0;
  for (int r = 0; r < v.dimension; ++r) {
    double row = 0;
    for (int c = 0; c < v.dimension; ++c) row += std::abs(v(r, c));
    largest = std::max(largest, row);
  }
  return largest;
}

// Errors of `engine` against the direct engine for the given targets and sources (this rank's
// blocks), reduced over the ranks. Collective.
Errors compare(interaction::Engine& engine, const interaction::Kernel& kernel,
               const std::vector<double>& targets, const std::vector<double>& sources,
               const std::vector<double>& w, bool same) {
  const int d = kernel.dimension;
  double local_weight = 0, total_weight = 0;
  for (double v : w) local_weight += v;
  MPI_Allreduce(&local_weight, &total_weight, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  auto direct = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
  interaction::KernelSums exact, approximate;
  direct->evaluate(targets, sources, w, exact);
  if (same)
    engine.evaluate(sources, sources, w, approximate);
  else
    engine.evaluate(targets, sources, w, approximate);
  const std::size_t count = targets.size() / d;
  std::vector<double> a_exact(targets.size()), a_approximate(targets.size());
  interaction::attention_output(kernel, exact, a_exact);
  interaction::attention_output(kernel, approximate, a_approximate);
  // |(V y)_k| <= the largest absolute row sum of V (|y_j| <= 1 componentwise).
  const double value_bound = std::max(1.0, largest_row_norm(kernel.value));
  const double scale = total_weight * std::exp(kernel.beta - kernel.constant_shift);
  Errors local;
  for (std::size_t i = 0; i < count; ++i) {
    double sums = std::abs(exact.normaliser[i] - approximate.normaliser[i]);
    double difference = 0;
    for (int k = 0; k < d; ++k) {
      sums = std::max(sums, std::abs(exact.numerator[i * d + k] - approximate.numerator[i * d + k]) /
                                value_bound);
      difference = std::max(difference, std::abs(a_exact[i * d + k] - a_approximate[i * d + k]));
    }
    local.sums = std::max(local.sums, sums / scale);
    const double output_scale = kernel.normalised ? exact.normaliser[i] / 2 : 1.0;
    local.output = std::max(local.output, difference * output_scale / (scale * value_bound));
  }
  Errors global;
  MPI_Allreduce(&local, &global, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return global;
}

// Rounding allowed on top of the bound: the direct engine's own exponent carries beta times the
// rounding of <x, y>, and the factorised polynomial rounds to ~2e-15 relative.
double margin(double beta) { return 1e-15 * beta + 1e-14; }

std::int64_t sum_over_ranks(std::int64_t value) {
  std::int64_t total = 0;
  MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

// The engine's sums for this rank's targets, gathered to rank 0 in global order.
std::vector<double> gathered_sums(const interaction::KernelSums& sums, std::int64_t count, int d) {
  std::vector<double> rows(count * (d + 1));
  for (std::int64_t i = 0; i < count; ++i) {
    std::copy_n(sums.numerator.data() + i * d, d, rows.data() + i * (d + 1));
    rows[i * (d + 1) + d] = sums.normaliser[i];
  }
  std::vector<int> counts, displacements;
  parallel::gather_layout(count, d + 1, MPI_COMM_WORLD, counts, displacements);
  std::vector<double> all(displacements.back() + counts.back());
  MPI_Gatherv(rows.data(), static_cast<int>(rows.size()), MPI_DOUBLE, all.data(), counts.data(),
              displacements.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  return all;
}

std::vector<double> rows_of(const interaction::KernelSums& sums, int d) {
  const std::size_t count = sums.normaliser.size();
  std::vector<double> rows(count * (d + 1));
  for (std::size_t i = 0; i < count; ++i) {
    std::copy_n(sums.numerator.data() + i * d, d, rows.data() + i * (d + 1));
    rows[i * (d + 1) + d] = sums.normaliser[i];
  }
  return rows;
}

std::int64_t bit_mismatches(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return -1;
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    bad += std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i]);
  return bad;
}

interaction::LargeBetaEngine make(const interaction::Kernel& kernel, double tolerance,
                                  MPI_Comm comm = MPI_COMM_WORLD) {
  return interaction::LargeBetaEngine(kernel, comm, tolerance);
}

}  // namespace

TEST_CASE("Every large-beta sum is within the a-priori bound of the direct sum",
          "[interaction][parallel]") {
  // beta = 10 is a wide kernel (fallback), 100 to 1e4 go through the cut-off; the clustered
  // tokens put many points in a kernel width, so that cell pairs take the factorised kernel
  // even at beta = 1e4.
  std::int64_t factorised = 0, cut = 0;
  for (int d : {2, 3, 4}) {
    for (double beta : {10.0, 100.0, 1000.0, 1e4}) {
      for (int clusters : {0, 5}) {
        for (double tolerance : {1e-4, 1e-10}) {
          const bool normalised = !(clusters == 5 && tolerance == 1e-4);  // USA once per beta
          const auto kernel = identity_kernel(d, beta, normalised);
          const std::int64_t n = d == 2 ? 1500 : 3000;
          const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
          const auto x = tokens(part.first, part.count, d, clusters, 3 / std::sqrt(beta), 31);
          const auto w = weights_for(part.first, part.count, n);
          auto engine = make(kernel, tolerance);
          const Errors e = compare(engine, kernel, x, x, w, true);
          factorised += sum_over_ranks(engine.statistics().factorised_pairs);
          cut += engine.fallback() == nullptr;
          INFO("d = " << d << ", beta = " << beta << ", clusters = " << clusters
                      << ", tolerance = " << tolerance << (normalised ? " SA" : " USA")
                      << ": sums error " << e.sums << ", scaled output error " << e.output
                      << " (" << engine.summary() << ")");
          CHECK(e.sums <= tolerance + margin(beta));
          CHECK(e.output <= tolerance + margin(beta));
          // The cut-off is in use from beta = 100 on, the fallback below.
          CHECK((engine.fallback() == nullptr) == (beta >= 100));
        }
      }
    }
  }
  CHECK(cut > 0);
  CHECK(factorised > 0);
}

TEST_CASE("Large-beta sums of separate targets, a general value matrix and the causal mask are "
          "within the bound",
          "[interaction][parallel]") {
  const int d = 3;
  const std::int64_t n = 2500;
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  const auto x = tokens(part.first, part.count, d, 0, 0.0, 5);
  const auto w = weights_for(part.first, part.count, n);
  model::Model m = testing::identity_model(d, model::Attention::softmax, 400.0);
  m.value = model::Matrix{3, {0.5, 0.1, 0.0, 0.0, -1.0, 0.3, -0.2, 0.0, 0.7}};
  const auto general_value = interaction::Kernel::from_model(m);
  SECTION("separate targets (a different point set, unevenly spread over the ranks)") {
    const std::int64_t targets = 700;
    const auto target_part = parallel::block_partition(targets, MPI_COMM_WORLD);
    const auto y = tokens(target_part.first, target_part.count, d, 0, 0.0, 77);
    auto engine = make(general_value, 1e-8);
    const Errors e = compare(engine, general_value, y, x, w, false);
    CHECK(e.sums <= 1e-8 + margin(400));
    CHECK(e.output <= 1e-8 + margin(400));
  }
  SECTION("general V, the targets the sources") {
    auto engine = make(general_value, 1e-8);
    const Errors e = compare(engine, general_value, x, x, w, true);
    CHECK(e.sums <= 1e-8 + margin(400));
  }
  SECTION("causal mask") {
    m.causal = true;
    const auto causal = interaction::Kernel::from_model(m);
    auto engine = make(causal, 1e-8);
    CHECK(engine.fallback() == nullptr);
    const Errors e = compare(engine, causal, x, x, w, true);
    CHECK(e.sums <= 1e-8 + margin(400));
    CHECK(e.output <= 1e-8 + margin(400));
  }
}

TEST_CASE("Large-beta sums are bitwise the same at any rank count", "[interaction][parallel]") {
  struct Case {
    std::string label;
    int dimension;
    double beta;
    int clusters;
    bool causal = false;
    bool separate_targets = false;
  };
  const std::vector<Case> cases = {{"d=2 uniform beta 1000", 2, 1000, 0},
                                   {"d=3 uniform beta 300", 3, 300, 0},
                                   {"d=3 clusters beta 1e4 (factorised)", 3, 1e4, 4},
                                   {"d=3 causal beta 300", 3, 300, 0, true},
                                   {"d=3 separate targets beta 500", 3, 500, 3, false, true},
                                   {"d=5 clusters beta 2000", 5, 2000, 3}};
  const int size = testing::world_size(), rank = testing::world_rank();
  for (const auto& c : cases) {
    const int d = c.dimension;
    const std::int64_t n = 1801;
    // Irregular partition: rank 0 takes the remainder.
    const std::int64_t local = n / size + (rank == 0 ? n % size : 0);
    const auto part = parallel::partition_from_counts(local, MPI_COMM_WORLD);
    model::Model m = testing::identity_model(d, model::Attention::softmax, c.beta);
    m.causal = c.causal;
    const auto kernel = interaction::Kernel::from_model(m);
    const double spread = 3 / std::sqrt(c.beta);
    const auto x = tokens(part.first, part.count, d, c.clusters, spread, 9);
    const auto w = weights_for(part.first, part.count, n);
    const std::int64_t targets = c.separate_targets ? 400 : n;
    const auto target_part = parallel::block_partition(targets, MPI_COMM_WORLD);
    const auto y = tokens(target_part.first, target_part.count, d, c.clusters, spread, 99);
    auto engine = make(kernel, 1e-10);
    interaction::KernelSums sums;
    if (c.separate_targets)
      engine.evaluate(y, x, w, sums);
    else
      engine.evaluate(x, x, w, sums);
    const auto gathered = gathered_sums(sums, c.separate_targets ? target_part.count : part.count, d);
    if (rank != 0) continue;
    // Reference: one rank owning everything, in the same run.
    const auto all_x = tokens(0, n, d, c.clusters, spread, 9);
    const auto all_w = weights_for(0, n, n);
    const auto all_y = tokens(0, targets, d, c.clusters, spread, 99);
    auto alone = make(kernel, 1e-10, MPI_COMM_SELF);
    interaction::KernelSums reference;
    if (c.separate_targets)
      alone.evaluate(all_y, all_x, all_w, reference);
    else
      alone.evaluate(all_x, all_x, all_w, reference);
    INFO(c.label << " at " << size << " ranks");
    CHECK(alone.fallback() == nullptr);
    CHECK(bit_mismatches(gathered, rows_of(reference, d)) == 0);
  }
}

TEST_CASE("Tokens that move past neighbouring ranks keep every sum right and rank independent",
          "[interaction][parallel]") {
  // One engine, three evaluations: the tokens, then every token turned by pi about the z axis
  // (at 3 or 4 ranks most tokens land on a rank that is not a neighbour of their last one),
  // then a quarter turn about the x axis. Each evaluation matches the direct engine within the
  // bound and a fresh one-rank engine bit for bit.
  const int d = 3;
  const std::int64_t n = 2400;
  const double beta = 800;
  const auto kernel = identity_kernel(d, beta, true);
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  auto x = tokens(part.first, part.count, d, 6, 0.1, 17);
  const auto w = weights_for(part.first, part.count, n);
  auto engine = make(kernel, 1e-10);
  auto turn = [&](std::vector<double>& points, int axis, double angle) {
    const int p = (axis + 1) % 3, q = (axis + 2) % 3;
    for (std::int64_t i = 0; i < part.count; ++i) {
      const double a = points[i * d + p], b = points[i * d + q];
      points[i * d + p] = std::cos(angle) * a - std::sin(angle) * b;
      points[i * d + q] = std::sin(angle) * a + std::cos(angle) * b;
    }
  };
  std::int64_t far_moves = 0;
  for (int evaluation = 0; evaluation < 3; ++evaluation) {
    if (evaluation == 1) turn(x, 2, 3.141592653589793);
    if (evaluation == 2) turn(x, 0, 1.5707963267948966);
    const Errors e = compare(engine, kernel, x, x, w, true);
    INFO("evaluation " << evaluation << ": sums error " << e.sums);
    CHECK(e.sums <= 1e-10 + margin(beta));
    CHECK(sum_over_ranks(engine.statistics().owned_targets) == n);
    far_moves += sum_over_ranks(engine.statistics().migrated_far);
    // Bits against one rank.
    interaction::KernelSums sums;
    engine.evaluate(x, x, w, sums);
    const auto gathered = gathered_sums(sums, part.count, d);
    std::vector<int> counts, displacements;
    parallel::gather_layout(part.count, d, MPI_COMM_WORLD, counts, displacements);
    std::vector<double> all_x(n * d);
    MPI_Gatherv(x.data(), static_cast<int>(x.size()), MPI_DOUBLE, all_x.data(), counts.data(),
                displacements.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (testing::world_rank() == 0) {
      auto alone = make(kernel, 1e-10, MPI_COMM_SELF);
      interaction::KernelSums reference;
      alone.evaluate(all_x, all_x, weights_for(0, n, n), reference);
      CHECK(bit_mismatches(gathered, rows_of(reference, d)) == 0);
    }
  }
  if (testing::world_size() >= 3) CHECK(far_moves > 0);
}

TEST_CASE("The decomposition is rebalanced when the tokens crowd onto few ranks",
          "[interaction][parallel]") {
  // Uniform tokens first; then all of them in one tight cluster: the ranks owning its cells
  // do nearly all the work, so the next evaluation recomputes the decomposition on the measured
  // pair counts (splitting the cluster's cells between ranks) and the imbalance drops.
  const int d = 3;
  const std::int64_t n = 3000;
  const double beta = 2000;
  const auto kernel = identity_kernel(d, beta, true);
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  const auto uniform = tokens(part.first, part.count, d, 0, 0.0, 3);
  const auto crowded = tokens(part.first, part.count, d, 1, 0.03, 4);
  const auto w = weights_for(part.first, part.count, n);
  auto engine = make(kernel, 1e-10);
  auto imbalance = [&] {
    const double local = engine.pairs_last_call();
    double largest = 0, total = 0;
    MPI_Allreduce(&local, &largest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return largest * testing::world_size() / total;
  };
  interaction::KernelSums sums;
  engine.evaluate(uniform, uniform, w, sums);
  CHECK(engine.statistics().rebalanced);  // the first evaluation sets the decomposition up
  engine.evaluate(crowded, crowded, w, sums);
  const double before = imbalance();
  const Errors e = compare(engine, kernel, crowded, crowded, w, true);  // evaluates again
  const double after = imbalance();
  INFO("imbalance (largest rank / mean) before " << before << ", after " << after);
  CHECK(e.sums <= 1e-10 + margin(beta));
  if (testing::world_size() > 1) {
    CHECK(before > 1.5);
    CHECK(engine.statistics().rebalanced);
    CHECK(after < 1.2);
  }
}

TEST_CASE("Wide kernels fall back to the spectral or the direct engine", "[interaction][parallel]") {
  // beta = 8 at eps = 1e-10: the cut-off cap is the whole sphere.
  const std::int64_t n = 900;
  for (int d : {3, 4}) {
    for (bool causal : {false, true}) {
      model::Model m = testing::identity_model(d, model::Attention::softmax, 8.0);
      m.causal = causal;
      const auto kernel = interaction::Kernel::from_model(m);
      auto engine = make(kernel, 1e-10);
      REQUIRE(engine.fallback() != nullptr);
      const std::string expected = d == 3 && !causal ? "spectral" : "direct";
      CHECK(engine.fallback()->name() == expected);
      CHECK(engine.summary().find(expected) != std::string::npos);
      const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
      const auto x = tokens(part.first, part.count, d, 0, 0.0, 8);
      const Errors e = compare(engine, kernel, x, x, weights_for(part.first, part.count, n), true);
      CHECK(e.sums <= 1e-10 + margin(8));
    }
  }
  CHECK(interaction::cutoff_geometry(3, 8.0, 1e-10).wide);
  // On S^2 the cap is wider than a quarter of the sphere below beta = 2 ln(1/eps) = 46.05.
  CHECK(interaction::cutoff_geometry(3, 46.0, 1e-10).wide);
  CHECK(!interaction::cutoff_geometry(3, 46.1, 1e-10).wide);
}

TEST_CASE("The cut-off angle is the one of the a-priori bound", "[interaction]") {
  // 1 - cos theta_c = ln(1/eps) / beta: the kernel there is exactly eps of its largest value.
  for (double beta : {100.0, 1e4}) {
    const auto g = interaction::cutoff_geometry(3, beta, 1e-10);
    CHECK(std::exp(beta * (std::cos(g.angle) - 1)) == Approx(1e-10).epsilon(1e-9));
    CHECK(g.chord == Approx(std::sqrt(2 * std::log(1e10) / beta)));
    CHECK(g.area_fraction == Approx(std::log(1e10) / (2 * beta)));
  }
}

TEST_CASE("The large-beta engine works when ranks own no tokens", "[interaction][parallel]") {
  for (std::int64_t n : {0, 3}) {
    const auto kernel = identity_kernel(3, 500.0, true);
    const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
    const auto x = tokens(part.first, part.count, 3, 0, 0.0, 2);
    auto engine = make(kernel, 1e-10);
    const Errors e = compare(engine, kernel, x, x, weights_for(part.first, part.count, n), true);
    CHECK(e.sums <= 1e-10 + margin(500));
  }
}

TEST_CASE("The large-beta engine rejects what it cannot represent", "[interaction]") {
  auto general = identity_kernel(3, 100.0, true);
  general.query_key.entries[1] = 0.5;
  CHECK_THROWS_AS(interaction::make_engine("large-beta", general, MPI_COMM_WORLD),
                  errors::InputError);
  CHECK_THROWS_AS(interaction::make_engine("large-beta", identity_kernel(3, 100.0, true),
                                           MPI_COMM_WORLD, interaction::EngineOptions{0.0}),
                  errors::InputError);
  CHECK_THROWS_AS(interaction::make_engine("large-beta", identity_kernel(3, 100.0, true),
                                           MPI_COMM_WORLD, interaction::EngineOptions{0.9}),
                  errors::InputError);
  CHECK_THROWS_AS(interaction::make_engine("large-beta", identity_kernel(65, 100.0, true),
                                           MPI_COMM_WORLD),
                  errors::InputError);
  auto negative = identity_kernel(3, 100.0, true);
  negative.beta = -1;
  CHECK_THROWS_AS(interaction::make_engine("large-beta", negative, MPI_COMM_WORLD),
                  errors::InputError);
  // Single precision is for the direct and ring engines.
  interaction::EngineOptions single;
  single.precision = "float";
  CHECK_THROWS_AS(interaction::make_engine("large-beta", identity_kernel(3, 100.0, true),
                                           MPI_COMM_WORLD, single),
                  errors::InputError);
}

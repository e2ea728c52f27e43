// KeyDecomposition (spatial/key_decomposition.hpp): contiguous key ranges with balanced weights,
// the same splitters on every rank, crowded cells split between consecutive ranks.
#include "spatial/key_decomposition.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <vector>

#include "benchmark/benchmark.hpp"
#include "parallel/partition.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

// Total weight each rank owns under the decomposition (every rank's items), on every rank.
std::vector<std::int64_t> owned_weights(const spatial::KeyDecomposition& decomposition,
                                        const std::vector<spatial::KeyPosition>& items,
                                        const std::vector<std::int64_t>& weights) {
  std::vector<std::int64_t> owned(testing::world_size(), 0);
  for (std::size_t i = 0; i < items.size(); ++i) owned[decomposition.owner(items[i])] += weights[i];
  MPI_Allreduce(MPI_IN_PLACE, owned.data(), static_cast<int>(owned.size()), MPI_INT64_T, MPI_SUM,
                MPI_COMM_WORLD);
  return owned;
}

// Ranges are contiguous and ordered (owner is monotone in the item order), and every rank
// computed the same splitters.
void check_splitters(const spatial::KeyDecomposition& decomposition) {
  for (std::size_t s = 1; s < decomposition.splitters().size(); ++s)
    CHECK(decomposition.splitters()[s - 1] <= decomposition.splitters()[s]);
  std::vector<std::uint64_t> mine;
  for (const auto& s : decomposition.splitters()) {
    mine.push_back(s.key);
    mine.push_back(static_cast<std::uint64_t>(s.tie));
  }
  std::vector<std::uint64_t> root = mine;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_UINT64_T, 0, MPI_COMM_WORLD);
  CHECK(root == mine);
}

}  // namespace

TEST_CASE("Balanced key ranges hold equal weights up to one item", "[spatial][parallel]") {
  const spatial::CubeSphereGrid grid(3, 16);
  const std::int64_t n = 5000;
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  const auto points = benchmark::random_sphere_points(part.first, part.count, 3, 21);
  std::vector<spatial::KeyPosition> items(part.count);
  std::vector<std::int64_t> weights(part.count);
  std::int64_t heaviest = 0;
  for (std::int64_t i = 0; i < part.count; ++i) {
    items[i] = {grid.key(points.data() + 3 * i), part.first + i};
    weights[i] = 1 + (part.first + i) % 5;
    heaviest = std::max(heaviest, weights[i]);
  }
  const auto decomposition = spatial::KeyDecomposition::balanced(items, weights, MPI_COMM_WORLD);
  const auto owned = owned_weights(decomposition, items, weights);
  std::int64_t total = 0;
  for (auto w : owned) total += w;
  const int ranks = testing::world_size();
  for (int r = 0; r < ranks; ++r) {
    INFO("rank " << r << " owns " << owned[r] << " of " << total);
    CHECK(std::abs(owned[r] * ranks - total) <= 2 * ranks * 5);
  }
  check_splitters(decomposition);
}

TEST_CASE("Sampled key ranges hold about equal counts: within the sampling error",
          "[spatial][parallel]") {
  // 40000 items with pseudo-random keys in input order, 1024 samples per rank: a rank's share is
  // a sum of sample ranges, its error a few sample spacings; 1/P +- 3% is far outside chance
  // (the splitters' quantile error is ~ sqrt(1/(4 P 1024)) < 1%). The same splitters everywhere.
  const std::int64_t n = 40000;
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  std::vector<spatial::KeyPosition> items(part.count);
  for (std::int64_t i = 0; i < part.count; ++i) {
    const std::uint64_t g = static_cast<std::uint64_t>(part.first + i);
    items[i] = {(g * 0x9E3779B97F4A7C15ull) >> 8, part.first + i};
  }
  const auto decomposition = spatial::KeyDecomposition::sampled(items, MPI_COMM_WORLD);
  const std::vector<std::int64_t> ones(items.size(), 1);
  const auto owned = owned_weights(decomposition, items, ones);
  const int ranks = testing::world_size();
  for (int r = 0; r < ranks; ++r) {
    INFO("rank " << r << " owns " << owned[r] << " of " << n);
    CHECK(std::abs(double(owned[r]) - double(n) / ranks) <= 0.03 * double(n));
  }
  check_splitters(decomposition);
}

TEST_CASE("A crowded cell is split between consecutive ranks", "[spatial][parallel]") {
  // Every item in one cell: only the ties can separate them, and the ranks [first_owner,
  // last_owner] of that cell cover all ranks.
  const std::int64_t n = 400;
  const auto part = parallel::block_partition(n, MPI_COMM_WORLD);
  std::vector<spatial::KeyPosition> items(part.count);
  const std::vector<std::int64_t> weights(part.count, 1);
  for (std::int64_t i = 0; i < part.count; ++i) items[i] = {42, part.first + i};
  const auto decomposition = spatial::KeyDecomposition::balanced(items, weights, MPI_COMM_WORLD);
  const auto owned = owned_weights(decomposition, items, weights);
  const int ranks = testing::world_size();
  // Splitters at floor(r n / P): each rank within one item of n / P.
  for (int r = 0; r < ranks; ++r) CHECK(std::abs(owned[r] * ranks - n) <= ranks);
  CHECK(decomposition.first_owner(42) == 0);
  CHECK(decomposition.last_owner(42) == ranks - 1);
}

// CellIndex (spatial/cell_index.hpp): points sorted by (cell, tie), and radius queries that find
// exactly the points a brute-force scan finds.
#include "spatial/cell_index.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "benchmark/benchmark.hpp"

using namespace attnflow;

TEST_CASE("A cell index orders points by cell key, then by tie", "[spatial]") {
  const spatial::CubeSphereGrid grid(3, 5);
  const auto points = benchmark::random_sphere_points(0, 500, 3, 2);
  std::vector<spatial::CellKey> keys(500);
  grid.keys(points, keys);
  std::vector<std::int64_t> ties(500);
  for (int i = 0; i < 500; ++i) ties[i] = (i * 7919) % 500;  // a permutation
  spatial::CellIndex index;
  index.build(keys, ties);
  std::size_t seen = 0;
  for (std::size_t c = 0; c < index.cell_count(); ++c) {
    if (c > 0) CHECK(index.cell_key(c - 1) < index.cell_key(c));
    CHECK(index.find(index.cell_key(c)) == c);
    for (std::size_t p = index.begin(c); p < index.end(c); ++p, ++seen) {
      CHECK(keys[index.order()[p]] == index.cell_key(c));
      if (p > index.begin(c)) CHECK(ties[index.order()[p - 1]] < ties[index.order()[p]]);
    }
  }
  CHECK(seen == 500);
  CHECK(index.find(spatial::CellKey{1} << 61) == spatial::CellIndex::npos);
}

TEST_CASE("Radius queries find exactly the points within the angle", "[spatial]") {
  for (int d : {2, 3, 4}) {
    const spatial::CubeSphereGrid grid(d, d == 2 ? 40 : 9);
    const auto points = benchmark::random_sphere_points(0, 3000, d, 12);
    std::vector<spatial::CellKey> keys(3000);
    grid.keys(points, keys);
    std::vector<std::int64_t> ties(3000);
    for (int i = 0; i < 3000; ++i) ties[i] = i;
    spatial::CellIndex index;
    index.build(keys, ties);
    const auto queries = benchmark::random_sphere_points(0, 20, d, 13);
    std::int64_t mismatches = 0, found = 0;
    for (double angle : {0.05, 0.3, 1.2}) {
      for (int q = 0; q < 20; ++q) {
        const double* x = queries.data() + q * d;
        std::vector<std::size_t> hits;
        spatial::for_each_within(grid, index, points, x, angle,
                                 [&](std::size_t i) { hits.push_back(i); });
        std::sort(hits.begin(), hits.end());
        std::vector<std::size_t> expected;
        for (std::size_t i = 0; i < 3000; ++i) {
          double inner = 0;
          for (int k = 0; k < d; ++k) inner += x[k] * points[i * d + k];
          if (inner >= std::cos(angle)) expected.push_back(i);
        }
        mismatches += hits != expected;
        found += static_cast<std::int64_t>(hits.size());
      }
    }
    INFO("d = " << d << ": " << found << " points found");
    CHECK(found > 0);
    CHECK(mismatches == 0);
  }
}

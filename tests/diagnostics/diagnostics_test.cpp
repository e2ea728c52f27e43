// Run diagnostics against facts of the geometry (docs/mathematics.md sections 3-4), at 1-4 ranks. Every rank computes
// its row, then all checks are made (no REQUIRE between collectives).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <vector>

#include "diagnostics/clusters.hpp"
#include "diagnostics/diagnostics.hpp"
#include "parallel/partition.hpp"
#include "random/counter_random.hpp"
#include "support/models.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

using Generator = std::function<void(std::int64_t, std::span<double>)>;

particles::State make_state(int d, std::int64_t n, const Generator& token, MPI_Comm comm) {
  particles::State s;
  s.dimension = d;
  s.partition = parallel::block_partition(n, comm);
  s.positions.resize(s.partition.count * d);
  for (std::int64_t i = 0; i < s.partition.count; ++i) token(s.partition.first + i, s.row(i));
  s.time = 1.25;
  s.step = 3;
  s.comm = comm;
  return s;
}

std::map<std::string, double> named(const std::vector<double>& row, int d) {
  const auto names = diagnostics::column_names(d);
  REQUIRE(names.size() == row.size());
  std::map<std::string, double> out;
  for (std::size_t i = 0; i < row.size(); ++i) out[names[i]] = row[i];
  return out;
}

void uniform_token(std::uint64_t seed, std::int64_t index, std::span<double> x) {
  random::CounterRandom rng(seed, random::Stream::test);
  rng.normals(index, 0, x);
  double r = 0;
  for (double v : x) r += v * v;
  for (double& v : x) v /= std::sqrt(r);
}

}  // namespace

TEST_CASE("All tokens at one point: order 1, one cluster, inner products 1, energy 1/(2 beta)",
          "[diagnostics][parallel]") {
  for (int d : {2, 3, 5}) {
    const double beta = 7.5;
    const auto state = make_state(d, 13, [d](std::int64_t, std::span<double> x) {
      for (int k = 0; k < d; ++k) x[k] = k == 0 ? 0.6 : (k == 1 ? -0.8 : 0.0);
    }, MPI_COMM_WORLD);
    const auto row = named(diagnostics::compute(state, testing::identity_model(d, beta), 1e-6, nullptr), d);
    // E = (1/(2 beta)) e^{beta}, so E e^{-beta} = 1/(2 beta); sums of 13^2 rounded terms: 1e-13.
    CHECK(row.at("time") == 1.25);
    CHECK(row.at("energy_scaled") == Approx(1 / (2 * beta)).epsilon(1e-13));
    CHECK(row.at("order_parameter") == Approx(1.0).epsilon(1e-14));
    CHECK(row.at("clusters") == 1);
    CHECK(row.at("max_inner") == Approx(1.0).epsilon(1e-15));
    CHECK(row.at("min_inner") == Approx(1.0).epsilon(1e-15));
    if (d == 2)
      for (int k = 1; k <= 16; ++k)
        CHECK(row.at("fourier_modulus_" + std::to_string(k)) == Approx(1.0).epsilon(1e-13));
    if (d == 3)
      for (int l = 0; l <= 16; ++l)
        CHECK(row.at("harmonic_power_" + std::to_string(l)) ==
              Approx(1 / (4 * std::numbers::pi)).epsilon(1e-12));
  }
}

TEST_CASE("k clusters at equally spaced angles: k clusters, |m_j| = [k divides j], order 0",
          "[diagnostics][parallel]") {
  for (int k : {2, 3, 5}) {
    const int m = 7;
    // Jitter of at most 1e-7 rad gives <x_i, x_j> > 1 - 2e-14 inside a cluster, far above the
    // threshold 1 - 1e-6, while neighbouring clusters have <x_i, x_j> = cos(2 pi / k) <= 0.31.
    // |m_j| moves by at most j * 1e-7 <= 1.6e-6 from its jitter-free value: tolerance 1e-5.
    const auto state = make_state(2, std::int64_t(k) * m, [k](std::int64_t i, std::span<double> x) {
      const double t = 0.4 + 2 * std::numbers::pi * double(i % k) / k + 1e-7 * std::sin(3.0 * i);
      x[0] = std::cos(t);
      x[1] = std::sin(t);
    }, MPI_COMM_WORLD);
    const auto row = named(diagnostics::compute(state, testing::identity_model(2, 3.0), 1e-6, nullptr), 2);
    CHECK(row.at("clusters") == k);
    CHECK(row.at("order_parameter") == Approx(0.0).margin(1e-5));
    CHECK(row.at("max_inner") == Approx(1.0).margin(1e-13));
    CHECK(row.at("min_inner") == Approx(std::cos(2 * std::numbers::pi * (k / 2) / k)).margin(1e-12));
    for (int j = 1; j <= 16; ++j)
      CHECK(row.at("fourier_modulus_" + std::to_string(j)) == Approx(j % k == 0 ? 1.0 : 0.0).margin(1e-5));
  }
}

TEST_CASE("A chain of tokens, each linked only to the next, is one cluster across ranks",
          "[diagnostics][parallel]") {
  // Tokens at angles a * 0.015 (a = 0..n-1) spread over 3 rad: neighbours have 1 - cos(0.015) =
  // 1.1e-4 < tol = 2e-4, next-neighbours 4.5e-4 > tol, so only the chain links exist. The global
  // index is a scrambled order (a = 37 i mod n), so the links jump between the ranks' blocks and the
  // count is right only if links found on different ranks are merged transitively. Doubling one gap
  // cuts the chain in two.
  const std::int64_t n = 200;
  for (int cut : {0, 1}) {
    const auto state = make_state(3, n, [cut](std::int64_t i, std::span<double> x) {
      const std::int64_t a = (37 * i) % n;
      const double t = 0.015 * double(a) + (cut && a >= 120 ? 0.015 : 0.0);
      x[0] = std::cos(t);
      x[1] = 0.0;
      x[2] = std::sin(t);
    }, MPI_COMM_WORLD);
    const auto row = named(diagnostics::compute(state, testing::identity_model(3, 1.0), 2e-4, nullptr), 3);
    CHECK(row.at("clusters") == 1 + cut);
  }
}

TEST_CASE("Energy equals the double sum (1/(2 beta N^2)) sum e^{beta (<x_i,x_j> - 1)}",
          "[diagnostics][parallel]") {
  const std::int64_t n = 150;
  for (double beta : {0.0, 0.1, 3.0, 1e4}) {
    const int d = 3;
    const auto state = make_state(d, n, [](std::int64_t i, std::span<double> x) { uniform_token(5, i, x); },
                                  MPI_COMM_WORLD);
    auto engine = diagnostics::make_energy_engine(d, beta, MPI_COMM_WORLD);
    const double with_engine =
        diagnostics::compute(state, testing::identity_model(d, beta), 1e-3, beta == 0 ? nullptr : engine.get())[1];
    // The reference: all pairs in long double from the same generator (independent of the engine).
    long double sum = 0;
    std::vector<double> xi(d), xj(d);
    for (std::int64_t i = 0; i < n; ++i) {
      uniform_token(5, i, xi);
      for (std::int64_t j = 0; j < n; ++j) {
        uniform_token(5, j, xj);
        long double inner = 0;
        for (int k = 0; k < d; ++k) inner += (long double)xi[k] * xj[k];
        sum += std::exp((long double)beta * (inner - 1));
      }
    }
    const double reference = beta == 0 ? 0.5 : double(sum / (2 * (long double)beta * n * n));
    // Relative 1e-12: the kernel's vectorised exp is accurate to a few ulp, sums of n^2 terms.
    CHECK(std::isfinite(with_engine));
    CHECK(with_engine == Approx(reference).epsilon(1e-12));
  }
}

TEST_CASE("The run's energy engine: ring bitwise the direct one; spectral and large-beta within "
          "their tolerance contract", "[diagnostics][parallel]") {
  // diagnostics.hpp: with --engine-tolerance eps every Z_i is within eps of the exact one, so
  // energy_scaled is within eps / (2 beta) and energy_a_scaled within eps / 2; the direct
  // engine's row (sums of n^2 terms, a few ulp each) stands in for the exact value: its own
  // error, ~1e-15, is far below the bounds checked.
  const std::int64_t n = 200;
  const int d = 3;
  const double eps = 1e-8;
  const auto state = make_state(d, n, [](std::int64_t i, std::span<double> x) { uniform_token(8, i, x); },
                                MPI_COMM_WORLD);
  for (double beta : {2.0, 400.0}) {
    const auto model = testing::identity_model(d, beta);
    auto direct = diagnostics::make_energy_engine(d, beta, MPI_COMM_WORLD);
    const auto reference = diagnostics::compute(state, model, 1e-3, direct.get());
    interaction::EngineOptions options;
    options.tolerance = eps;
    auto ring = diagnostics::make_energy_engine(d, beta, MPI_COMM_WORLD, "direct", options);
    CHECK(ring->name() == "ring");
    CHECK(diagnostics::compute(state, model, 1e-3, ring.get()) == reference);
    for (const std::string name : {"spectral", "large-beta"}) {
      auto engine = diagnostics::make_energy_engine(d, beta, MPI_COMM_WORLD, name, options);
      const auto row = diagnostics::compute(state, model, 1e-3, engine.get());
      INFO(name << " beta " << beta);
      CHECK(engine->name() == name);
      CHECK(std::abs(row[1] - reference[1]) <= eps / (2 * beta));
      CHECK(std::abs(row[6] - reference[6]) <= eps / 2);
      // Every other column does not use the engine: the same bits.
      for (std::size_t c = 0; c < row.size(); ++c)
        if (c != 1 && c != 6) CHECK(row[c] == reference[c]);
    }
  }
}

TEST_CASE("E_A e^{-beta}, the mean cosine and mean squared cosine over i != j, and the tracked "
          "pair's distance against direct pair sums",
          "[diagnostics][parallel]") {
  // docs/mathematics.md section 9.6: E_A e^{-beta} = (1/(2 N^2)) sum_ij (1 - e^{beta (c_ij - 1)})
  // with c_ij = <x_i, x_j>; the cosines are means over the N(N-1) pairs i != j. Reference: all
  // pairs in long double from the same generator. Tolerances: E_A comes from the energy kernel's
  // vectorised exp (a few ulp per term, sums of N^2 terms of size <= 1): 1e-13 absolute. The
  // moment formulas subtract the diagonal (N terms of size 1) from sums of size <= N^2, each
  // rounded relatively to 1e-16 (N d^2 terms): 1e-13 absolute on means of size <= 1.
  const std::int64_t n = 61;
  for (int d : {2, 3, 5, 8}) {
    for (double beta : {0.0, 2.0, 40.0}) {
      const Generator token = [](std::int64_t i, std::span<double> x) { uniform_token(19, i, x); };
      const auto state = make_state(d, n, token, MPI_COMM_WORLD);
      const auto row = named(
          diagnostics::compute(state, testing::identity_model(d, beta), 1e-3, nullptr, true, {3, 40}), d);
      long double energy_a = 0, cosine = 0, squared = 0;
      std::vector<double> xi(d), xj(d);
      for (std::int64_t i = 0; i < n; ++i) {
        token(i, xi);
        for (std::int64_t j = 0; j < n; ++j) {
          token(j, xj);
          long double c = 0;
          for (int k = 0; k < d; ++k) c += (long double)xi[k] * xj[k];
          energy_a += 1 - std::exp((long double)beta * (c - 1));
          if (i != j) cosine += c, squared += c * c;
        }
      }
      energy_a /= 2.0L * n * n;
      cosine /= (long double)n * (n - 1);
      squared /= (long double)n * (n - 1);
      std::vector<double> x3(d), x40(d);
      token(3, x3);
      token(40, x40);
      long double distance = 0;
      for (int k = 0; k < d; ++k) distance += ((long double)x3[k] - x40[k]) * (x3[k] - x40[k]);
      distance = std::sqrt(distance);
      INFO("d = " << d << ", beta = " << beta);
      CHECK(row.at("energy_a_scaled") == Approx(double(energy_a)).margin(1e-13));
      CHECK(row.at("mean_cosine") == Approx(double(cosine)).margin(1e-13));
      CHECK(row.at("mean_squared_cosine") == Approx(double(squared)).margin(1e-13));
      CHECK(row.at("pair_distance") == Approx(double(distance)).epsilon(1e-14));
      CHECK(row.at("log_pair_distance") == Approx(std::log(double(distance))).margin(1e-14));
      // The two energies are one quantity: E_A e^{-beta} = 1/2 - beta energy_scaled (beta > 0:
      // at beta = 0 energy_scaled is defined as 1/2, E_A vanishes).
      if (beta > 0)
        CHECK(row.at("energy_a_scaled") ==
              Approx(0.5 - beta * row.at("energy_scaled")).margin(1e-13 * (1 + beta)));
    }
  }
}

TEST_CASE("One point: E_A = 0 and both cosines 1; an antipodal pair: mean squared cosine 1, "
          "mean cosine -1/(N-1)",
          "[diagnostics][parallel]") {
  // An odd field synchronises to an antipodal pair (docs/mathematics.md section 9.5): with p
  // tokens at x and p at -x the N(N-1) ordered pairs i != j have c = 1 for 2 p (p - 1) of them
  // and c = -1 for 2 p^2, so the mean cosine is -2p / (2p (2p - 1)) = -1/(N - 1) and every c^2 is
  // 1; E_A e^{-beta} = (1/(2 N^2)) 2 p^2 (1 - e^{-2 beta}) = (1 - e^{-2 beta}) / 4. Rounding: a
  // unit vector's |x|^2 is 1 to 2e-16, sums of N^2 such terms: 1e-13 absolute.
  const int d = 4;
  const double beta = 3.0;
  for (int antipodal : {0, 1}) {
    const std::int64_t n = 18;
    const auto state = make_state(d, n, [antipodal](std::int64_t i, std::span<double> x) {
      const double sign = antipodal && i % 2 == 1 ? -1.0 : 1.0;
      x[0] = 0.48 * sign, x[1] = -0.6 * sign, x[2] = 0.64 * sign, x[3] = 0.0;
    }, MPI_COMM_WORLD);
    const auto row = named(diagnostics::compute(state, testing::identity_model(d, beta), 1e-6, nullptr), d);
    INFO("antipodal " << antipodal);
    CHECK(row.at("mean_squared_cosine") == Approx(1.0).margin(1e-13));
    CHECK(row.at("mean_cosine") == Approx(antipodal ? -1.0 / (n - 1) : 1.0).margin(1e-13));
    CHECK(row.at("energy_a_scaled") ==
          Approx(antipodal ? (1 - std::exp(-2 * beta)) / 4 : 0.0).margin(1e-13));
    CHECK(row.at("pair_distance") == Approx(antipodal ? 2.0 : 0.0).margin(1e-15));
  }
  // A lone token has no pairs: the cosines and the tracked pair (0, 0) are NaN.
  const auto lone = make_state(3, 1, [](std::int64_t, std::span<double> x) {
    x[0] = 1, x[1] = 0, x[2] = 0;
  }, MPI_COMM_WORLD);
  const auto row = named(diagnostics::compute(lone, testing::identity_model(3, 1.0), 1e-6, nullptr, true, {0, 0}), 3);
  CHECK(std::isnan(row.at("mean_cosine")));
  CHECK(std::isnan(row.at("mean_squared_cosine")));
  CHECK(std::isnan(row.at("pair_distance")));
}

TEST_CASE("Uniform random tokens: E |m_k|^2 = 1/N on the circle, E C_l = 1/(4 pi N) on S^2",
          "[diagnostics][parallel]") {
  // For iid uniform tokens N |m_k|^2 has mean 1 and variance 1 (k >= 1), and 4 pi N C_l has mean 1
  // and variance 2/(2l+1) (l >= 1). Averaging over 16 modes and 12 independent draws (192 values)
  // the standard error is at most 1/sqrt(192) = 0.072: we accept 4 standard errors, 0.29.
  const std::int64_t n = 400;
  const int draws = 12;
  double circle = 0, sphere = 0;
  for (int draw = 0; draw < draws; ++draw) {
    for (int d : {2, 3}) {
      const auto state = make_state(d, n, [draw](std::int64_t i, std::span<double> x) {
        uniform_token(100 + draw, i, x);
      }, MPI_COMM_WORLD);
      const auto row = named(diagnostics::compute(state, testing::identity_model(d, 1.0), 1e-9, nullptr), d);
      for (int k = 1; k <= 16; ++k) {
        if (d == 2) circle += n * std::pow(row.at("fourier_modulus_" + std::to_string(k)), 2);
        if (d == 3) sphere += 4 * std::numbers::pi * n * row.at("harmonic_power_" + std::to_string(k));
      }
      if (d == 3) CHECK(row.at("harmonic_power_0") == Approx(1 / (4 * std::numbers::pi)).epsilon(1e-13));
    }
  }
  CHECK(circle / (16 * draws) == Approx(1.0).margin(0.29));
  CHECK(sphere / (16 * draws) == Approx(1.0).margin(0.29));
}

TEST_CASE("Diagnostics are bitwise the same on any number of ranks", "[diagnostics][parallel]") {
  // The row on the world communicator must equal the row each rank computes alone on
  // MPI_COMM_SELF from the whole state: sums run in global order and the cluster merge is exact.
  for (int d : {2, 3, 5}) {
    const std::int64_t n = 97;
    const double tolerance = d == 2 ? 1e-3 : (d == 3 ? 0.05 : 0.1);
    const Generator token = [](std::int64_t i, std::span<double> x) { uniform_token(77, i, x); };
    const auto model = testing::identity_model(d, 12.0);
    const auto world = diagnostics::compute(make_state(d, n, token, MPI_COMM_WORLD), model, tolerance, nullptr);
    const auto alone = diagnostics::compute(make_state(d, n, token, MPI_COMM_SELF), model, tolerance, nullptr);
    CHECK(world == alone);
    INFO("d = " << d << ", clusters " << world[3]);
    CHECK(world[3] > 1);  // some clusters merged, some not: the comparison is not trivial
    CHECK(world[3] < n);
  }
}

TEST_CASE("Diagnostics cost (not run by ctest: -s '[.benchmark]')", "[.benchmark]") {
  // Prints the time of the pair search (clusters, extremes) and of one compute() without the
  // energy (beta = 0) for N uniform tokens at this rank count.
  for (int d : {2, 3}) {
    for (std::int64_t n : {16000, 100000, 1000000}) {
      const auto state = make_state(d, n, [](std::int64_t i, std::span<double> x) { uniform_token(3, i, x); },
                                    MPI_COMM_WORLD);
      MPI_Barrier(MPI_COMM_WORLD);
      double start = MPI_Wtime();
      const auto pairs = diagnostics::pair_statistics(state, 1e-3);
      const double search = MPI_Wtime() - start;
      start = MPI_Wtime();
      const auto row = diagnostics::compute(state, testing::identity_model(d, 0.0), 1e-3, nullptr);
      const double seconds = MPI_Wtime() - start;
      if (testing::world_rank() == 0)
        std::printf("diagnostics d=%d N=%lld ranks=%d: pair search %.3f s, compute %.3f s "
                    "(clusters %g)\n", d, (long long)n, testing::world_size(), search, seconds,
                    double(pairs.clusters));
      CHECK(row.size() == diagnostics::column_names(d).size());
    }
  }
}

TEST_CASE("The distributed dual-tree pair search finds the all-pairs scan's clusters, labels and "
          "extreme inner products", "[diagnostics][parallel]") {
  // Reference: every pair i < j, the inner product summed in coordinate order, a union-find of
  // the links <x_i, x_j> > 1 - tolerance, on all points. The search gets only this rank's block.
  // Configurations that stress the pruning and the cross-rank paths (tokens of every cluster
  // spread over all blocks): uniform points, clusters with members near the link threshold, exact
  // duplicates, antipodal clusters, tight clusters (node pairs linked whole across ranks), and a
  // ring of seven arcs each linked through many regions. The extremes agree to 1e-15 (the two may
  // round one product differently: FMA contraction), the cluster counts and labels exactly.
  const double tolerance = 1e-3;
  for (int d : {2, 3, 5}) {
    for (std::int64_t n : {1, 2, 3, 40, 700, 3000}) {
      if (n == 3000 && d != 3) continue;
      for (int kind = 0; kind < 6; ++kind) {
        std::vector<double> points(std::size_t(n * d));
        std::vector<double> centre(d);
        for (std::int64_t i = 0; i < n; ++i) {
          std::span<double> x(points.data() + i * d, std::size_t(d));
          if (kind == 0) {
            uniform_token(41, i, x);
            continue;
          }
          if (kind == 5) {
            // Spacing 0.009 inside an arc (links: angle < acos(1 - 1e-3) = 0.0447), gaps of 0.1.
            const double theta = 0.009 * double(i) + 0.1 * double(i / 100);
            std::fill(x.begin(), x.end(), 0.0);
            x[0] = std::cos(theta);
            x[1] = std::sin(theta);
            continue;
          }
          uniform_token(43, kind == 2 ? 0 : i % 5, centre);
          if (kind == 3 && i % 2) for (double& c : centre) c = -c;
          uniform_token(47, i, x);
          // Spread ~ the link angle for kind 1, none for duplicates, tiny for kinds 3 and 4.
          const double spread = kind == 1 ? 0.02 : (kind == 3 ? 1e-7 : (kind == 4 ? 1e-4 : 0.0));
          double r = 0;
          for (int k = 0; k < d; ++k) {
            x[k] = centre[k] + spread * x[k];
            r += x[k] * x[k];
          }
          for (double& v : x) v /= std::sqrt(r);
        }
        const auto block = parallel::block_partition(n, MPI_COMM_WORLD);
        const std::span<const double> mine(points.data() + block.first * d,
                                           std::size_t(block.count * d));
        const auto found = [&] {
          std::vector<std::int32_t> labels;
          auto stats = diagnostics::pair_statistics(mine, d, tolerance, MPI_COMM_WORLD, &labels);
          return std::make_pair(stats, labels);
        }();
        double max_inner = n < 2 ? 1.0 : -2.0, min_inner = n < 2 ? 1.0 : 2.0;
        diagnostics::UnionFind forest(n);
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = i + 1; j < n; ++j) {
            double c = points[i * d] * points[j * d];
            for (int k = 1; k < d; ++k) c += points[i * d + k] * points[j * d + k];
            max_inner = std::max(max_inner, c);
            min_inner = std::min(min_inner, c);
            if (c > 1 - tolerance) forest.unite(i, j);
          }
        std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
        std::vector<std::int32_t> label_of_root(static_cast<std::size_t>(n), -1);
        std::int32_t next = 0;
        for (std::int64_t i = 0; i < n; ++i) {
          auto& label = label_of_root[std::size_t(forest.find(i))];
          if (label < 0) label = next++;
          labels[std::size_t(i)] = label;
        }
        INFO("d " << d << " n " << n << " kind " << kind << " clusters " << forest.components());
        CHECK(found.first.clusters == forest.components());
        CHECK(found.second == std::vector<std::int32_t>(labels.begin() + block.first,
                                                        labels.begin() + block.first + block.count));
        CHECK(std::abs(found.first.max_inner - max_inner) <= 1e-15);
        CHECK(std::abs(found.first.min_inner - min_inner) <= 1e-15);
      }
    }
  }
}

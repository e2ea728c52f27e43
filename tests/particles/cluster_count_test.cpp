// docs/mathematics.md section 4: from N iid uniform tokens on the circle, the fastest-growing Fourier mode
// l* = argmax_k k^2 I_k(beta) sets the number of clusters that emerge near t* = ln N / (2 gamma_max).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "interaction/engine.hpp"
#include "particles/initial_state.hpp"
#include "stepper/integrator.hpp"
#include "support/mpi_test.hpp"
#include "theory/stability.hpp"

using namespace attnflow;

TEST_CASE("Clusters from iid uniform tokens on the circle number l* (SA)", "[particles][theory]") {
  // Why a measurement window and a majority, not every seed at one time: the l*-cluster state is
  // metastable. Near t* the l* mode dominates and the tokens gather into l* clusters; how fast they
  // tighten depends on beta (at beta = 2 the kernel is broad and at 2 t* some clusters are still
  // split by the 0.2 rad link criterion: a run gave 4, 2, 3 clusters for l* = 2), and later
  // neighbouring clusters merge (at beta = 8, 3 t*: 4, 3, 3 for l* = 4, against 4, 4, 3 at 2 t*).
  // So the test samples the cluster count every 5 steps in [1.5 t*, 3 t*] and takes the count the
  // system spends the most time at: the metastable plateau the theory predicts. Which mode wins is
  // random through the initial N^{-1/2} moments: a neighbouring mode (gamma_{l* +- 1} close to
  // gamma_max at large beta) can win for an unlucky seed, giving l* +- 1 clusters. We require l*
  // for at least 2 of 3 seeds per beta, and every count within l* +- 1.
  // The cluster graph links tokens closer than 0.2 rad: tight clusters (spread << 0.2) are one
  // component each, and distinct clusters (2 pi / l* >= 0.7 rad apart for l* <= 8) never link.
  const std::int64_t tokens = 600;
  const double h = 0.05;
  const double link_angle = 0.2;
  const std::vector<double> betas = {2, 4, 5, 8};
  const int seeds = 3;
  std::vector<int> expected, measured;
  for (double beta : betas) {
    model::Model m;
    m.dimension = 2;
    m.beta = beta;
    m.attention = model::Attention::softmax;
    m.query = m.key = m.value = model::Matrix::identity(2);
    const auto kernel = interaction::Kernel::from_model(m);
    const int winner = theory::winning_degree(model::Attention::softmax, 2, beta);
    const double t_star = theory::clustering_time(model::Attention::softmax, 2, beta, tokens);
    const int steps = static_cast<int>(std::ceil(3 * t_star / h));
    for (int seed = 1; seed <= seeds; ++seed) {
      auto state = particles::uniform_state(tokens, 2, 7000 + seed, MPI_COMM_WORLD);
      auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
      stepper::VelocityField velocity(kernel, *engine, tokens);
      auto rk4 = stepper::make_integrator("rk4", velocity, m, 1, 1.0);
      const auto names = diagnostics::column_names(2);
      std::size_t column = 0;
      for (std::size_t c = 0; c < names.size(); ++c)
        if (names[c] == "clusters") column = c;
      std::map<int, int> time_at_count;  // samples spent at each cluster count in the window
      for (int n = 1; n <= steps; ++n) {
        rk4->step(state, h);
        if (n * h < 1.5 * t_star || n % 5 != 0) continue;
        const auto row = diagnostics::compute(state, m, 1 - std::cos(link_angle), nullptr);
        ++time_at_count[static_cast<int>(std::lround(row[column]))];
      }
      int clusters = -1, longest = 0;
      for (const auto& [count, samples] : time_at_count)
        if (samples > longest) {
          longest = samples;
          clusters = count;
        }
      expected.push_back(winner);
      measured.push_back(clusters);
      if (testing::world_rank() == 0)
        std::printf("beta %g seed %d: l* = %d, t* = %.3f, longest-lived cluster count in [1.5 t*, 3 t*] = %d\n", beta, seed,
                    winner, t_star, clusters);
    }
  }
  for (std::size_t b = 0; b < betas.size(); ++b) {
    int hits = 0;
    for (int s = 0; s < seeds; ++s) {
      const auto i = b * seeds + static_cast<std::size_t>(s);
      hits += measured[i] == expected[i];
      CHECK(std::abs(measured[i] - expected[i]) <= 1);
    }
    INFO("beta " << betas[b] << ": " << hits << " of " << seeds << " seeds give l* clusters");
    CHECK(hits >= 2);
  }
}

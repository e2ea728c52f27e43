// Integrators: the Euler step is one attention layer with LayerNorm, the energy of docs/mathematics.md
// section 3 never decreases, and trajectories are bitwise the same on any number of ranks.
#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "errors/errors.hpp"
#include "geometry/sphere.hpp"
#include "interaction/engine.hpp"
#include "mlp/field.hpp"
#include "particles/initial_state.hpp"
#include "stepper/integrator.hpp"
#include "support/gather.hpp"
#include "support/mpi_test.hpp"

using namespace attnflow;

namespace {

model::Model make_model(int d, double beta, model::Attention attention) {
  model::Model m;
  m.dimension = d;
  m.beta = beta;
  m.attention = attention;
  m.query = m.key = m.value = model::Matrix::identity(d);
  return m;
}

// E e^{-beta} = (1 / (2 beta)) (1/N^2) sum_ij e^{beta (<x_i, x_j> - 1)}, gathered in long double.
long double scaled_energy(const particles::State& state, double beta) {
  const auto all = testing::gather_positions(state);
  long double energy = 0;
  if (testing::world_rank() == 0) {
    const std::int64_t n = state.partition.global_count;
    const int d = state.dimension;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        long double c = 0;
        for (int k = 0; k < d; ++k) c += (long double)all[i * d + k] * all[j * d + k];
        energy += std::exp(beta * (c - 1.0L));
      }
    energy /= 2.0L * beta * n * n;
  }
  MPI_Bcast(&energy, 1, MPI_LONG_DOUBLE, 0, MPI_COMM_WORLD);
  return energy;
}

}  // namespace

TEST_CASE("One projected Euler step is one attention layer with post-LayerNorm", "[stepper]") {
  // Hand-computed layer: A = softmax_rows(beta X Q^T K X^T / ...), Y = A X V^T,
  // x_i <- LayerNorm(x_i + h P_{x_i} y_i) with LayerNorm = projection back onto the sphere.
  const int d = 3, n = 7;
  const double beta = 2.5, h = 0.3;
  auto m = make_model(d, beta, model::Attention::softmax);
  m.query = model::Matrix{3, {1.0, 0.2, 0.0, -0.3, 0.9, 0.1, 0.0, 0.4, 1.2}};
  m.key = model::Matrix{3, {0.8, 0.0, 0.1, 0.0, 1.1, -0.2, 0.3, 0.0, 1.0}};
  m.value = model::Matrix{3, {0.5, 0.1, 0.0, 0.0, 1.0, 0.3, -0.2, 0.0, 0.7}};
  auto state = particles::uniform_state(n, d, 3, MPI_COMM_SELF);
  const auto x = state.positions;
  const auto kernel = interaction::Kernel::from_model(m);
  auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
  stepper::VelocityField velocity(kernel, *engine, n);
  auto euler = stepper::make_integrator("euler", velocity, m, 1, 1.0);
  euler->step(state, h);
  for (int i = 0; i < n; ++i) {
    long double q[3] = {0, 0, 0}, logits[n], total = 0, y[3] = {0, 0, 0};
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) q[r] += (long double)m.query(r, c) * x[i * 3 + c];
    for (int j = 0; j < n; ++j) {
      long double s = 0;
      for (int r = 0; r < 3; ++r) {
        long double kj = 0;
        for (int c = 0; c < 3; ++c) kj += (long double)m.key(r, c) * x[j * 3 + c];
        s += q[r] * kj;
      }
      logits[j] = std::exp(beta * s);
      total += logits[j];
    }
    for (int j = 0; j < n; ++j)
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) y[r] += logits[j] / total * m.value(r, c) * x[j * 3 + c];
    long double dot = 0, out[3], norm = 0;
    for (int r = 0; r < 3; ++r) dot += y[r] * x[i * 3 + r];
    for (int r = 0; r < 3; ++r) {
      out[r] = x[i * 3 + r] + h * (y[r] - dot * x[i * 3 + r]);
      norm += out[r] * out[r];
    }
    for (int r = 0; r < 3; ++r)
      REQUIRE(state.positions[i * 3 + r] == Approx((double)(out[r] / std::sqrt(norm))).margin(1e-14));
  }
  REQUIRE(state.step == 1);
  REQUIRE(state.time == h);
}

TEST_CASE("The energy never decreases along SA and USA trajectories with Q = K = V = I",
          "[stepper][parallel]") {
  // dE/dt = int |X|^2 rho >= 0 (docs/mathematics.md section 3); RK4 with h = 0.05 has an O(h^5) local error far
  // below the energy gain per step, which we check is non-negative up to 1e-13 relative.
  for (auto attention : {model::Attention::softmax, model::Attention::unnormalised}) {
    const double beta = 3.0;
    const auto m = make_model(3, beta, attention);
    auto state = particles::uniform_state(96, 3, 11, MPI_COMM_WORLD);
    const auto kernel = interaction::Kernel::from_model(m);
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_WORLD);
    stepper::VelocityField velocity(kernel, *engine, 96);
    auto rk4 = stepper::make_integrator("rk4", velocity, m, 1, 1.0);
    long double previous = scaled_energy(state, beta), first = previous;
    int decreases = 0;
    for (int n = 0; n < 60; ++n) {
      rk4->step(state, 0.05);
      const long double now = scaled_energy(state, beta);
      if (now < previous * (1 - 1e-13L)) ++decreases;
      previous = now;
    }
    REQUIRE(decreases == 0);
    REQUIRE(previous > first);  // and it does move: clustering raises the energy
  }
}

TEST_CASE("Trajectories are bitwise identical on any number of ranks", "[stepper][parallel]") {
  // The same run on MPI_COMM_WORLD and, on rank 0, on MPI_COMM_SELF must agree in every bit:
  // sums run in global source order, the noise is keyed by (seed, global index, step) and the
  // MLP weights by (seed, layer), and each token's MLP value depends on that token only.
  struct Case {
    const char* integrator;
    double common, independent;
    bool causal;
    std::optional<mlp::Activation> activation;
    int attention_sign;
  };
  for (const Case c :
       {Case{"euler", 0, 0, false, {}, 1}, Case{"rk4", 0, 0, true, {}, 1},
        Case{"heun", 0.3, 0.2, false, {}, 1}, Case{"layer", 0, 0, false, mlp::Activation::relu, 1},
        Case{"layer", 0, 0, true, mlp::Activation::tanh, -1},
        Case{"heun", 0, 0, false, mlp::Activation::gelu, 1},
        Case{"heun", 0.2, 0.1, false, mlp::Activation::sigmoid, -1},
        Case{"layer", 0, 0, false, mlp::Activation::silu, 0}}) {
    auto m = make_model(3, 4.0, model::Attention::softmax);
    m.common_noise = c.common;
    m.independent_noise = c.independent;
    m.causal = c.causal;
    m.attention_sign = c.attention_sign;
    if (c.activation) m.mlp = model::MlpBlock{*c.activation, 24, 0.2, 0.1};
    auto run = [&](MPI_Comm comm) {
      auto state = particles::uniform_state(53, 3, 5, comm);
      const auto kernel = interaction::Kernel::from_model(m);
      auto engine = interaction::make_engine("direct", kernel, comm);
      auto velocity = stepper::make_velocity_field(m, *engine, 53);
      auto integrator = stepper::make_integrator(c.integrator, velocity, m, 9, 1.0);
      for (int n = 0; n < 20; ++n) integrator->step(state, 0.1);
      return state;
    };
    const auto all = testing::gather_positions(run(MPI_COMM_WORLD));
    if (testing::world_rank() == 0) {
      const auto reference = run(MPI_COMM_SELF);
      REQUIRE(all == reference.positions);
    }
  }
}

TEST_CASE("Noise needs the Stratonovich integrator; unknown names are rejected", "[stepper]") {
  auto m = make_model(3, 1.0, model::Attention::softmax);
  const auto kernel = interaction::Kernel::from_model(m);
  auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
  stepper::VelocityField velocity(kernel, *engine, 4);
  REQUIRE_THROWS_AS(stepper::make_integrator("leapfrog", velocity, m, 1, 1.0),
                    errors::InputError);
  m.common_noise = 0.1;
  REQUIRE_THROWS_AS(stepper::make_integrator("euler", velocity, m, 1, 1.0), errors::InputError);
  // The layer scheme's noise is the MLP block; Brownian noise belongs to heun.
  REQUIRE_THROWS_AS(stepper::make_integrator("layer", velocity, m, 1, 1.0), errors::InputError);
  m.common_noise = 0;
  m.mlp = model::MlpBlock{};
  for (const char* deterministic : {"euler", "rk4"}) {
    try {
      stepper::make_integrator(deterministic, velocity, m, 1, 1.0);
      FAIL("an MLP block with " << deterministic << " was accepted");
    } catch (const errors::InputError& e) {
      CHECK(std::string(e.what()) == std::string("--integrator ") + deterministic +
                                         ": the MLP block (--mlp relu) needs the layer scheme or "
                                         "its SDE limit; accepted: layer, heun");
    }
  }
  REQUIRE(stepper::make_integrator("layer", velocity, m, 1, 1.0)->name() == "layer");
  REQUIRE(stepper::make_integrator("heun", velocity, m, 1, 1.0)->name() == "heun");
}

TEST_CASE("One layer with an MLP block: Y = LN(x + s h P_x a(x)), x' = LN(Y + sqrt(h) G_l(Y))",
          "[stepper]") {
  // docs/mathematics.md section 9 with attention sign s = +1, -1, 0: the attention half-step is the projected Euler
  // step (its velocity from the euler integrator's own first step, scaled by s), the MLP
  // half-step adds sqrt(h) G_l(Y) with layer l = the step counter's weights, unprojected, and
  // renormalises. Reference computed from a separate RandomField with the same seed; the two
  // paths round differently only in the last bits (margin 1e-14).
  const int d = 4, n = 6;
  const double h = 0.2;
  const std::uint64_t seed = 31;
  for (int sign : {1, -1, 0}) {
    auto m = make_model(d, 1.5, model::Attention::softmax);
    m.attention_sign = sign;
    m.mlp = model::MlpBlock{mlp::Activation::gelu, 10, 0.3, 0.2};
    auto state = particles::uniform_state(n, d, 8, MPI_COMM_SELF);
    state.step = 7;  // layer 7's weights
    const auto x = state.positions;
    const auto kernel = interaction::Kernel::from_model(m);
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
    // The reference attention velocity without the sign; the integrator's field carries it.
    stepper::VelocityField unsigned_velocity(kernel, *engine, n);
    std::vector<double> attention(x.size());
    unsigned_velocity.evaluate(x, attention);
    auto velocity = stepper::make_velocity_field(m, *engine, n);
    auto layer = stepper::make_integrator("layer", velocity, m, seed, 1.0);
    layer->step(state, h);
    mlp::RandomField field(*m.mlp, d, seed);
    field.draw_layer(7);
    std::vector<double> y(x.size()), g(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) y[k] = x[k] + h * sign * attention[k];
    geometry::normalise_rows(y, d);
    field.evaluate(y, g);
    for (std::size_t k = 0; k < x.size(); ++k) y[k] += std::sqrt(h) * g[k];
    geometry::normalise_rows(y, d);
    for (std::size_t k = 0; k < x.size(); ++k)
      REQUIRE(state.positions[k] == Approx(y[k]).margin(1e-14));
    REQUIRE(state.step == 8);
    REQUIRE(state.time == h);
  }
}

TEST_CASE("With an MLP block, a run restarted from its step continues in the same bits",
          "[stepper]") {
  // The integrators keep no state between steps but scratch space: layer l's weights come from
  // (seed, l = state.step) and the Brownian increments from (seed, index, step), so a new
  // integrator continuing from a saved state (a checkpoint's positions, time and step) repeats
  // the uninterrupted run exactly.
  for (const char* name : {"layer", "heun"}) {
    auto m = make_model(3, 2.0, model::Attention::softmax);
    m.mlp = model::MlpBlock{mlp::Activation::tanh, 20, 0.3, 0.2};
    if (std::string(name) == "heun") m.common_noise = 0.2;
    const auto kernel = interaction::Kernel::from_model(m);
    auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
    stepper::VelocityField velocity(kernel, *engine, 9);
    auto straight = particles::uniform_state(9, 3, 4, MPI_COMM_SELF);
    auto once = stepper::make_integrator(name, velocity, m, 77, 1.0);
    for (int n = 0; n < 10; ++n) once->step(straight, 0.05);
    auto interrupted = particles::uniform_state(9, 3, 4, MPI_COMM_SELF);
    auto first = stepper::make_integrator(name, velocity, m, 77, 1.0);
    for (int n = 0; n < 6; ++n) first->step(interrupted, 0.05);
    auto resumed = stepper::make_integrator(name, velocity, m, 77, 1.0);
    for (int n = 6; n < 10; ++n) resumed->step(interrupted, 0.05);
    REQUIRE(interrupted.positions == straight.positions);
    REQUIRE(interrupted.step == straight.step);
  }
}

TEST_CASE("Heun with k sub-steps per layer converges at second order to the layer's flow "
          "dx/dt = v + P_x G_l / sqrt(H)",
          "[stepper]") {
  // With steps_per_layer = k, layer l = step / k is held over its k steps, each adding
  // sqrt(h / k) G_l: Heun on the piecewise-linear (Wong-Zakai) noise path, the ODE the continuum
  // integrates (stepper::LayerFieldTerm). For a fixed realisation that is a smooth ODE over each
  // layer, and Heun's global error is C / k^2: err(k) / err(2k) -> 4, measured against k = 1024
  // (whose own error, 4^-5 of err(32), is negligible). Two layers of length H = 0.2, attention on,
  // tanh field with biases, d = 3; the ratios for k = 8 -> 16 -> 32 must lie in [3.5, 4.5].
  const int d = 3, tokens = 5, layers = 2;
  const double layer_length = 0.2;
  auto m = make_model(d, 2.0, model::Attention::softmax);
  m.mlp = model::MlpBlock{mlp::Activation::tanh, 32, 0.3, 0.4};
  const auto kernel = interaction::Kernel::from_model(m);
  auto engine = interaction::make_engine("direct", kernel, MPI_COMM_SELF);
  auto velocity = stepper::make_velocity_field(m, *engine, tokens);
  const auto start = particles::uniform_state(tokens, d, 21, MPI_COMM_SELF);
  auto run = [&](std::int64_t k) {
    auto state = start;
    auto heun = stepper::make_integrator("heun", velocity, m, 5, 1.0, k);
    for (std::int64_t n = 0; n < layers * k; ++n) heun->step(state, layer_length / double(k));
    return state.positions;
  };
  const auto reference = run(1024);
  auto error = [&](std::int64_t k) {
    const auto x = run(k);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - reference[i]));
    return worst;
  };
  const double e8 = error(8), e16 = error(16), e32 = error(32);
  INFO("errors " << e8 << " " << e16 << " " << e32);
  CHECK(e8 / e16 >= 3.5);
  CHECK(e8 / e16 <= 4.5);
  CHECK(e16 / e32 >= 3.5);
  CHECK(e16 / e32 <= 4.5);
  // Sub-steps need the MLP field and Heun.
  REQUIRE_THROWS_AS(stepper::make_integrator("layer", velocity, m, 5, 1.0, 2), errors::InputError);
  auto no_mlp = m;
  no_mlp.mlp.reset();
  REQUIRE_THROWS_AS(stepper::make_integrator("heun", velocity, no_mlp, 5, 1.0, 2), errors::InputError);
}

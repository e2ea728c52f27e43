// Linear stability of the uniform density on S^2 (docs/mathematics.md section 4) with the sphere solver.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "continuum/initial.hpp"
#include "continuum/solver.hpp"
#include "continuum/sphere_support.hpp"
#include "theory/stability.hpp"

using namespace attnflow;

TEST_CASE("Sphere linear regime: Y_l0 and Y_ll modes grow at gamma_l (docs/mathematics.md section 4)",
          "[continuum][sphere][linear]") {
  // From uniform + 1e-4 sqrt(4 pi) Y_lm the harmonic power C_l grows like e^{2 gamma_l t}. On
  // the icosphere with 1280 cells (h ~ 0.1) the velocity divergence by edge fluxes is a
  // consistent but not exactly diagonal discretisation of the sphere's divergence: the discrete
  // growth rate differs by O(h^2 l^2), measured below 1% for l <= 4; tolerance 3% (task). The
  // window is capped at 12 / gamma_max as on the circle (rounding seeds the other degrees).
  // The limiter (default van Leer) does not enter the linearisation: the flux rho_face (X.n) is
  // rho_uniform (X.n) + O(amplitude^2), so the reconstruction changes the rate by O(1e-4) only
  // (measured worst error 0.537% with van Leer, 0.543% first order).
  const auto attention = model::Attention::softmax;
  const double beta = 6.0;
  const auto m = testing::sphere_model(attention, beta);
  const double gamma_max =
      theory::growth_rate_rescaled(attention, 3, theory::winning_degree(attention, 3, beta), beta);
  double worst = 0;
  for (int l = 1; l <= 4; ++l) {
    for (int order : {0, l}) {
      const double gamma = theory::growth_rate_rescaled(attention, 3, l, beta);
      continuum::Settings s;
      s.options_prefix = "sphere_linear_";
      s.max_time_step = 0.1 / gamma;
      s.cfl = 0.8;
      auto solver = continuum::make_solver(m, 0, 3, s, MPI_COMM_WORLD);
      continuum::InitialDensity initial;
      initial.degree = l;
      initial.order = order;
      initial.amplitude = 1e-4;
      solver->set_density(continuum::initial_cell_averages(*solver, initial));
      const double end = std::min(2.0 / gamma, 12 / gamma_max);
      const int samples = 5;
      double st = 0, sy = 0, stt = 0, sty = 0;
      for (int n = 0; n < samples; ++n) {
        const double t = end * n / (samples - 1);
        solver->advance_to(t);
        const double y = 0.5 * std::log(solver->diagnostics(l).moments[l]);
        st += t;
        sy += y;
        stt += t * t;
        sty += t * y;
      }
      const double rate = (samples * sty - st * sy) / (samples * stt - st * st);
      std::cout << "sphere linear: l " << l << " m " << order << " rate " << rate << " gamma "
                << gamma << " relative error " << rate / gamma - 1 << "\n";
      worst = std::max(worst, std::abs(rate / gamma - 1));
      CHECK(std::abs(rate / gamma - 1) < 0.03);
    }
  }
  std::cout << "sphere linear: worst relative error " << worst << "\n";
}

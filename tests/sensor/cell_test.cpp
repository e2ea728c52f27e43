// Facts of microdisk diffusion and of the series kinetic/diffusion combination (docs/sensor.md, 1).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "sensor/cell.hpp"

using namespace attnflow::sensor;

namespace {
const CellParameters defaults;
// tau = 4 D t / a^2 -> t
double time_for(double tau) {
  return tau * defaults.radius_m * defaults.radius_m / (4.0 * defaults.glucose_diffusion_m2_per_s);
}
}  // namespace

TEST_CASE("Shoup-Szabo tends to Cottrell at short times", "[sensor][cell]") {
  for (double tau : {1e-2, 1e-4, 1e-6, 1e-8}) {
    const double t = time_for(tau);
    const double shoup = microdisk_current_amps(2, defaults.glucose_diffusion_m2_per_s, 5.0,
                                                defaults.radius_m, t);
    const double cottrell = cottrell_current_amps(2, defaults.glucose_diffusion_m2_per_s, 5.0,
                                                  defaults.radius_m, t);
    // f / (sqrt(pi)/2 tau^-1/2) - 1 = (0.7854 / 0.8862) sqrt(tau) + O(exp(-0.78 / sqrt(tau))),
    // plus 3e-5 because 0.8862 rounds sqrt(pi)/2 = 0.886227.
    CHECK(std::abs(shoup / cottrell - 1.0) <= 0.8863 * std::sqrt(tau) + 1e-4);
  }
}

TEST_CASE("Shoup-Szabo tends to the steady state 4 n F D C a at long times", "[sensor][cell]") {
  const double steady = steady_state_current_amps(2, defaults.glucose_diffusion_m2_per_s, 5.0,
                                                  defaults.radius_m);
  // 4 n F D C a for n = 2, D = 6.7e-10 m^2/s, C = 5 mM, a = 50 um, computed by hand.
  CHECK(steady == Approx(4 * 2 * 96485.33212 * 6.7e-10 * 5.0 * 50e-6).epsilon(1e-14));
  for (double tau : {1e2, 1e4, 1e6, 1e8}) {
    const double i = microdisk_current_amps(2, defaults.glucose_diffusion_m2_per_s, 5.0,
                                            defaults.radius_m, time_for(tau));
    // f - 1 = (0.8862 - 0.2146 * 0.7823) tau^-1/2 + 0.2146 * 0.7823^2 / 2 / tau - ... = 0.7183 tau^-1/2 + 0.0657 / tau - ...
    CHECK(i / steady - 1.0 > 0.0);
    CHECK(i / steady - 1.0 <= 0.72 / std::sqrt(tau) + 0.07 / tau);
  }
}

TEST_CASE("series kinetic/diffusion combination is Michaelis-Menten with K_eff",
          "[sensor][cell]") {
  for (double roughness : {25.0, 100.0, 400.0}) {
    CellParameters parameters;
    parameters.roughness_factor = roughness;
    const Cell cell(parameters);
    for (double t : {0.01, 1.0, 30.0, 1e4}) {
      const double k_eff = cell.effective_michaelis_mm(t);
      for (double c : {0.1, 1.0, 5.0, 10.0, 30.0}) {
        // Algebraic identity 1/(1/(i_max C/(K+C)) + 1/(k_d C)) = i_max C / (K + i_max/k_d + C):
        // only rounding separates the two forms.
        const double michaelis = cell.glucose_max_current_amps() * c / (k_eff + c);
        CHECK(cell.glucose_current_amps(c, t) == Approx(michaelis).epsilon(1e-12));
      }
    }
  }
  // At the defaults K_eff at steady state is K + i_max / (4 n F D a) = 10 + 388/25.86 = 25.0 mM.
  const Cell cell(defaults);
  CHECK(cell.effective_michaelis_mm(1e12) == Approx(25.0).epsilon(2e-3));
}

TEST_CASE("roughness raises the glucose current, not the ascorbic acid current",
          "[sensor][cell]") {
  double previous_glucose = 0;
  const double ascorbic_reference = Cell(defaults).ascorbic_current_amps(0.1, 30.0);
  for (double roughness : {10.0, 50.0, 100.0, 400.0}) {
    CellParameters parameters;
    parameters.roughness_factor = roughness;
    const Cell cell(parameters);
    const double glucose = cell.glucose_current_amps(5.0, 30.0);
    CHECK(glucose > previous_glucose);
    // Never above the diffusion limit of the geometric disk.
    CHECK(glucose < microdisk_current_amps(2, defaults.glucose_diffusion_m2_per_s, 5.0,
                                           defaults.radius_m, 30.0));
    CHECK(cell.ascorbic_current_amps(0.1, 30.0) == ascorbic_reference);
    previous_glucose = glucose;
  }
}

TEST_CASE("mean current over a clock period integrates the t^-1/2 singularity",
          "[sensor][cell]") {
  const Cell cell(defaults);
  const Sample sample{5.0, 0.1, true};
  for (auto [start, end] : std::vector<std::pair<double, double>>{
           {0.0, 1.0 / 1024}, {0.0, 1.0}, {0.5, 0.5 + 1.0 / 1024}, {29.0, 30.0}}) {
    // Reference: midpoint rule in s = sqrt(t) with 200000 panels (error ~1e-10 relative).
    const int panels = 200000;
    const double s0 = std::sqrt(start), s1 = std::sqrt(end), h = (s1 - s0) / panels;
    double charge = 0;
    for (int k = 0; k < panels; ++k) {
      const double s = s0 + (k + 0.5) * h;
      charge += cell.faradaic_current_amps(sample, s * s) * 2 * s * h;
    }
    // 4-point Gauss-Legendre is exact for the polynomial parts in s; the exp(-0.78 a / 2 sqrt(D t))
    // term is smooth, leaving a relative error far below 1e-6.
    CHECK(cell.mean_faradaic_current_amps(sample, start, end) ==
          Approx(charge / (end - start)).epsilon(1e-6));
  }
}

TEST_CASE("oxygen reduction is cathodic and only when aerobic", "[sensor][cell]") {
  const Cell cell(defaults);
  CHECK(cell.oxygen_current_amps(false, 10.0) == 0.0);
  CHECK(cell.oxygen_current_amps(true, 10.0) < 0.0);
  CHECK(cell.oxygen_current_amps(true, 10.0) ==
        Approx(-defaults.oxygen_reduction_fraction *
               microdisk_current_amps(4, defaults.oxygen_diffusion_m2_per_s,
                                      defaults.oxygen_concentration_mm, defaults.radius_m, 10.0)));
}

TEST_CASE("double-layer charging of an ideal potentiostat decays with R_s C_dl",
          "[sensor][cell]") {
  const Cell cell(defaults);
  const double tau = cell.charging_time_constant_s();
  CHECK(tau == Approx(defaults.solution_resistance_ohm * defaults.specific_capacitance_f_per_m2 *
                      defaults.roughness_factor * 3.141592653589793 * 2.5e-9));
  // Total charge dE C_dl: integral of dE/R exp(-t/tau) over t.
  double charge = 0;
  const int steps = 100000;
  const double dt = 50 * tau / steps;
  for (int k = 0; k < steps; ++k) charge += cell.ideal_charging_current_amps(0.2, (k + 0.5) * dt) * dt;
  CHECK(charge == Approx(0.2 * cell.double_layer_capacitance_f()).epsilon(1e-6));
}

#include "sensor/cell.hpp"

#include <array>
#include <cmath>
#include <numbers>

namespace attnflow::sensor {

double shoup_szabo_factor(double tau) {
  const double inverse_root = 1.0 / std::sqrt(tau);
  return 0.7854 + 0.8862 * inverse_root + 0.2146 * std::exp(-0.7823 * inverse_root);
}

double cottrell_current_amps(int electrons, double diffusion_m2_per_s, double concentration_mm,
                             double radius_m, double time_s) {
  const double area_m2 = std::numbers::pi * radius_m * radius_m;
  return electrons * faraday_coulombs_per_mol * area_m2 * concentration_mm *
         std::sqrt(diffusion_m2_per_s / (std::numbers::pi * time_s));
}

double steady_state_current_amps(int electrons, double diffusion_m2_per_s,
                                 double concentration_mm, double radius_m) {
  return 4.0 * electrons * faraday_coulombs_per_mol * diffusion_m2_per_s * concentration_mm *
         radius_m;
}

double microdisk_current_amps(int electrons, double diffusion_m2_per_s, double concentration_mm,
                              double radius_m, double time_s) {
  const double tau = 4.0 * diffusion_m2_per_s * time_s / (radius_m * radius_m);
  return steady_state_current_amps(electrons, diffusion_m2_per_s, concentration_mm, radius_m) *
         shoup_szabo_factor(tau);
}

double series_current_amps(double kinetic_current_amps, double diffusion_current_amps) {
  if (kinetic_current_amps == 0.0 || diffusion_current_amps == 0.0) return 0.0;
  return 1.0 / (1.0 / kinetic_current_amps + 1.0 / diffusion_current_amps);
}

double Cell::geometric_area_m2() const {
  return std::numbers::pi * parameters_.radius_m * parameters_.radius_m;
}

double Cell::double_layer_capacitance_f() const {
  return parameters_.specific_capacitance_f_per_m2 * real_area_m2();
}

double Cell::node_capacitance_f() const {
  return double_layer_capacitance_f() + parameters_.parasitic_capacitance_f;
}

double Cell::glucose_max_current_amps() const {
  return parameters_.glucose_max_current_density_a_per_m2 * real_area_m2();
}

double Cell::effective_michaelis_mm(double time_s) const {
  // k_d(t): the diffusion-limited current per unit concentration.
  const double diffusion_per_mm = microdisk_current_amps(
      parameters_.glucose_electrons, parameters_.glucose_diffusion_m2_per_s, 1.0,
      parameters_.radius_m, time_s);
  return parameters_.glucose_michaelis_mm + glucose_max_current_amps() / diffusion_per_mm;
}

double Cell::glucose_current_amps(double glucose_mm, double time_s) const {
  // Kinetics scale with the real (mesoporous) area; diffusion sees the geometric disk because
  // the diffusion layer is far thicker than the pores.
  const double kinetic = glucose_max_current_amps() * glucose_mm /
                         (parameters_.glucose_michaelis_mm + glucose_mm);
  const double diffusion =
      microdisk_current_amps(parameters_.glucose_electrons, parameters_.glucose_diffusion_m2_per_s,
                             glucose_mm, parameters_.radius_m, time_s);
  return series_current_amps(kinetic, diffusion);
}

double Cell::ascorbic_current_amps(double ascorbic_mm, double time_s) const {
  // Fast, diffusion-limited oxidation: only the geometric disk matters, whatever the roughness.
  return microdisk_current_amps(parameters_.ascorbic_electrons,
                                parameters_.ascorbic_diffusion_m2_per_s, ascorbic_mm,
                                parameters_.radius_m, time_s);
}

double Cell::oxygen_current_amps(bool aerobic, double time_s) const {
  if (!aerobic) return 0.0;
  return -parameters_.oxygen_reduction_fraction *
         microdisk_current_amps(parameters_.oxygen_electrons,
                                parameters_.oxygen_diffusion_m2_per_s,
                                parameters_.oxygen_concentration_mm, parameters_.radius_m, time_s);
}

double Cell::faradaic_current_amps(const Sample& sample, double time_s) const {
  return glucose_current_amps(sample.glucose_mm, time_s) +
         ascorbic_current_amps(sample.ascorbic_mm, time_s) +
         oxygen_current_amps(sample.aerobic, time_s) + parameters_.leakage_current_amps;
}

double Cell::mean_faradaic_current_amps(const Sample& sample, double start_s,
                                        double end_s) const {
  // Substituting t = s^2 removes the t^-1/2 singularity at the step, so 4-point Gauss-Legendre
  // in s is accurate even for the first clock period.
  static constexpr std::array<double, 4> nodes = {-0.8611363115940526, -0.3399810435848563,
                                                  0.3399810435848563, 0.8611363115940526};
  static constexpr std::array<double, 4> weights = {0.3478548451374538, 0.6521451548625461,
                                                    0.6521451548625461, 0.3478548451374538};
  // The Shoup-Szabo term exp(-c / s) varies on the scale s^2 / c, so intervals that reach
  // down towards the step get geometrically graded panels; later clock periods need one.
  const double s0 = std::sqrt(start_s), s1 = std::sqrt(end_s);
  const int panels = s0 >= 2.0 * (s1 - s0) ? 1 : 12;
  double charge = 0.0;
  for (int panel = 0; panel < panels; ++panel) {
    // Panel edges s1 * 2^-(panels - k) (the first starting at s0) refine towards s = 0.
    const double a = panel == 0 ? s0 : s0 + (s1 - s0) * std::ldexp(1.0, panel - panels);
    const double b = s0 + (s1 - s0) * std::ldexp(1.0, panel + 1 - panels);
    const double half = 0.5 * (b - a), middle = 0.5 * (b + a);
    for (std::size_t q = 0; q < nodes.size(); ++q) {
      const double s = middle + half * nodes[q];
      charge += weights[q] * faradaic_current_amps(sample, s * s) * 2.0 * s * half;
    }
  }
  return charge / (end_s - start_s);
}

double Cell::charging_time_constant_s() const {
  return parameters_.solution_resistance_ohm * double_layer_capacitance_f();
}

double Cell::ideal_charging_current_amps(double step_v, double time_s) const {
  return step_v / parameters_.solution_resistance_ohm *
         std::exp(-time_s / charging_time_constant_s());
}

}  // namespace attnflow::sensor

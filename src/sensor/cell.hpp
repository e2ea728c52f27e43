#pragma once
// The electrochemical cell of the glucose sensor: diffusion to a microdisk (Cottrell, steady state,
// Shoup-Szabo), non-enzymatic glucose oxidation on the mesoporous electrode in series with
// diffusion, ascorbic acid, the optional oxygen background, leakage and the double layer.
#include <numbers>

namespace attnflow::sensor {

inline constexpr double faraday_coulombs_per_mol = 96485.33212;

// Shoup-Szabo interpolation f(tau), tau = 4 D t / a^2, with i = 4 n F D C a f(tau).
double shoup_szabo_factor(double tau);
// n F A C sqrt(D / (pi t)) for a disk of area pi a^2 (concentration in mol/m^3 = mM).
double cottrell_current_amps(int electrons, double diffusion_m2_per_s, double concentration_mm,
                             double radius_m, double time_s);
// 4 n F D C a: the microdisk's long-time limit.
double steady_state_current_amps(int electrons, double diffusion_m2_per_s,
                                 double concentration_mm, double radius_m);
// Shoup-Szabo current at time t after the potential step.
double microdisk_current_amps(int electrons, double diffusion_m2_per_s, double concentration_mm,
                              double radius_m, double time_s);
// 1 / (1/i_kinetic + 1/i_diffusion), the series combination of two limiting currents.
double series_current_amps(double kinetic_current_amps, double diffusion_current_amps);

struct CellParameters {
  double radius_m = 50e-6;
  double roughness_factor = 100.0;
  double specific_capacitance_f_per_m2 = 0.2;  // 20 uF/cm^2 of real area
  double parasitic_capacitance_f = 10e-12;
  double solution_resistance_ohm = 3.3e3;
  int glucose_electrons = 2;
  double glucose_diffusion_m2_per_s = 6.7e-10;
  double glucose_michaelis_mm = 10.0;
  // Saturating kinetic current per real area; 388 nA at the default disk and roughness.
  double glucose_max_current_density_a_per_m2 = 388e-9 / (100.0 * std::numbers::pi * 2.5e-9);
  int ascorbic_electrons = 2;
  double ascorbic_diffusion_m2_per_s = 5.5e-10;
  int oxygen_electrons = 4;
  double oxygen_diffusion_m2_per_s = 2.0e-9;
  double oxygen_concentration_mm = 0.25;  // air-saturated buffer near 25 C
  double oxygen_reduction_fraction = 0.02;  // of the diffusion limit at the oxidation potential
  double leakage_current_amps = 10e-12;
};

// The solution the electrode sits in.
struct Sample {
  double glucose_mm = 0.0;
  double ascorbic_mm = 0.0;
  bool aerobic = false;
};

class Cell {
 public:
  explicit Cell(const CellParameters& parameters) : parameters_(parameters) {}
  const CellParameters& parameters() const { return parameters_; }

  double geometric_area_m2() const;
  double real_area_m2() const { return geometric_area_m2() * parameters_.roughness_factor; }
  double double_layer_capacitance_f() const;
  // Double layer plus parasitic: the capacitance the loop's charge packets land on.
  double node_capacitance_f() const;
  double glucose_max_current_amps() const;
  // Michaelis constant of the series kinetic/diffusion combination, K + i_max / k_d(t).
  double effective_michaelis_mm(double time_s) const;

  // Components at time t after the electrode reached the step potential (anodic positive).
  double glucose_current_amps(double glucose_mm, double time_s) const;
  double ascorbic_current_amps(double ascorbic_mm, double time_s) const;
  double oxygen_current_amps(bool aerobic, double time_s) const;  // cathodic: <= 0
  double faradaic_current_amps(const Sample& sample, double time_s) const;
  // Mean faradaic current over [start, end] (both >= 0); exact for the t^-1/2 singularity.
  double mean_faradaic_current_amps(const Sample& sample, double start_s, double end_s) const;
  // Charging current an ideal voltage-step potentiostat would see: dE / R_s exp(-t / R_s C_dl).
  double ideal_charging_current_amps(double step_v, double time_s) const;
  double charging_time_constant_s() const;

 private:
  CellParameters parameters_;
};

}  // namespace attnflow::sensor

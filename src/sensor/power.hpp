#pragma once
// Supply power of the near-threshold digital loop versus VDD and clock frequency: a static supply
// current exponential in VDD (two free parameters, calibrated to the paper's two reported
// points) plus switching C V^2 f, and the fastest clock the gates support at a given VDD.
namespace attnflow::sensor {

// The VDD range in which the near-threshold model is used (50 mV below and 100 mV above the
// calibration points; further out the exponential fit has no support).
inline constexpr double minimum_model_vdd_v = 0.25;
inline constexpr double maximum_model_vdd_v = 0.6;
inline constexpr double thermal_voltage_v = 0.025852;  // kT/q at 300 K

struct PowerParameters {
  // Calibration targets: the paper's reported points (not predictions of this model).
  double low_vdd_v = 0.3;
  double low_power_w = 1.65e-9;
  double high_vdd_v = 0.5;
  double high_power_w = 53.5e-9;
  double calibration_clock_hz = 1024.0;  // assumed clock at both reported points
  // Switched capacitance per clock (activity included): estimate, ~250 gates x 2 fF.
  double switched_capacitance_f = 0.5e-12;
  // Gate speed (EKV-style on-current of a minimum inverter): literature-typical 130 nm values.
  double threshold_v = 0.4;
  double slope_factor = 1.4;
  double specific_current_amps = 0.5e-6;
  double gate_capacitance_f = 2e-15;
  int logic_depth = 20;  // gate delays per clock period (counter carry chain and comparator)
};

class PowerModel {
 public:
  // Solves the two calibration equations; throws errors::InputError if they have no solution
  // with a positive static current growing with VDD.
  explicit PowerModel(const PowerParameters& parameters);
  const PowerParameters& parameters() const { return parameters_; }

  // Calibrated: static supply current I_0 exp(VDD / V_slope).
  double static_prefactor_amps() const { return static_prefactor_amps_; }
  double static_slope_v() const { return static_slope_v_; }

  double static_power_w(double vdd_v) const;
  double dynamic_power_w(double vdd_v, double clock_hz) const;
  double circuit_power_w(double vdd_v, double clock_hz) const {
    return static_power_w(vdd_v) + dynamic_power_w(vdd_v, clock_hz);
  }
  // Power the supply delivers through the loop into the cell (reported separately).
  static double cell_power_w(double vdd_v, double mean_cell_current_amps) {
    return vdd_v * mean_cell_current_amps;
  }
  double gate_delay_s(double vdd_v) const;
  double maximum_clock_hz(double vdd_v) const;

 private:
  PowerParameters parameters_;
  double static_prefactor_amps_ = 0;
  double static_slope_v_ = 0;
};

}  // namespace attnflow::sensor

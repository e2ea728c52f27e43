#include "sensor/power.hpp"

#include <cmath>
#include <sstream>

#include "errors/errors.hpp"

namespace attnflow::sensor {

PowerModel::PowerModel(const PowerParameters& parameters) : parameters_(parameters) {
  const auto& p = parameters_;
  errors::require(p.low_vdd_v < p.high_vdd_v && p.low_vdd_v > 0,
                  "power calibration: need 0 < power-low-vdd < power-high-vdd");
  const double static_low_w = p.low_power_w - dynamic_power_w(p.low_vdd_v, p.calibration_clock_hz);
  const double static_high_w =
      p.high_power_w - dynamic_power_w(p.high_vdd_v, p.calibration_clock_hz);
  const double current_ratio = (static_high_w / p.high_vdd_v) / (static_low_w / p.low_vdd_v);
  std::ostringstream message;
  message << "power calibration: the reported points leave static power " << static_low_w
          << " W and " << static_high_w
          << " W after switching; need both positive and growing faster than VDD "
             "(lower switched-capacitance or check power-low/power-high)";
  errors::require(static_low_w > 0 && static_high_w > 0 && current_ratio > 1.0, message.str());
  static_slope_v_ = (p.high_vdd_v - p.low_vdd_v) / std::log(current_ratio);
  static_prefactor_amps_ = static_low_w / (p.low_vdd_v * std::exp(p.low_vdd_v / static_slope_v_));
}

double PowerModel::static_power_w(double vdd_v) const {
  return vdd_v * static_prefactor_amps_ * std::exp(vdd_v / static_slope_v_);
}

double PowerModel::dynamic_power_w(double vdd_v, double clock_hz) const {
  return parameters_.switched_capacitance_f * vdd_v * vdd_v * clock_hz;
}

double PowerModel::gate_delay_s(double vdd_v) const {
  const auto& p = parameters_;
  // EKV interpolation between subthreshold (exponential) and strong inversion (square law).
  const double x = (vdd_v - p.threshold_v) / (2.0 * p.slope_factor * thermal_voltage_v);
  const double on_current = p.specific_current_amps * std::pow(std::log1p(std::exp(x)), 2);
  return p.gate_capacitance_f * vdd_v / on_current;
}

double PowerModel::maximum_clock_hz(double vdd_v) const {
  return 1.0 / (parameters_.logic_depth * gate_delay_s(vdd_v));
}

}  // namespace attnflow::sensor

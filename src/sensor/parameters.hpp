#pragma once
// The sensor app's input: every parameter as an option with unit and default, validated into one
// SensorConfig (cell, loop, noise, power, protocol and the sweeps of each mode).
#include <cstdint>
#include <string>
#include <vector>

#include "sensor/cell.hpp"
#include "sensor/loop.hpp"
#include "sensor/power.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::sensor {

enum class Mode { chronoamperometry, calibration, current_range, power, noise };
std::string mode_name(Mode mode);

struct SensorConfig {
  Mode mode = Mode::chronoamperometry;
  std::string output;
  std::uint64_t seed = 1;
  CellParameters cell;
  LoopParameters loop;
  CurrentNoise noise;
  PowerParameters power;
  double vdd_v = 0.3;
  // Chronoamperometry protocol.
  Sample sample;
  double quiet_time_s = 2.0;
  double duration_s = 60.0;
  double step_v = 0.2;
  double sampling_time_s = 30.0;
  int reading_conversions = 4;  // a reading is the mean over this many conversions
  // Calibration.
  double calibration_max_mm = 10.0;
  int calibration_points = 11;
  double interference_glucose_mm = 5.0;
  int blank_readings = 16;
  std::vector<double> roughness_sweep;
  // Current range.
  double range_min_amps = 100e-12;
  double range_max_amps = 1e-6;
  int range_points = 121;
  int range_conversions = 4;
  // Noise analysis.
  double noise_input_amps = 200e-9;
  int noise_segment_clocks = 1024;
  int noise_segments = 256;
  // Power.
  int power_vdd_points = 36;
  std::vector<double> power_clocks_hz;
};

void add_sensor_options(config::OptionSet& options);
// Validates every value; throws errors::InputError with one line naming the option.
SensorConfig sensor_from_options(const config::OptionSet& options);
// "a b c" (spaces or commas) -> numbers; InputError naming option_name on bad text.
std::vector<double> parse_number_list(const std::string& text, const std::string& option_name);

}  // namespace attnflow::sensor

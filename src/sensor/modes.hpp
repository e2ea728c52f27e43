#pragma once
// The app's five modes, each a function from the validated configuration to tables (written as
// CSV) and a summary (printed), so that the executable stays a thin parse-run-print recipe.
#include <string>
#include <utility>
#include <vector>

#include "sensor/cell.hpp"
#include "sensor/csv.hpp"
#include "sensor/loop.hpp"
#include "sensor/parameters.hpp"

namespace attnflow::sensor {

struct ModeResult {
  std::vector<CsvTable> tables;  // the first one goes to --output
  std::vector<std::pair<std::string, std::string>> summary;  // label, value with unit
  // Derived values for the CSV header, labelled "(calibrated)" where they are fitted to the
  // paper's reported points.
  std::vector<std::string> derived;
};

// One chronoamperometric run: quiet time, step, conversions until end_s after the step.
LoopTrace run_cell(const SensorConfig& config, const CellParameters& cell, const Sample& sample,
                   double end_s, std::uint64_t run_index);
// A reading: mean estimated current over the reading-conversions conversions that end at the
// sampling time.
double reading_amps(const SensorConfig& config, const LoopTrace& trace);
// Index of the conversion that ends at time_s after the step.
std::size_t conversion_at(const SensorConfig& config, double time_s);

struct CalibrationResult {
  std::vector<double> concentrations_mm, readings_amps, readings_with_ascorbic_amps;
  double blank_amps = 0, blank_sigma_amps = 0;
  double slope_amps_per_mm = 0, intercept_amps = 0, r_squared = 0;
  double slope_with_ascorbic_amps_per_mm = 0, r_squared_with_ascorbic = 0;
  double lod_mm = 0, loq_mm = 0;
  double interference_error = 0;        // simulated readings
  double model_interference_error = 0;  // noise-free cell currents at the sampling time
  struct Roughness {
    double roughness_factor, interference_error, model_interference_error, glucose_amps;
  };
  std::vector<Roughness> roughness;
};
CalibrationResult calibrate(const SensorConfig& config);

// Noise-free shift of the reading at glucose_mm caused by the configured ascorbic acid.
double model_interference_error(const SensorConfig& config, const CellParameters& cell);

ModeResult run_chronoamperometry_mode(const SensorConfig& config);
ModeResult run_calibration_mode(const SensorConfig& config);
ModeResult run_current_range_mode(const SensorConfig& config);
ModeResult run_power_mode(const SensorConfig& config);
ModeResult run_noise_mode(const SensorConfig& config);
ModeResult run_mode(const SensorConfig& config);

// Ideal current source into the electrode's node capacitance: one run of `conversions`.
LoopTrace run_current_source(const SensorConfig& config, const LoopParameters& loop,
                             const CurrentNoise& noise, double current_amps,
                             std::int64_t conversions, std::uint64_t run_index, bool keep_bits);

// Largest |code - I N / I_ref| over range-conversions conversions of a constant current.
double max_code_error_lsb(const SensorConfig& config, const LoopParameters& loop,
                          double current_amps, std::uint64_t run_index);
// Upper end of the operating range: the largest current whose codes stay within one LSB.
double range_top_amps(const SensorConfig& config, const LoopParameters& loop);

}  // namespace attnflow::sensor

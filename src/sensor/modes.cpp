#include "sensor/modes.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numbers>
#include <sstream>

#include "sensor/noise.hpp"
#include "sensor/power.hpp"
#include "sensor/readout.hpp"

namespace attnflow::sensor {

namespace {

std::string format(double value, const std::string& unit, int precision = 4) {
  std::ostringstream out;
  out << std::setprecision(precision) << value << (unit.empty() ? "" : " " + unit);
  return out.str();
}

std::int64_t conversions_for(const SensorConfig& config, double time_s) {
  return static_cast<std::int64_t>(std::ceil(time_s / config.loop.conversion_time_s() - 1e-9));
}

// Noise-free mean cell current over [start, end] after the step, given when the electrode
// settled (leakage only before that).
double model_window_current_amps(const Cell& cell, const Sample& sample, double settle_s,
                                 double start_s, double end_s) {
  const double leakage = cell.parameters().leakage_current_amps;
  const double a = std::max(start_s - settle_s, 0.0), b = end_s - settle_s;
  if (b <= 0) return leakage;
  const double before = std::max(settle_s - start_s, 0.0);
  return (leakage * before + cell.mean_faradaic_current_amps(sample, a, b) * (b - a)) /
         (end_s - start_s);
}

LoopParameters ideal_loop(LoopParameters loop) {
  loop.reference_error = 0;
  loop.comparator_offset_v = 0;
  loop.comparator_noise_v = 0;
  loop.clock_jitter = 0;
  return loop;
}

}  // namespace

std::size_t conversion_at(const SensorConfig& config, double time_s) {
  return static_cast<std::size_t>(conversions_for(config, config.quiet_time_s) +
                                  conversions_for(config, time_s) - 1);
}

LoopTrace run_cell(const SensorConfig& config, const CellParameters& cell_parameters,
                   const Sample& sample, double end_s, std::uint64_t run_index) {
  const Cell cell(cell_parameters);
  LoopRun run;
  run.node_capacitance_f = cell.node_capacitance_f();
  run.sense_resistance_ohm = cell_parameters.solution_resistance_ohm;
  run.quiet_conversions = conversions_for(config, config.quiet_time_s);
  run.conversions = conversions_for(config, end_s);
  run.step_v = config.step_v;
  run.initial_state_v = -config.loop.comparator_offset_v;  // holding before the quiet time
  run.quiet_current_amps = cell_parameters.leakage_current_amps;
  run.seed = config.seed;
  run.run_index = run_index;
  return simulate_loop(config.loop, config.noise, run, [&cell, &sample](double a, double b) {
    return cell.mean_faradaic_current_amps(sample, a, b);
  });
}

double reading_amps(const SensorConfig& config, const LoopTrace& trace) {
  const std::size_t last = conversion_at(config, config.sampling_time_s);
  double sum = 0;
  for (int k = 0; k < config.reading_conversions; ++k)
    sum += trace.estimated_current_amps(last - k, config.loop);
  return sum / config.reading_conversions;
}

double model_interference_error(const SensorConfig& config, const CellParameters& parameters) {
  const Cell cell(parameters);
  const double end = config.sampling_time_s;
  const double start = end - config.reading_conversions * config.loop.conversion_time_s();
  const Sample glucose_only{config.interference_glucose_mm, 0.0, false};
  const Sample ascorbic_only{0.0, config.sample.ascorbic_mm, false};
  // Leakage and oxygen are in the blank as well and cancel.
  const double leakage = parameters.leakage_current_amps;
  const double glucose = cell.mean_faradaic_current_amps(glucose_only, start, end) - leakage;
  const double ascorbic = cell.mean_faradaic_current_amps(ascorbic_only, start, end) - leakage;
  return ascorbic / glucose;
}

CalibrationResult calibrate(const SensorConfig& config) {
  CalibrationResult result;
  const double t = config.sampling_time_s;
  const bool aerobic = config.sample.aerobic;
  const double ascorbic = config.sample.ascorbic_mm;
  for (int j = 0; j < config.calibration_points; ++j) {
    const double c = config.calibration_max_mm * j / (config.calibration_points - 1);
    result.concentrations_mm.push_back(c);
    result.readings_amps.push_back(
        reading_amps(config, run_cell(config, config.cell, {c, 0.0, aerobic}, t, j)));
    result.readings_with_ascorbic_amps.push_back(reading_amps(
        config, run_cell(config, config.cell, {c, ascorbic, aerobic}, t, 1000 + j)));
  }
  // Blank sigma: consecutive readings of a blank run from the sampling time on.
  const double reading_s = config.reading_conversions * config.loop.conversion_time_s();
  const LoopTrace blank = run_cell(config, config.cell, {0.0, 0.0, aerobic},
                                   t + (config.blank_readings - 1) * reading_s, 2000);
  std::vector<double> blanks;
  for (int r = 0; r < config.blank_readings; ++r) {
    SensorConfig shifted = config;
    shifted.sampling_time_s = t + r * reading_s;
    blanks.push_back(reading_amps(shifted, blank));
  }
  result.blank_amps = result.readings_amps.front();
  result.blank_sigma_amps = sample_standard_deviation(blanks);

  std::vector<double> subtracted, subtracted_with;
  for (std::size_t j = 0; j < result.readings_amps.size(); ++j) {
    subtracted.push_back(result.readings_amps[j] - result.blank_amps);
    subtracted_with.push_back(result.readings_with_ascorbic_amps[j] - result.blank_amps);
  }
  const LinearFit fit = fit_line(result.concentrations_mm, subtracted);
  const LinearFit fit_with = fit_line(result.concentrations_mm, subtracted_with);
  result.slope_amps_per_mm = fit.slope;
  result.intercept_amps = fit.intercept;
  result.r_squared = fit.r_squared;
  result.slope_with_ascorbic_amps_per_mm = fit_with.slope;
  result.r_squared_with_ascorbic = fit_with.r_squared;
  result.lod_mm = limit_of_detection(result.blank_sigma_amps, fit.slope);
  result.loq_mm = limit_of_quantification(result.blank_sigma_amps, fit.slope);

  const double g = config.interference_glucose_mm;
  auto interference = [&](const CellParameters& cell, std::uint64_t index) {
    const double blank_reading =
        reading_amps(config, run_cell(config, cell, {0.0, 0.0, aerobic}, t, index));
    const double without =
        reading_amps(config, run_cell(config, cell, {g, 0.0, aerobic}, t, index + 1));
    const double with =
        reading_amps(config, run_cell(config, cell, {g, ascorbic, aerobic}, t, index + 2));
    return std::pair{interference_error(with, without, blank_reading), without - blank_reading};
  };
  result.interference_error = interference(config.cell, 3000).first;
  result.model_interference_error = model_interference_error(config, config.cell);
  for (std::size_t k = 0; k < config.roughness_sweep.size(); ++k) {
    CellParameters cell = config.cell;
    cell.roughness_factor = config.roughness_sweep[k];
    const auto [error, glucose] = interference(cell, 4000 + 3 * k);
    result.roughness.push_back(
        {cell.roughness_factor, error, model_interference_error(config, cell), glucose});
  }
  return result;
}

ModeResult run_chronoamperometry_mode(const SensorConfig& config) {
  const Cell cell(config.cell);
  const LoopTrace trace = run_cell(config, config.cell, config.sample, config.duration_s, 0);
  ModeResult result;
  CsvTable table;
  table.columns = {"time_s",          "code",           "estimated_current_amps",
                   "input_current_amps", "model_current_amps", "glucose_current_amps",
                   "ascorbic_current_amps", "oxygen_current_amps"};
  const double conversion_s = config.loop.conversion_time_s();
  const double settle = std::max(trace.settle_time_s, 0.0);
  for (std::size_t k = 0; k < trace.codes.size(); ++k) {
    const double end = trace.conversion_end_s[k];
    const double since_settle = end - settle;
    const bool after = end > 0 && since_settle > 0;
    table.add_row({end, static_cast<double>(trace.codes[k]),
                   trace.estimated_current_amps(k, config.loop), trace.mean_input_current_amps[k],
                   end > 0 ? model_window_current_amps(cell, config.sample, settle,
                                                       std::max(end - conversion_s, 0.0), end)
                           : config.cell.leakage_current_amps,
                   after ? cell.glucose_current_amps(config.sample.glucose_mm, since_settle) : 0,
                   after ? cell.ascorbic_current_amps(config.sample.ascorbic_mm, since_settle) : 0,
                   after ? cell.oxygen_current_amps(config.sample.aerobic, since_settle) : 0});
  }
  result.tables.push_back(std::move(table));

  const double slew_s = cell.node_capacitance_f() * config.step_v /
                        config.loop.actual_reference_current_amps();
  const double reading = reading_amps(config, trace);
  const double end = config.sampling_time_s;
  const double start = end - config.reading_conversions * conversion_s;
  const double model = model_window_current_amps(cell, config.sample, settle, start, end);
  const PowerModel power(config.power);
  auto& s = result.summary;
  s.emplace_back("node capacitance (double layer + parasitic)",
                 format(cell.node_capacitance_f() * 1e9, "nF"));
  s.emplace_back("settling: slew-limited C dE / I_ref", format(slew_s * 1e3, "ms"));
  s.emplace_back("settling: simulated", format(trace.settle_time_s * 1e3, "ms"));
  s.emplace_back("ideal-potentiostat charging R_s C_dl", format(cell.charging_time_constant_s() * 1e3, "ms"));
  s.emplace_back("reading at sampling time", format(reading * 1e9, "nA"));
  s.emplace_back("noise-free model current over the reading", format(model * 1e9, "nA"));
  s.emplace_back("effective Michaelis constant at sampling time",
                 format(cell.effective_michaelis_mm(config.sampling_time_s), "mM"));
  s.emplace_back("largest potential error after settling",
                 format(trace.max_potential_error_v * 1e3, "mV"));
  s.emplace_back("circuit power at vdd, clock (calibrated model)",
                 format(power.circuit_power_w(config.vdd_v, config.loop.clock_hz) * 1e9, "nW"));
  s.emplace_back("power drawn into the cell (not in circuit power)",
                 format(PowerModel::cell_power_w(config.vdd_v, trace.mean_loop_current_amps) * 1e9, "nW"));
  result.derived = {"node_capacitance_f = " + format(cell.node_capacitance_f(), "", 10),
                    "slew_time_s = " + format(slew_s, "", 10),
                    "settle_time_s = " + format(trace.settle_time_s, "", 10),
                    "reading_amps = " + format(reading, "", 10)};
  return result;
}

ModeResult run_calibration_mode(const SensorConfig& config) {
  const CalibrationResult c = calibrate(config);
  const Cell cell(config.cell);
  const double end = config.sampling_time_s;
  const double start = end - config.reading_conversions * config.loop.conversion_time_s();
  ModeResult result;
  CsvTable table;
  table.columns = {"glucose_mm", "reading_amps", "reading_with_ascorbic_amps",
                   "blank_subtracted_amps", "fit_amps", "model_current_amps"};
  for (std::size_t j = 0; j < c.concentrations_mm.size(); ++j) {
    const double x = c.concentrations_mm[j];
    table.add_row({x, c.readings_amps[j], c.readings_with_ascorbic_amps[j],
                   c.readings_amps[j] - c.blank_amps, c.intercept_amps + c.slope_amps_per_mm * x,
                   cell.mean_faradaic_current_amps({x, 0.0, false}, start, end) -
                       config.cell.leakage_current_amps});
  }
  result.tables.push_back(std::move(table));
  CsvTable roughness;
  roughness.name = "roughness";
  roughness.columns = {"roughness_factor", "interference_error", "model_interference_error",
                       "glucose_reading_amps"};
  for (const auto& r : c.roughness)
    roughness.add_row({r.roughness_factor, r.interference_error, r.model_interference_error,
                       r.glucose_amps});
  result.tables.push_back(std::move(roughness));

  auto& s = result.summary;
  s.emplace_back("slope", format(c.slope_amps_per_mm * 1e9, "nA/mM"));
  s.emplace_back("R^2 over 0-" + format(config.calibration_max_mm, "mM"), format(c.r_squared, "", 5));
  s.emplace_back("R^2 with ascorbic acid", format(c.r_squared_with_ascorbic, "", 5));
  s.emplace_back("blank sigma", format(c.blank_sigma_amps * 1e9, "nA"));
  s.emplace_back("LOD (3 sigma / m)", format(c.lod_mm, "mM"));
  s.emplace_back("LOQ (10 sigma / m)", format(c.loq_mm, "mM"));
  s.emplace_back("interference error at " + format(config.interference_glucose_mm, "mM"),
                 format(100 * c.interference_error, "%") + " (noise-free model " +
                     format(100 * c.model_interference_error, "%") + ")");
  for (const auto& r : c.roughness)
    s.emplace_back("interference error, roughness " + format(r.roughness_factor, ""),
                   format(100 * r.interference_error, "%") + " (model " +
                       format(100 * r.model_interference_error, "%") + ")");
  result.derived = {"slope_amps_per_mm = " + format(c.slope_amps_per_mm, "", 10),
                    "r_squared = " + format(c.r_squared, "", 10),
                    "lod_mm = " + format(c.lod_mm, "", 10),
                    "interference_error = " + format(c.interference_error, "", 10),
                    "note: glucose K and i_max defaults are proposed so that curvature gives "
                    "R^2 near the paper's 0.991 (calibrated, not a prediction)"};
  return result;
}

LoopTrace run_current_source(const SensorConfig& config, const LoopParameters& loop,
                             const CurrentNoise& noise, double current_amps,
                             std::int64_t conversions, std::uint64_t run_index, bool keep_bits) {
  LoopRun run;
  run.node_capacitance_f = Cell(config.cell).node_capacitance_f();
  run.conversions = conversions;
  run.initial_state_v = -loop.comparator_offset_v;
  run.seed = config.seed;
  run.run_index = run_index;
  run.keep_bits = keep_bits;
  return simulate_loop(loop, noise, run,
                       [current_amps](double, double) { return current_amps; });
}

double max_code_error_lsb(const SensorConfig& config, const LoopParameters& loop,
                          double current_amps, std::uint64_t run_index) {
  const LoopTrace trace = run_current_source(config, loop, CurrentNoise{0.0, 0.0}, current_amps,
                                             config.range_conversions, run_index, false);
  const double expected = current_amps / config.loop.least_significant_bit_amps();
  double error = 0;
  for (const auto code : trace.codes) error = std::max(error, std::abs(code - expected));
  return error;
}

double range_top_amps(const SensorConfig& config, const LoopParameters& loop) {
  // Bisection on the full-scale edge, between one LSB (always within 1 LSB) and 2 I_ref.
  double low = config.loop.least_significant_bit_amps();
  double high = 2.0 * config.loop.reference_current_amps;
  for (int iteration = 0; iteration < 40; ++iteration) {
    const double middle = 0.5 * (low + high);
    (max_code_error_lsb(config, loop, middle, 9000 + iteration) <= 1.0 ? low : high) = middle;
  }
  return low;
}

ModeResult run_current_range_mode(const SensorConfig& config) {
  const LoopParameters ideal = ideal_loop(config.loop);
  const CurrentNoise quiet{0.0, 0.0};
  const double lsb = config.loop.least_significant_bit_amps();
  ModeResult result;
  CsvTable table;
  table.columns = {"current_amps",        "expected_code", "ideal_code",
                   "ideal_max_error_lsb", "code",          "max_error_lsb",
                   "estimated_current_amps"};
  const double ideal_top = range_top_amps(config, ideal);
  double worst_in_range = 0;
  bool monotonic = true;
  double previous_code = -1;
  for (int p = 0; p < config.range_points; ++p) {
    const double current = config.range_min_amps *
                           std::pow(config.range_max_amps / config.range_min_amps,
                                    static_cast<double>(p) / (config.range_points - 1));
    const double expected = current / lsb;
    const LoopTrace a = run_current_source(config, ideal, quiet, current,
                                           config.range_conversions, p, false);
    const LoopTrace b = run_current_source(config, config.loop, quiet, current,
                                           config.range_conversions, p, false);
    double ideal_error = 0, error = 0, sum = 0;
    for (std::size_t k = 0; k < a.codes.size(); ++k) {
      ideal_error = std::max(ideal_error, std::abs(a.codes[k] - expected));
      error = std::max(error, std::abs(b.codes[k] - expected));
      sum += b.estimated_current_amps(k, config.loop);
    }
    if (a.codes[0] < previous_code) monotonic = false;
    previous_code = static_cast<double>(a.codes[0]);
    if (current >= lsb && current <= ideal_top) worst_in_range = std::max(worst_in_range, error);
    table.add_row({current, expected, static_cast<double>(a.codes[0]), ideal_error,
                   static_cast<double>(b.codes[0]), error, sum / b.codes.size()});
  }
  result.tables.push_back(std::move(table));
  auto& s = result.summary;
  s.emplace_back("one LSB = I_ref / N", format(lsb * 1e12, "pA"));
  s.emplace_back("full scale I_ref", format(config.loop.reference_current_amps * 1e9, "nA"));
  s.emplace_back("range within 1 LSB, ideal loop",
                 format(lsb * 1e12, "pA") + " to " + format(ideal_top * 1e9, "nA"));
  s.emplace_back("largest error in that range with loop non-idealities",
                 format(worst_in_range, "LSB"));
  s.emplace_back("ideal code monotonic in current", monotonic ? "yes" : "no");
  result.derived = {"lsb_amps = " + format(lsb, "", 10),
                    "range_top_amps = " + format(ideal_top, "", 10),
                    "note: I_ref and N defaults are chosen so that 1 LSB and full scale sit at the "
                    "paper's 600 pA and 650 nA (calibrated, not a prediction)"};
  return result;
}

ModeResult run_power_mode(const SensorConfig& config) {
  const PowerModel power(config.power);
  const Cell cell(config.cell);
  const double end = config.sampling_time_s;
  const double cell_current =
      cell.mean_faradaic_current_amps(config.sample, std::max(end - 1.0, 0.0), end);
  ModeResult result;
  CsvTable table;
  table.columns = {"vdd_v",         "clock_hz",        "static_power_w", "dynamic_power_w",
                   "circuit_power_w", "maximum_clock_hz", "cell_power_w"};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double clock : config.power_clocks_hz)
    for (int p = 0; p < config.power_vdd_points; ++p) {
      const double vdd = minimum_model_vdd_v + (maximum_model_vdd_v - minimum_model_vdd_v) * p /
                                                   (config.power_vdd_points - 1);
      const bool runs = clock <= power.maximum_clock_hz(vdd);
      table.add_row({vdd, clock, power.static_power_w(vdd),
                     runs ? power.dynamic_power_w(vdd, clock) : nan,
                     runs ? power.circuit_power_w(vdd, clock) : nan, power.maximum_clock_hz(vdd),
                     PowerModel::cell_power_w(vdd, cell_current)});
    }
  result.tables.push_back(std::move(table));
  const auto& p = config.power;
  auto& s = result.summary;
  s.emplace_back("static current prefactor I_0 (calibrated)",
                 format(power.static_prefactor_amps() * 1e12, "pA"));
  s.emplace_back("static current slope V_s (calibrated)", format(power.static_slope_v() * 1e3, "mV/e-fold"));
  s.emplace_back("power at " + format(p.low_vdd_v, "V") + " (= calibration target, not a prediction)",
                 format(power.circuit_power_w(p.low_vdd_v, p.calibration_clock_hz) * 1e9, "nW"));
  s.emplace_back("power at " + format(p.high_vdd_v, "V") + " (= calibration target, not a prediction)",
                 format(power.circuit_power_w(p.high_vdd_v, p.calibration_clock_hz) * 1e9, "nW"));
  s.emplace_back("power at vdd " + format(config.vdd_v, "V") + ", clock " +
                     format(config.loop.clock_hz, "Hz"),
                 format(power.circuit_power_w(config.vdd_v, config.loop.clock_hz) * 1e9, "nW"));
  s.emplace_back("switching share at that point",
                 format(100 * power.dynamic_power_w(config.vdd_v, config.loop.clock_hz) /
                            power.circuit_power_w(config.vdd_v, config.loop.clock_hz), "%"));
  s.emplace_back("fastest clock at vdd", format(power.maximum_clock_hz(config.vdd_v), "Hz"));
  s.emplace_back("cell power at vdd (separate; " + format(cell_current * 1e9, "nA") + ")",
                 format(PowerModel::cell_power_w(config.vdd_v, cell_current) * 1e9, "nW"));
  result.derived = {
      "static_prefactor_amps = " + format(power.static_prefactor_amps(), "", 10) +
          " (calibrated to power-low and power-high)",
      "static_slope_v = " + format(power.static_slope_v(), "", 10) +
          " (calibrated to power-low and power-high)"};
  return result;
}

ModeResult run_noise_mode(const SensorConfig& config) {
  const std::int64_t clocks =
      static_cast<std::int64_t>(config.noise_segments) * config.noise_segment_clocks;
  const std::int64_t conversions =
      (clocks + config.loop.conversion_clocks - 1) / config.loop.conversion_clocks;
  const LoopTrace trace = run_current_source(config, config.loop, config.noise,
                                             config.noise_input_amps, conversions, 0, true);
  const double reference = config.loop.actual_reference_current_amps();
  std::vector<double> current(trace.bits.begin(), trace.bits.begin() + clocks);
  for (double& value : current) value *= reference;
  const Spectrum spectrum =
      welch_spectrum(current, config.loop.clock_hz, config.noise_segment_clocks);
  const LinearisedLoop model = linearise(config.loop, config.noise,
                                         Cell(config.cell).node_capacitance_f(),
                                         config.noise_input_amps);
  ModeResult result;
  CsvTable table;
  table.columns = {"frequency_hz", "simulated_psd_a2_per_hz", "predicted_psd_a2_per_hz",
                   "predicted_shaped_psd", "predicted_input_psd"};
  for (std::size_t k = 1; k < spectrum.psd.size(); ++k) {
    const double f = spectrum.frequency_hz[k];
    table.add_row({f, spectrum.psd[k], model.bitstream_psd(f), model.shaped_psd(f),
                   model.input_psd(f)});
  }
  result.tables.push_back(std::move(table));
  // The counter's sinc has its zeros exactly on the Welch bins (multiples of f_clk / N), so its
  // response goes on a finer grid of its own.
  CsvTable transfer;
  transfer.name = "transfer";
  transfer.columns = {"frequency_hz", "counter_response", "continuous_signal_response",
                      "noise_transfer"};
  const int points = 8 * config.loop.conversion_clocks;
  for (int k = 1; k <= points; ++k) {
    const double f = 0.5 * config.loop.clock_hz * k / points;
    transfer.add_row({f, model.counter_response(f), model.continuous_signal_response(f),
                      2.0 * std::abs(std::sin(std::numbers::pi * f / config.loop.clock_hz))});
  }
  result.tables.push_back(std::move(transfer));
  std::vector<double> estimates;
  for (std::size_t k = 0; k < trace.codes.size(); ++k)
    estimates.push_back(trace.estimated_current_amps(k, config.loop));
  const auto ratios = band_ratios(spectrum, model, 3, 8);
  const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
  auto& s = result.summary;
  s.emplace_back("Welch segments averaged", std::to_string(spectrum.segments));
  s.emplace_back("comparator noise / packet step", format(model.comparator_noise_lsb, ""));
  s.emplace_back("simulated / predicted PSD over 8 bands", format(*low, "") + " to " + format(*high, ""));
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  s.emplace_back("median band ratio", format(0.5 * (sorted[3] + sorted[4]), ""));
  // A first-order loop with a constant input idles in a pattern whose fundamental is the
  // duty cycle times the clock (folded into the first Nyquist zone): the white model has no tone.
  double tone_hz = std::fmod(model.duty * config.loop.clock_hz, config.loop.clock_hz);
  if (tone_hz > 0.5 * config.loop.clock_hz) tone_hz = config.loop.clock_hz - tone_hz;
  s.emplace_back("idle tone expected at duty x f_clk", format(tone_hz, "Hz"));
  s.emplace_back("expected spread per band if the model were exact (1 sigma)",
                 format(1.0 / std::sqrt(spectrum.segments * (spectrum.psd.size() - 4) / 8.0), ""));
  s.emplace_back("conversion rms: simulated", format(sample_standard_deviation(estimates) * 1e9, "nA"));
  s.emplace_back("conversion rms: linearised model", format(model.conversion_rms_amps() * 1e9, "nA"));
  result.derived = {"comparator_noise_lsb = " + format(model.comparator_noise_lsb, "", 10)};
  return result;
}

ModeResult run_mode(const SensorConfig& config) {
  switch (config.mode) {
    case Mode::chronoamperometry: return run_chronoamperometry_mode(config);
    case Mode::calibration: return run_calibration_mode(config);
    case Mode::current_range: return run_current_range_mode(config);
    case Mode::power: return run_power_mode(config);
    case Mode::noise: return run_noise_mode(config);
  }
  return {};
}

}  // namespace attnflow::sensor

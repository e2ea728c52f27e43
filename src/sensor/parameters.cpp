#include "sensor/parameters.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "config/options.hpp"

namespace attnflow::sensor {

using errors::require;

std::string mode_name(Mode mode) {
  switch (mode) {
    case Mode::chronoamperometry: return "chronoamperometry";
    case Mode::calibration: return "calibration";
    case Mode::current_range: return "current-range";
    case Mode::power: return "power";
    case Mode::noise: return "noise";
  }
  return "?";
}

void add_sensor_options(config::OptionSet& o) {
  const CellParameters c;
  const LoopParameters l;
  const CurrentNoise n;
  const PowerParameters p;
  const SensorConfig s;
  o.add<std::string>("mode", "chronoamperometry", "",
                     "chronoamperometry | calibration | current-range | power | noise");
  o.add<std::string>("output", "sensor.csv", "path", "CSV output file");
  o.add<unsigned long>("seed", 1, "", "seed of every random draw");
  // Cell.
  o.add("electrode-radius", c.radius_m, "m", "microdisk radius");
  o.add("roughness-factor", c.roughness_factor, "1", "real / geometric area of the mesoporous film");
  o.add("specific-capacitance", c.specific_capacitance_f_per_m2, "F/m^2",
        "double-layer capacitance per real area");
  o.add("parasitic-capacitance", c.parasitic_capacitance_f, "F", "wiring and switch capacitance");
  o.add("solution-resistance", c.solution_resistance_ohm, "ohm", "uncompensated resistance");
  o.add("glucose-diffusion", c.glucose_diffusion_m2_per_s, "m^2/s", "glucose diffusion coefficient");
  o.add("glucose-electrons", c.glucose_electrons, "1", "electrons per glucose oxidised");
  o.add("glucose-michaelis-constant", c.glucose_michaelis_mm, "mM", "kinetic K of the oxidation");
  o.add("glucose-max-current-density", c.glucose_max_current_density_a_per_m2, "A/m^2",
        "saturating kinetic current per real area");
  o.add("ascorbic-diffusion", c.ascorbic_diffusion_m2_per_s, "m^2/s", "ascorbic acid diffusion");
  o.add("ascorbic-electrons", c.ascorbic_electrons, "1", "electrons per ascorbic acid");
  o.add("oxygen-diffusion", c.oxygen_diffusion_m2_per_s, "m^2/s", "oxygen diffusion coefficient");
  o.add("oxygen-concentration", c.oxygen_concentration_mm, "mM", "dissolved oxygen when aerobic");
  o.add("oxygen-electrons", c.oxygen_electrons, "1", "electrons per oxygen reduced");
  o.add("oxygen-reduction-fraction", c.oxygen_reduction_fraction, "1",
        "oxygen reduction current as a fraction of its diffusion limit at the oxidation potential");
  o.add("leakage-current", c.leakage_current_amps, "A", "node leakage (adds to the cell current)");
  o.add("baseline-noise", n.white_amps, "A", "white baseline noise, rms over one conversion");
  o.add("baseline-drift-noise", n.drift_amps_per_root_s, "A/s^0.5", "random-walk baseline drift");
  // Loop.
  o.add("reference-current", l.reference_current_amps, "A", "charge-packet current I_ref (full scale)");
  o.add("conversion-clocks", l.conversion_clocks, "1", "clocks counted per conversion N");
  o.add("clock-frequency", l.clock_hz, "Hz", "loop clock");
  o.add("reference-error", l.reference_error, "1", "relative error of the actual I_ref");
  o.add("comparator-offset", l.comparator_offset_v, "V", "comparator input offset");
  o.add("comparator-noise", l.comparator_noise_v, "V", "comparator input noise rms per decision");
  o.add("clock-jitter", l.clock_jitter, "1", "relative rms jitter of each clock period");
  o.add("vdd", s.vdd_v, "V", "supply voltage (model range 0.25 to 0.6)");
  // Protocol.
  o.add("glucose", 5.0, "mM", "glucose concentration (chronoamperometry)");
  o.add("ascorbic-acid", 0.1, "mM", "ascorbic acid concentration (interferent)");
  o.add_flag("aerobic", "add the oxygen-reduction background");
  o.add("quiet-time", s.quiet_time_s, "s", "hold at the initial potential before the step");
  o.add("duration", s.duration_s, "s", "time recorded after the step");
  o.add("step-potential", s.step_v, "V", "potential step (must fit within VDD)");
  o.add("sampling-time", s.sampling_time_s, "s", "reading time after the step");
  o.add("reading-conversions", s.reading_conversions, "1", "conversions averaged per reading");
  o.add("calibration-max", s.calibration_max_mm, "mM", "highest calibration concentration");
  o.add("calibration-points", s.calibration_points, "1", "evenly spaced points from 0");
  o.add("interference-glucose", s.interference_glucose_mm, "mM", "glucose of the interference test");
  o.add("blank-readings", s.blank_readings, "1", "blank readings for the LOD sigma");
  o.add<std::string>("roughness-sweep", "25 50 100 200 400", "1", "roughness factors to compare");
  o.add("range-min", s.range_min_amps, "A", "smallest input current (current-range)");
  o.add("range-max", s.range_max_amps, "A", "largest input current (current-range)");
  o.add("range-points", s.range_points, "1", "log-spaced currents (current-range)");
  o.add("range-conversions", s.range_conversions, "1", "conversions per current (current-range)");
  o.add("noise-current", s.noise_input_amps, "A", "constant input current (noise)");
  o.add("noise-segment-clocks", s.noise_segment_clocks, "1", "Welch segment length, power of 2");
  o.add("noise-segments", s.noise_segments, "1", "Welch segments averaged");
  o.add("power-vdd-points", s.power_vdd_points, "1", "VDD points over the model range (power)");
  o.add<std::string>("power-clocks", "1024 32768 1048576", "Hz", "clock frequencies (power)");
  // Power model.
  o.add("power-low-vdd", p.low_vdd_v, "V", "calibration point 1: VDD (paper)");
  o.add("power-low", p.low_power_w, "W", "calibration point 1: power (paper)");
  o.add("power-high-vdd", p.high_vdd_v, "V", "calibration point 2: VDD (paper)");
  o.add("power-high", p.high_power_w, "W", "calibration point 2: power (paper)");
  o.add("power-calibration-clock", p.calibration_clock_hz, "Hz", "clock assumed at both points");
  o.add("switched-capacitance", p.switched_capacitance_f, "F", "capacitance switched per clock");
  o.add("threshold-voltage", p.threshold_v, "V", "transistor threshold (gate speed)");
  o.add("slope-factor", p.slope_factor, "1", "subthreshold slope factor n");
  o.add("specific-current", p.specific_current_amps, "A", "EKV specific current of a gate");
  o.add("gate-capacitance", p.gate_capacitance_f, "F", "load per gate");
  o.add("logic-depth", p.logic_depth, "1", "gate delays per clock period");
}

std::vector<double> parse_number_list(const std::string& text, const std::string& option_name) {
  std::string cleaned = text;
  for (char& ch : cleaned)
    if (ch == ',' || ch == ';') ch = ' ';
  std::istringstream in(cleaned);
  std::vector<double> values;
  std::string token;
  while (in >> token) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    require(used == token.size() && std::isfinite(value),
            "--" + option_name + ": '" + token + "' is not a number (accepted: numbers separated "
            "by spaces or commas)");
    values.push_back(value);
  }
  require(!values.empty(), "--" + option_name + ": empty list (accepted: one or more numbers)");
  return values;
}

namespace {

std::string text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

double positive(const config::OptionSet& o, const std::string& name) {
  const double value = o.get<double>(name);
  require(std::isfinite(value) && value > 0,
          "--" + name + ": " + text(value) + " is not accepted (must be > 0)");
  return value;
}

double non_negative(const config::OptionSet& o, const std::string& name) {
  const double value = o.get<double>(name);
  require(std::isfinite(value) && value >= 0,
          "--" + name + ": " + text(value) + " is not accepted (must be >= 0)");
  return value;
}

int at_least(const config::OptionSet& o, const std::string& name, int minimum) {
  const int value = o.get<int>(name);
  require(value >= minimum, "--" + name + ": " + std::to_string(value) +
                                " is not accepted (must be >= " + std::to_string(minimum) + ")");
  return value;
}

}  // namespace

SensorConfig sensor_from_options(const config::OptionSet& o) {
  SensorConfig s;
  const std::string mode = o.get<std::string>("mode");
  if (mode == "chronoamperometry") s.mode = Mode::chronoamperometry;
  else if (mode == "calibration") s.mode = Mode::calibration;
  else if (mode == "current-range") s.mode = Mode::current_range;
  else if (mode == "power") s.mode = Mode::power;
  else if (mode == "noise") s.mode = Mode::noise;
  else
    throw errors::InputError("--mode: unknown mode '" + mode +
                             "' (accepted: chronoamperometry, calibration, current-range, "
                             "power, noise)");
  s.output = o.get<std::string>("output");
  require(!s.output.empty(), "--output: empty path (accepted: a file name)");
  const auto directory = std::filesystem::path(s.output).parent_path();
  require(directory.empty() || std::filesystem::is_directory(directory),
          "--output: directory '" + directory.string() + "' does not exist");
  s.seed = o.get<unsigned long>("seed");

  auto& c = s.cell;
  c.radius_m = positive(o, "electrode-radius");
  c.roughness_factor = o.get<double>("roughness-factor");
  require(c.roughness_factor >= 1.0, "--roughness-factor: " + text(c.roughness_factor) +
                                         " is not accepted (must be >= 1)");
  c.specific_capacitance_f_per_m2 = positive(o, "specific-capacitance");
  c.parasitic_capacitance_f = non_negative(o, "parasitic-capacitance");
  c.solution_resistance_ohm = positive(o, "solution-resistance");
  c.glucose_diffusion_m2_per_s = positive(o, "glucose-diffusion");
  c.glucose_electrons = at_least(o, "glucose-electrons", 1);
  c.glucose_michaelis_mm = positive(o, "glucose-michaelis-constant");
  c.glucose_max_current_density_a_per_m2 = positive(o, "glucose-max-current-density");
  c.ascorbic_diffusion_m2_per_s = positive(o, "ascorbic-diffusion");
  c.ascorbic_electrons = at_least(o, "ascorbic-electrons", 1);
  c.oxygen_diffusion_m2_per_s = positive(o, "oxygen-diffusion");
  c.oxygen_concentration_mm = non_negative(o, "oxygen-concentration");
  c.oxygen_electrons = at_least(o, "oxygen-electrons", 1);
  c.oxygen_reduction_fraction = non_negative(o, "oxygen-reduction-fraction");
  require(c.oxygen_reduction_fraction <= 1.0, "--oxygen-reduction-fraction: " +
                                                  text(c.oxygen_reduction_fraction) +
                                                  " is not accepted (must be in [0, 1])");
  c.leakage_current_amps = non_negative(o, "leakage-current");
  s.noise.white_amps = non_negative(o, "baseline-noise");
  s.noise.drift_amps_per_root_s = non_negative(o, "baseline-drift-noise");

  auto& l = s.loop;
  l.reference_current_amps = positive(o, "reference-current");
  l.conversion_clocks = at_least(o, "conversion-clocks", 2);
  l.clock_hz = positive(o, "clock-frequency");
  l.reference_error = o.get<double>("reference-error");
  require(std::abs(l.reference_error) < 0.5, "--reference-error: " + text(l.reference_error) +
                                                 " is not accepted (must be in (-0.5, 0.5))");
  l.comparator_offset_v = o.get<double>("comparator-offset");
  require(std::abs(l.comparator_offset_v) < 0.1, "--comparator-offset: " +
                                                     text(l.comparator_offset_v) +
                                                     " is not accepted (|offset| < 0.1 V)");
  l.comparator_noise_v = non_negative(o, "comparator-noise");
  l.clock_jitter = non_negative(o, "clock-jitter");
  require(l.clock_jitter < 0.1, "--clock-jitter: " + text(l.clock_jitter) +
                                    " is not accepted (must be < 0.1)");

  auto& p = s.power;
  p.low_vdd_v = positive(o, "power-low-vdd");
  p.low_power_w = positive(o, "power-low");
  p.high_vdd_v = positive(o, "power-high-vdd");
  p.high_power_w = positive(o, "power-high");
  p.calibration_clock_hz = positive(o, "power-calibration-clock");
  p.switched_capacitance_f = non_negative(o, "switched-capacitance");
  p.threshold_v = positive(o, "threshold-voltage");
  p.slope_factor = positive(o, "slope-factor");
  p.specific_current_amps = positive(o, "specific-current");
  p.gate_capacitance_f = positive(o, "gate-capacitance");
  p.logic_depth = at_least(o, "logic-depth", 1);

  s.vdd_v = o.get<double>("vdd");
  require(s.vdd_v >= minimum_model_vdd_v && s.vdd_v <= maximum_model_vdd_v,
          "--vdd: " + text(s.vdd_v) + " V is outside the model's range (accepted: " +
              text(minimum_model_vdd_v) + " to " + text(maximum_model_vdd_v) + " V)");
  const PowerModel power_model(p);  // throws if the calibration has no solution
  const double fastest_hz = power_model.maximum_clock_hz(s.vdd_v);
  require(l.clock_hz <= fastest_hz, "--clock-frequency: " + text(l.clock_hz) +
                                        " Hz is faster than the gates run at vdd = " +
                                        text(s.vdd_v) + " V (accepted: up to " +
                                        text(fastest_hz) + " Hz)");

  s.sample.glucose_mm = non_negative(o, "glucose");
  s.sample.ascorbic_mm = non_negative(o, "ascorbic-acid");
  s.sample.aerobic = o.flag("aerobic");
  s.quiet_time_s = non_negative(o, "quiet-time");
  s.duration_s = positive(o, "duration");
  s.step_v = o.get<double>("step-potential");
  require(std::abs(s.step_v) <= s.vdd_v && s.step_v >= 0,
          "--step-potential: " + text(s.step_v) + " V is not accepted (must be in [0, vdd = " +
              text(s.vdd_v) + " V])");
  s.reading_conversions = at_least(o, "reading-conversions", 1);
  s.sampling_time_s = positive(o, "sampling-time");
  require(s.sampling_time_s >= s.reading_conversions * l.conversion_time_s(),
          "--sampling-time: " + text(s.sampling_time_s) +
              " s is shorter than one reading (reading-conversions x conversion time = " +
              text(s.reading_conversions * l.conversion_time_s()) + " s)");
  if (s.mode == Mode::chronoamperometry)
    require(s.sampling_time_s <= s.duration_s, "--sampling-time: " + text(s.sampling_time_s) +
                                                   " s is after the end of the run (duration " +
                                                   text(s.duration_s) + " s)");
  s.calibration_max_mm = positive(o, "calibration-max");
  s.calibration_points = at_least(o, "calibration-points", 3);
  require(s.calibration_points <= 1000, "--calibration-points: " +
                                            std::to_string(s.calibration_points) +
                                            " is not accepted (at most 1000)");
  s.interference_glucose_mm = positive(o, "interference-glucose");
  s.blank_readings = at_least(o, "blank-readings", 2);
  s.roughness_sweep = parse_number_list(o.get<std::string>("roughness-sweep"), "roughness-sweep");
  for (double r : s.roughness_sweep)
    require(r >= 1.0, "--roughness-sweep: " + text(r) + " is not accepted (each must be >= 1)");
  s.range_min_amps = positive(o, "range-min");
  s.range_max_amps = positive(o, "range-max");
  require(s.range_max_amps > s.range_min_amps, "--range-max: must exceed --range-min");
  s.range_points = at_least(o, "range-points", 2);
  s.range_conversions = at_least(o, "range-conversions", 1);
  s.noise_input_amps = non_negative(o, "noise-current");
  require(s.noise_input_amps < l.reference_current_amps,
          "--noise-current: " + text(s.noise_input_amps) +
              " A is not accepted (must be below reference-current)");
  s.noise_segment_clocks = at_least(o, "noise-segment-clocks", 8);
  require((s.noise_segment_clocks & (s.noise_segment_clocks - 1)) == 0,
          "--noise-segment-clocks: " + std::to_string(s.noise_segment_clocks) +
              " is not accepted (must be a power of two)");
  s.noise_segments = at_least(o, "noise-segments", 1);
  s.power_vdd_points = at_least(o, "power-vdd-points", 2);
  s.power_clocks_hz = parse_number_list(o.get<std::string>("power-clocks"), "power-clocks");
  for (double f : s.power_clocks_hz)
    require(f > 0, "--power-clocks: " + text(f) + " is not accepted (each must be > 0)");
  return s;
}

}  // namespace attnflow::sensor

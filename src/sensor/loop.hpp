#pragma once
// The digital-based potentiostat: a clocked 1-bit loop whose comparator decisions return charge
// packets I_ref T to the working-electrode node, holding its potential; the ones counted over N
// clocks are the output code, I_est = code I_ref / N (first-order incremental conversion).
#include <cstdint>
#include <functional>
#include <vector>

namespace attnflow::sensor {

struct LoopParameters {
  double reference_current_amps = 665e-9;  // nominal full scale
  int conversion_clocks = 1024;            // N
  double clock_hz = 1024.0;
  double reference_error = 0.0;       // actual I_ref = nominal (1 + error); the code assumes nominal
  double comparator_offset_v = 1e-3;  // shifts the held potential, not the code
  double comparator_noise_v = 0.5e-3;  // input-referred rms, independent per decision
  double clock_jitter = 1e-4;          // relative rms of each clock period, independent per period

  double clock_period_s() const { return 1.0 / clock_hz; }
  double conversion_time_s() const { return conversion_clocks / clock_hz; }
  double least_significant_bit_amps() const { return reference_current_amps / conversion_clocks; }
  double actual_reference_current_amps() const {
    return reference_current_amps * (1.0 + reference_error);
  }
};

// Noise of the input current itself (the cell's baseline), added to the deterministic current.
struct CurrentNoise {
  double white_amps = 0.2e-9;  // rms of the mean over one conversion (N clocks)
  double drift_amps_per_root_s = 0.0;  // random-walk baseline drift
};

// Mean input current over [start, end], times measured from the moment the electrode reached
// its set potential after the step (the diffusion transient starts then).
using CurrentSource = std::function<double(double start_s, double end_s)>;

struct LoopRun {
  double node_capacitance_f = 1e-7;
  // Uncompensated resistance between the node and the reference: the comparator sees
  // u + R I_loop. Zero for an ideal current source.
  double sense_resistance_ohm = 0.0;
  std::int64_t quiet_conversions = 0;  // conversions holding the initial potential before the step
  std::int64_t conversions = 1;        // conversions after the step
  double step_v = 0.0;                 // potential step at the end of the quiet time
  double initial_state_v = 0.0;        // node potential minus target at clock 0
  double quiet_current_amps = 0.0;     // input current before the electrode settles
  std::uint64_t seed = 1;
  std::uint64_t run_index = 0;  // selects independent noise for each run of a sweep
  bool keep_bits = false;
};

struct LoopTrace {
  std::vector<std::int64_t> codes;               // one per conversion, quiet ones first
  std::vector<double> conversion_end_s;          // from the step (quiet ones negative)
  std::vector<double> mean_input_current_amps;   // true mean input per conversion, with noise
  std::vector<std::uint8_t> bits;                // per clock, when keep_bits
  std::vector<double> input_per_clock_amps;      // per clock, when keep_bits
  double settle_time_s = -1.0;                   // from the step; -1 if never settled
  double max_potential_error_v = 0.0;            // after settling, |u + offset|
  double mean_loop_current_amps = 0.0;           // drawn from the supply into the cell
  double estimated_current_amps(std::size_t conversion, const LoopParameters& loop) const {
    return static_cast<double>(codes[conversion]) * loop.least_significant_bit_amps();
  }
};

// Simulates the loop clock by clock (exact charge balance on the node capacitance).
LoopTrace simulate_loop(const LoopParameters& loop, const CurrentNoise& noise, const LoopRun& run,
                        const CurrentSource& source);

// The noise stream of the sensor's simulations (the one place where it is chosen).
inline constexpr std::uint64_t sensor_noise_stream = 100;

}  // namespace attnflow::sensor

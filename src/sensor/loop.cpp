#include "sensor/loop.hpp"

#include <array>
#include <cmath>
#include <span>

#include "random/counter_random.hpp"

namespace attnflow::sensor {

LoopTrace simulate_loop(const LoopParameters& loop, const CurrentNoise& noise, const LoopRun& run,
                        const CurrentSource& source) {
  // Stream value outside random::Stream's named ones, documented in loop.hpp.
  const random::CounterRandom generator(run.seed,
                                        static_cast<random::Stream>(sensor_noise_stream));
  const double period_s = loop.clock_period_s();
  const double reference_amps = loop.actual_reference_current_amps();
  const std::int64_t clocks_per_conversion = loop.conversion_clocks;
  const std::int64_t quiet_clocks = run.quiet_conversions * clocks_per_conversion;
  const std::int64_t total_clocks = quiet_clocks + run.conversions * clocks_per_conversion;
  // White noise of rms sigma over N clocks has rms sigma sqrt(N) over one clock.
  const double white_per_clock_amps =
      noise.white_amps * std::sqrt(static_cast<double>(clocks_per_conversion));

  LoopTrace trace;
  const auto conversion_count = static_cast<std::size_t>(run.quiet_conversions + run.conversions);
  trace.codes.reserve(conversion_count);
  if (run.keep_bits) {
    trace.bits.reserve(static_cast<std::size_t>(total_clocks));
    trace.input_per_clock_amps.reserve(static_cast<std::size_t>(total_clocks));
  }

  double state_v = run.initial_state_v;  // node potential minus its target
  double previous_loop_amps = 0.0;
  double time_s = -static_cast<double>(quiet_clocks) * period_s;  // nominal; jitter adds below
  double settled_at_s = -1.0;
  bool settled = run.step_v == 0.0 && quiet_clocks == 0;
  if (settled) settled_at_s = 0.0;
  double drift_amps = 0.0;
  std::int64_t ones = 0;
  double conversion_charge = 0.0, conversion_duration = 0.0, loop_charge = 0.0, total_time = 0.0;
  std::array<double, 4> normals{};

  for (std::int64_t clock = 0; clock < total_clocks; ++clock) {
    if (clock == quiet_clocks && run.step_v != 0.0) {
      state_v -= run.step_v;  // the target jumps; the node has not moved yet
      settled = false;
      time_s = 0.0;
    }
    generator.normals(run.run_index, static_cast<std::uint64_t>(clock), std::span(normals));
    const double sensed_v = state_v + run.sense_resistance_ohm * previous_loop_amps +
                            loop.comparator_offset_v + loop.comparator_noise_v * normals[0];
    const bool bit = sensed_v < 0.0;
    const double loop_amps = bit ? reference_amps : 0.0;
    const double duration_s = period_s * (1.0 + loop.clock_jitter * normals[2]);

    double input_amps = run.quiet_current_amps;
    if (settled) input_amps = source(time_s - settled_at_s, time_s - settled_at_s + duration_s);
    drift_amps += noise.drift_amps_per_root_s * std::sqrt(period_s) * normals[3];
    input_amps += white_per_clock_amps * normals[1] + drift_amps;

    const double before_v = state_v;
    state_v += (loop_amps - input_amps) * duration_s / run.node_capacitance_f;
    // The hold point is -offset: the comparator balances u + offset around zero.
    const double hold_v = -loop.comparator_offset_v;
    if (!settled && clock >= quiet_clocks && state_v >= hold_v) {
      settled = true;
      settled_at_s = time_s + duration_s * (hold_v - before_v) / (state_v - before_v);
      trace.settle_time_s = settled_at_s;
    } else if (settled && clock >= quiet_clocks) {
      trace.max_potential_error_v = std::max(trace.max_potential_error_v,
                                             std::abs(state_v - hold_v));
    }
    if (run.keep_bits) {
      trace.bits.push_back(bit ? 1 : 0);
      trace.input_per_clock_amps.push_back(input_amps);
    }
    ones += bit ? 1 : 0;
    conversion_charge += input_amps * duration_s;
    conversion_duration += duration_s;
    loop_charge += loop_amps * duration_s;
    total_time += duration_s;
    time_s += duration_s;
    previous_loop_amps = loop_amps;
    if ((clock + 1) % clocks_per_conversion == 0) {
      trace.codes.push_back(ones);
      trace.conversion_end_s.push_back(time_s);
      trace.mean_input_current_amps.push_back(conversion_charge / conversion_duration);
      ones = 0;
      conversion_charge = conversion_duration = 0.0;
    }
  }
  trace.mean_loop_current_amps = loop_charge / total_time;
  return trace;
}

}  // namespace attnflow::sensor

#include "sensor/noise.hpp"

#include <gsl/gsl_fft_real.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace attnflow::sensor {

double LinearisedLoop::shaped_psd(double frequency_hz) const {
  // A uniform quantisation error of one packet has variance 1/12; comparator noise enters at the
  // same point and is shaped the same way (valid while it is small next to one packet).
  const double variance = 1.0 / 12.0 + comparator_noise_lsb * comparator_noise_lsb;
  const double shaping = 4.0 * std::pow(std::sin(std::numbers::pi * frequency_hz / clock_hz), 2);
  return 2.0 / clock_hz * reference_current_amps * reference_current_amps * variance * shaping;
}

double LinearisedLoop::input_psd(double frequency_hz) const {
  double per_sample = white_per_clock_amps * white_per_clock_amps;
  // A jittered period weights the packet error (b - x) by the period's relative error.
  per_sample += reference_current_amps * reference_current_amps * duty * (1.0 - duty) *
                clock_jitter * clock_jitter;
  double psd = 2.0 / clock_hz * per_sample;
  if (drift_amps_per_root_s > 0.0) {
    const double increment = drift_amps_per_root_s * drift_amps_per_root_s / clock_hz;
    psd += 2.0 / clock_hz * increment /
           (4.0 * std::pow(std::sin(std::numbers::pi * frequency_hz / clock_hz), 2));
  }
  return psd;
}

double LinearisedLoop::bitstream_psd(double frequency_hz) const {
  return shaped_psd(frequency_hz) + input_psd(frequency_hz);
}

double LinearisedLoop::counter_response(double frequency_hz) const {
  const double x = std::numbers::pi * frequency_hz / clock_hz;
  if (std::abs(std::sin(x)) < 1e-15) return 1.0;
  return std::abs(std::sin(conversion_clocks * x) / (conversion_clocks * std::sin(x)));
}

double LinearisedLoop::conversion_rms_amps() const {
  // Midpoint rule on a grid fine enough to resolve the sinc's lobes (8 points per lobe).
  const int points = 16 * conversion_clocks;
  const double step = 0.5 * clock_hz / points;
  double variance = 0.0;
  for (int i = 0; i < points; ++i) {
    const double f = (i + 0.5) * step;
    const double h = counter_response(f);
    variance += bitstream_psd(f) * h * h * step;
  }
  return std::sqrt(variance);
}

double LinearisedLoop::continuous_signal_response(double frequency_hz) const {
  const double x = 2.0 * std::numbers::pi * frequency_hz / clock_hz;
  return 1.0 / std::sqrt(1.0 + x * x);
}

LinearisedLoop linearise(const LoopParameters& loop, const CurrentNoise& noise,
                         double node_capacitance_f, double input_current_amps) {
  LinearisedLoop model;
  model.reference_current_amps = loop.actual_reference_current_amps();
  model.clock_hz = loop.clock_hz;
  model.conversion_clocks = loop.conversion_clocks;
  const double packet_step_v =
      model.reference_current_amps * loop.clock_period_s() / node_capacitance_f;
  model.comparator_noise_lsb = loop.comparator_noise_v / packet_step_v;
  model.duty = input_current_amps / model.reference_current_amps;
  model.white_per_clock_amps = noise.white_amps * std::sqrt(double(loop.conversion_clocks));
  model.clock_jitter = loop.clock_jitter;
  model.drift_amps_per_root_s = noise.drift_amps_per_root_s;
  return model;
}

Spectrum welch_spectrum(const std::vector<double>& samples, double sample_hz, int segment) {
  if (segment < 8 || (segment & (segment - 1)) != 0)
    throw std::invalid_argument("welch_spectrum: segment must be a power of two >= 8");
  Spectrum spectrum;
  spectrum.segments = static_cast<int>(samples.size() / static_cast<std::size_t>(segment));
  const int bins = segment / 2;
  spectrum.frequency_hz.resize(bins + 1);
  spectrum.psd.assign(bins + 1, 0.0);
  for (int k = 0; k <= bins; ++k) spectrum.frequency_hz[k] = k * sample_hz / segment;
  std::vector<double> window(segment), data(segment);
  double window_power = 0.0;
  for (int i = 0; i < segment; ++i) {
    window[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / segment);
    window_power += window[i] * window[i];
  }
  for (int s = 0; s < spectrum.segments; ++s) {
    const double* begin = samples.data() + static_cast<std::size_t>(s) * segment;
    double mean = 0.0;
    for (int i = 0; i < segment; ++i) mean += begin[i];
    mean /= segment;
    for (int i = 0; i < segment; ++i) data[i] = (begin[i] - mean) * window[i];
    // GSL's half-complex packing: data[k] real part, data[n-k] imaginary part.
    gsl_fft_real_radix2_transform(data.data(), 1, segment);
    for (int k = 0; k <= bins; ++k) {
      const double re = data[k];
      const double im = (k == 0 || k == bins) ? 0.0 : data[segment - k];
      const double one_sided = (k == 0 || k == bins) ? 1.0 : 2.0;
      spectrum.psd[k] += one_sided * (re * re + im * im) / (sample_hz * window_power);
    }
  }
  for (double& value : spectrum.psd) value /= std::max(spectrum.segments, 1);
  return spectrum;
}

}  // namespace attnflow::sensor

namespace attnflow::sensor {

std::vector<double> band_ratios(const Spectrum& spectrum, const LinearisedLoop& model,
                                int first_bin, int bands) {
  const int last_bin = static_cast<int>(spectrum.psd.size()) - 2;  // skip the Nyquist bin
  const int per_band = (last_bin - first_bin + 1) / bands;
  std::vector<double> ratios;
  for (int b = 0; b < bands; ++b) {
    double simulated = 0, predicted = 0;
    for (int k = first_bin + b * per_band; k < first_bin + (b + 1) * per_band; ++k) {
      simulated += spectrum.psd[k];
      predicted += model.bitstream_psd(spectrum.frequency_hz[k]);
    }
    ratios.push_back(simulated / predicted);
  }
  return ratios;
}

}  // namespace attnflow::sensor

#pragma once
// Noise analysis of the loop: the linearised model's predicted spectrum of the bitstream current
// (signal transfer z^-1, noise transfer 1 - z^-1, counter as a sinc filter) and the Welch
// spectrum of a time-domain simulation, so that the two can be compared.
#include <vector>

#include "sensor/loop.hpp"

namespace attnflow::sensor {

struct LinearisedLoop {
  double reference_current_amps = 0;   // actual I_ref (the packet size)
  double clock_hz = 0;
  int conversion_clocks = 0;
  double comparator_noise_lsb = 0;     // comparator rms in units of one packet step I_ref T / C
  double duty = 0;                     // mean bit, input / I_ref
  double white_per_clock_amps = 0;     // rms of the input noise averaged over one clock
  double clock_jitter = 0;
  double drift_amps_per_root_s = 0;

  // One-sided PSD [A^2/Hz] of I_ref b_k at frequency f < f_clk / 2.
  double bitstream_psd(double frequency_hz) const;
  // The parts: quantisation plus comparator noise, shaped by |1 - z^-1|^2 ...
  double shaped_psd(double frequency_hz) const;
  // ... and the input-referred noise that passes with |z^-1| = 1.
  double input_psd(double frequency_hz) const;
  // |sinc_N|: the counter's magnitude response (mean of N bits).
  double counter_response(double frequency_hz) const;
  // rms of one conversion's current estimate, the integral of PSD |counter|^2 (bitstream
  // counted over independent windows; ignores the correlation between consecutive windows).
  double conversion_rms_amps() const;
  // Continuous-time first-order low-pass equivalent of the z^-1 signal path: 1/|1 + j 2 pi f T|.
  double continuous_signal_response(double frequency_hz) const;
};

LinearisedLoop linearise(const LoopParameters& loop, const CurrentNoise& noise,
                         double node_capacitance_f, double input_current_amps);

struct Spectrum {
  std::vector<double> frequency_hz;
  std::vector<double> psd;  // one-sided, units^2 / Hz
  int segments = 0;
};

// Welch estimate: non-overlapping Hann-windowed segments of length segment (a power of two),
// each with its mean removed, averaged. Relative standard error per bin is about 1/sqrt(segments).
Spectrum welch_spectrum(const std::vector<double>& samples, double sample_hz, int segment);

}  // namespace attnflow::sensor

namespace attnflow::sensor {

// Simulated over predicted PSD summed over `bands` equal groups of bins from first_bin to the
// last bin below f_clk / 2; each ratio has relative standard error ~ 1/sqrt(segments x bins
// per band) when the model is right.
std::vector<double> band_ratios(const Spectrum& spectrum, const LinearisedLoop& model,
                                int first_bin, int bands);

}  // namespace attnflow::sensor

// The spectrum estimator and the linearised loop model against the time-domain simulation.
#include <catch2/catch.hpp>

#include <cmath>

#include "random/counter_random.hpp"
#include "sensor/modes.hpp"
#include "sensor/noise.hpp"
#include "sensor/readout.hpp"

using namespace attnflow;
using namespace attnflow::sensor;

TEST_CASE("Welch spectrum of white noise is flat at 2 sigma^2 / f_s", "[sensor][noise]") {
  const random::CounterRandom generator(7, random::Stream::test);
  const int segment = 256, segments = 512;
  std::vector<double> samples(segment * segments);
  generator.normals(0, 0, std::span(samples));
  for (double& x : samples) x *= 3.0;
  const double sample_hz = 1000.0;
  const Spectrum spectrum = welch_spectrum(samples, sample_hz, segment);
  double mean = 0;
  for (int k = 1; k < segment / 2; ++k) mean += spectrum.psd[k];
  mean /= (segment / 2 - 1);
  // 127 bins x 512 segments; Hann bins are correlated over ~1.5 bins: relative standard error
  // sqrt(1.5 / (127 * 512)) = 0.0048; allow 5 sigma.
  CHECK(mean == Approx(2 * 9.0 / sample_hz).epsilon(5 * std::sqrt(1.5 / (127.0 * 512))));
}

TEST_CASE("Welch spectrum integrates to the variance of the bitstream (Parseval)",
          "[sensor][noise]") {
  SensorConfig config;
  const double current = 200e-9;
  const LoopTrace trace =
      run_current_source(config, config.loop, config.noise, current, 256, 0, true);
  std::vector<double> bits(trace.bits.begin(), trace.bits.end());
  const Spectrum spectrum = welch_spectrum(bits, config.loop.clock_hz, 1024);
  double integral = 0;
  const double df = spectrum.frequency_hz[1];
  for (double p : spectrum.psd) integral += p * df;
  // The mean of a bit with P(1) = x has variance x (1 - x); the Hann-weighted estimate matches
  // to its averaging error (256 segments, a few percent); the DC bin is removed per segment.
  const double x = current / config.loop.actual_reference_current_amps();
  CHECK(integral == Approx(x * (1 - x)).epsilon(0.03));
}

TEST_CASE("input noise passes the loop with |STF| = 1: spectrum matches the linearised model",
          "[sensor][noise]") {
  // An input noise of half a packet per clock dominates the shaped quantisation noise 100-fold
  // below ~50 Hz; there b = x + nu + (1 - z^-1) u (exact charge balance) leaves the model's
  // input path, so the mismatch must stay within the averaging error.
  SensorConfig config;
  CurrentNoise noise;
  noise.white_amps = 0.5 * config.loop.reference_current_amps / std::sqrt(1024.0);
  const int segments = 1024, segment = 1024;
  const double current = 300e-9;
  const LoopTrace trace = run_current_source(config, config.loop, noise, current,
                                             segments * segment / 1024, 0, true);
  std::vector<double> samples(trace.bits.begin(), trace.bits.end());
  for (double& value : samples) value *= config.loop.actual_reference_current_amps();
  const Spectrum spectrum = welch_spectrum(samples, config.loop.clock_hz, segment);
  const LinearisedLoop model =
      linearise(config.loop, noise, Cell(config.cell).node_capacitance_f(), current);
  double simulated = 0, predicted = 0;
  int bins = 0;
  for (int k = 3; k < segment / 2; ++k) {
    const double f = spectrum.frequency_hz[k];
    if (model.input_psd(f) < 100 * model.shaped_psd(f)) break;
    simulated += spectrum.psd[k];
    predicted += model.bitstream_psd(f);
    ++bins;
  }
  REQUIRE(bins >= 20);
  // Relative standard error sqrt(1.5 / (bins * segments)) (Hann bins correlated over ~1.5
  // bins); 5 sigma, plus 2% for the shaped part (<= 1% of the prediction; the input noise
  // widens the state's band, so allow it to be off by 2x).
  const double tolerance = 5 * std::sqrt(1.5 / (bins * segments)) + 0.02;
  CHECK(simulated / predicted == Approx(1.0).margin(tolerance));
}

TEST_CASE("counter as a sinc filter: conversion rms matches the model when input noise dominates",
          "[sensor][noise]") {
  SensorConfig config;
  CurrentNoise noise;
  noise.white_amps = 20e-9;  // rms per conversion, far above the quantisation's ~0.3 nA
  const LoopTrace trace = run_current_source(config, config.loop, noise, 300e-9, 2048, 1, false);
  std::vector<double> estimates;
  for (std::size_t k = 1; k < trace.codes.size(); ++k)
    estimates.push_back(trace.estimated_current_amps(k, config.loop));
  const LinearisedLoop model =
      linearise(config.loop, noise, Cell(config.cell).node_capacitance_f(), 300e-9);
  // The white input noise averaged by the counter has rms white_amps by definition of the
  // option; the model integrates PSD |sinc|^2. Sample std of 2047 values: relative error
  // 1/sqrt(2 * 2047) = 1.6%; allow 5 sigma.
  CHECK(model.conversion_rms_amps() == Approx(20e-9).epsilon(0.01));
  CHECK(sample_standard_deviation(estimates) == Approx(model.conversion_rms_amps()).epsilon(0.08));
}

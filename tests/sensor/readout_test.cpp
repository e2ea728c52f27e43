// Calibration arithmetic and the default model's calibration, interference and selectivity.
#include <catch2/catch.hpp>

#include <cmath>

#include "sensor/modes.hpp"
#include "sensor/readout.hpp"

using namespace attnflow::sensor;

TEST_CASE("least squares recovers a line and R^2 equals the squared correlation",
          "[sensor][readout]") {
  std::vector<double> x, line, curve;
  for (int i = 0; i <= 10; ++i) {
    x.push_back(i);
    line.push_back(3.0 - 2.5 * i);
    curve.push_back(i / (25.0 + i));
  }
  const LinearFit exact = fit_line(x, line);
  CHECK(exact.slope == Approx(-2.5).epsilon(1e-14));
  CHECK(exact.intercept == Approx(3.0).epsilon(1e-14));
  CHECK(exact.r_squared == Approx(1.0).epsilon(1e-14));
  // Pearson correlation computed independently.
  double mx = 0, my = 0;
  for (int i = 0; i <= 10; ++i) {
    mx += x[i] / 11;
    my += curve[i] / 11;
  }
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i <= 10; ++i) {
    sxy += (x[i] - mx) * (curve[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (curve[i] - my) * (curve[i] - my);
  }
  CHECK(fit_line(x, curve).r_squared == Approx(sxy * sxy / (sxx * syy)).epsilon(1e-12));
  CHECK(limit_of_detection(0.3, 10.0) == Approx(0.09));
  CHECK(limit_of_quantification(0.3, 10.0) == Approx(0.3));
}

TEST_CASE("calibration of the default model over 0-10 mM", "[sensor][readout]") {
  SensorConfig config;
  config.sample.ascorbic_mm = 0.1;
  config.roughness_sweep = {25, 50, 100, 200, 400};
  const CalibrationResult result = calibrate(config);
  // The curvature of Michaelis-Menten with K_eff ~ 23 mM at 30 s sets R^2 near 0.99. NOTE: the
  // default K and i_max were proposed (docs/sensor.md) so that this lands near the paper's 0.991, so
  // this checks consistency of the calibrated defaults, not a prediction of the paper's value.
  CHECK(result.r_squared >= 0.985);
  CHECK(result.r_squared <= 0.995);
  CHECK(result.slope_amps_per_mm > 0);
  CHECK(result.lod_mm < result.loq_mm);

  // 0.1 mM ascorbic acid shifts the 5 mM reading by less than 5% at roughness 100.
  CHECK(std::abs(result.interference_error) < 0.05);
  CHECK(std::abs(result.model_interference_error) < 0.05);

  // The shift falls as the roughness grows: kinetics scale with real area, ascorbic acid's
  // diffusion-limited current with the geometric disk only (noise-free model, strictly).
  for (std::size_t k = 1; k < result.roughness.size(); ++k)
    CHECK(result.roughness[k].model_interference_error <
          result.roughness[k - 1].model_interference_error);
  // The simulated readings agree with the noise-free model to within their resolution: each
  // reading is off by at most one LSB / M plus noise (4 sigma of 0.2 nA / sqrt(M) and the
  // comparator's 0.2 LSB), and the error divides a difference of two readings by the glucose
  // reading.
  const double lsb = config.loop.least_significant_bit_amps();
  const double m = config.reading_conversions;
  const double reading_error = (1.2 * lsb) / m + 4 * config.noise.white_amps / std::sqrt(m);
  for (const auto& r : result.roughness)
    CHECK(std::abs(r.interference_error - r.model_interference_error) <=
          2 * reading_error / r.glucose_amps);
}

#pragma once
// Readout and calibration: least-squares line, R^2, limits of detection and quantification, and
// the interference error of a reading.
#include <vector>

namespace attnflow::sensor {

struct LinearFit {
  double slope = 0;
  double intercept = 0;
  double r_squared = 0;
  double evaluate(double x) const { return intercept + slope * x; }
};

// Ordinary least squares y = intercept + slope x; R^2 = 1 - SS_res / SS_tot.
LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y);
double sample_standard_deviation(const std::vector<double>& values);
inline double limit_of_detection(double blank_sigma, double slope) {
  return 3.0 * blank_sigma / slope;
}
inline double limit_of_quantification(double blank_sigma, double slope) {
  return 10.0 * blank_sigma / slope;
}
// Relative shift of a blank-subtracted reading caused by an interferent.
inline double interference_error(double reading_with, double reading_without, double blank) {
  return (reading_with - reading_without) / (reading_without - blank);
}

}  // namespace attnflow::sensor

// Facts of the supply-power model and the separation of circuit and cell power.
#include <catch2/catch.hpp>

#include <cmath>

#include "errors/errors.hpp"
#include "sensor/power.hpp"

using namespace attnflow::sensor;

TEST_CASE("calibration solves for the paper's two points", "[sensor][power]") {
  // By construction (two free parameters, two points): a check of the solver, not evidence.
  const PowerModel model(PowerParameters{});
  CHECK(model.circuit_power_w(0.3, 1024) == Approx(1.65e-9).epsilon(1e-12));
  CHECK(model.circuit_power_w(0.5, 1024) == Approx(53.5e-9).epsilon(1e-12));
  CHECK(model.static_slope_v() > 0);
  CHECK(model.static_prefactor_amps() > 0);
}

TEST_CASE("power is monotonic in VDD and in clock frequency", "[sensor][power]") {
  const PowerModel model(PowerParameters{});
  for (double clock : {1.0, 1024.0, 1e5}) {
    double previous = 0;
    for (int i = 0; i <= 70; ++i) {
      const double vdd = minimum_model_vdd_v + (maximum_model_vdd_v - minimum_model_vdd_v) * i / 70;
      const double power = model.circuit_power_w(vdd, clock);
      CHECK(power > previous);
      previous = power;
    }
  }
  for (double vdd : {0.25, 0.3, 0.5, 0.6}) {
    double previous = 0;
    for (double clock = 1; clock < model.maximum_clock_hz(vdd); clock *= 2) {
      const double power = model.circuit_power_w(vdd, clock);
      CHECK(power > previous);
      // Switching is C V^2 f.
      CHECK(model.dynamic_power_w(vdd, clock) ==
            Approx(PowerParameters{}.switched_capacitance_f * vdd * vdd * clock));
      previous = power;
    }
  }
}

TEST_CASE("gates get faster with VDD", "[sensor][power]") {
  const PowerModel model(PowerParameters{});
  double previous = 0;
  for (double vdd = 0.25; vdd <= 0.6; vdd += 0.01) {
    CHECK(model.maximum_clock_hz(vdd) > previous);
    previous = model.maximum_clock_hz(vdd);
  }
  // Below threshold the on-current is exponential: one n V_T of VDD multiplies it by ~e
  // (the V/V in the delay aside), so 0.25 -> 0.30 V gains exp(0.05 / (1.4 * 0.02585)) ~ 4.
  const double ratio = model.maximum_clock_hz(0.30) / model.maximum_clock_hz(0.25);
  CHECK(ratio > 2.5);
  CHECK(ratio < 5.0);
}

TEST_CASE("cell power is separate from circuit power", "[sensor][power]") {
  const PowerModel model(PowerParameters{});
  // The circuit's power has no cell current in it; the cell's is VDD times the mean current
  // the loop returns.
  CHECK(PowerModel::cell_power_w(0.3, 70e-9) == Approx(21e-9));
  CHECK(model.circuit_power_w(0.3, 1024) < PowerModel::cell_power_w(0.3, 70e-9));
}

TEST_CASE("impossible calibration targets are input errors", "[sensor][power]") {
  PowerParameters decreasing;
  decreasing.high_power_w = 1e-9;  // less than at 0.3 V
  CHECK_THROWS_AS(PowerModel(decreasing), attnflow::errors::InputError);
  PowerParameters switching_exceeds;
  switching_exceeds.switched_capacitance_f = 1e-6;
  CHECK_THROWS_AS(PowerModel(switching_exceeds), attnflow::errors::InputError);
}

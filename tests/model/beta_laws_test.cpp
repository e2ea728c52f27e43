// The beta laws of the moderate regime (--beta-law, docs/mathematics.md sections 1.4 and 10):
// beta = c N^alpha, c ln N, c N^{2/(d-1)}; one-line input errors; the side of the mean-field
// window beta << N^{2/(d-1)} the run summary reports.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "errors/errors.hpp"
#include "model/model.hpp"

using namespace attnflow;

namespace {

model::Model parse(std::vector<std::string> arguments, std::int64_t tokens) {
  config::OptionSet options("test", "");
  model::add_model_options(options);
  arguments.insert(arguments.begin(), "test");
  std::vector<const char*> argv;
  for (const auto& a : arguments) argv.push_back(a.c_str());
  std::ostringstream help;
  options.parse(static_cast<int>(argv.size()), argv.data(), help);
  return model::model_from_options(options, tokens);
}

std::string rejection(const std::vector<std::string>& arguments) {
  try {
    parse(arguments, 1000);
  } catch (const errors::InputError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("beta = c N^alpha, c ln N and c N^{2/(d-1)}", "[model]") {
  CHECK(parse({"--beta-scale", "2", "--beta-exponent", "0.5"}, 10000).beta == Approx(200).epsilon(1e-15));
  CHECK(parse({"--beta-scale", "3", "--beta-law", "log"}, 1000).beta ==
        Approx(3 * std::log(1000.0)).epsilon(1e-15));
  // d = 3: N^{2/2} = N; d = 2: N^2; d = 5: N^{1/2}.
  CHECK(parse({"--beta-scale", "0.01", "--beta-law", "critical"}, 5000).beta == Approx(50).epsilon(1e-15));
  CHECK(parse({"--beta-scale", "1e-6", "--beta-law", "critical", "--dimension", "2"}, 3000).beta ==
        Approx(9).epsilon(1e-14));
  CHECK(parse({"--beta-scale", "1", "--beta-law", "critical", "--dimension", "5"}, 400).beta ==
        Approx(20).epsilon(1e-14));
  CHECK(parse({"--beta", "7"}, 10).beta == 7);
}

TEST_CASE("Bad beta laws: one line naming the option and what is accepted", "[model]") {
  CHECK_THAT(rejection({"--beta-scale", "1", "--beta-law", "cubic"}),
             Catch::Contains("--beta-law") && Catch::Contains("accepted: power, log, critical"));
  CHECK_THAT(rejection({"--beta-law", "log"}), Catch::Contains("needs --beta-scale"));
  CHECK_THAT(rejection({"--beta-scale", "1", "--beta-law", "critical", "--beta-exponent", "1"}),
             Catch::Contains("--beta-exponent"));
  CHECK_THAT(rejection({"--beta-scale", "2x"}), Catch::Contains("--beta-scale"));
  // c N^{2/(d-1)} beyond 1e4 is refused by the beta range check.
  CHECK_THAT(rejection({"--beta-scale", "100", "--beta-law", "critical"}), Catch::Contains("--beta"));
}

TEST_CASE("The side of the mean-field window", "[model]") {
  // d = 3, N = 1e4: N^{2/(d-1)} = 1e4. beta = 10 is deep inside (ratio 1e-3: a cap of radius
  // beta^{-1/2} holds N beta^{-1} = 1e3 tokens), beta = 1e4 is the critical scaling itself, and
  // with N = 100 it is 100 times beyond.
  CHECK_THAT(model::mean_field_regime(10, 10000, 3), Catch::Contains("inside the mean-field window"));
  CHECK_THAT(model::mean_field_regime(1e4, 10000, 3), Catch::Contains("at the critical scaling"));
  CHECK_THAT(model::mean_field_regime(1e4, 100, 3), Catch::Contains("beyond the mean-field window"));
  CHECK_THAT(model::mean_field_regime(10, 10000, 3), Catch::Contains("1e+03 tokens per kernel width"));
  CHECK(model::critical_beta(100, 2) == 1e4);
}

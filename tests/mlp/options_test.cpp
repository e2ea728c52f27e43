// The transformer-layer options (--mlp, --mlp-width, --mlp-bias-u, --mlp-bias-w,
// --attention-sign): what they build, and one-line input errors naming the option and what is
// accepted.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "errors/errors.hpp"
#include "model/model.hpp"

using namespace attnflow;

namespace {

model::Model parse(std::vector<std::string> arguments, bool register_transformer = true) {
  config::OptionSet options("test", "");
  model::add_model_options(options);
  if (register_transformer) model::add_transformer_options(options);
  arguments.insert(arguments.begin(), "test");
  std::vector<const char*> argv;
  for (const auto& a : arguments) argv.push_back(a.c_str());
  std::ostringstream help;
  options.parse(static_cast<int>(argv.size()), argv.data(), help);
  return model::model_from_options(options, 100);
}

// The InputError's message, which must name the option.
std::string rejection(const std::vector<std::string>& arguments) {
  try {
    parse(arguments);
  } catch (const errors::InputError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("--mlp and friends build the MLP block and the attention sign", "[mlp]") {
  const auto none = parse({});
  CHECK(!none.has_mlp());
  CHECK(none.attention_sign == 1);
  CHECK(!parse({}, false).has_mlp());  // apps that do not register the options: no MLP
  const auto m = parse({"--dimension", "5", "--mlp", "sigmoid", "--mlp-width", "32",
                        "--mlp-bias-u", "0.1", "--mlp-bias-w", "0.2", "--attention-sign", "-1"});
  REQUIRE(m.has_mlp());
  CHECK(m.mlp->activation == mlp::Activation::sigmoid);
  CHECK(m.mlp->width == 32);
  CHECK(m.mlp->input_bias == 0.1);
  CHECK(m.mlp->output_bias == 0.2);
  CHECK(m.attention_sign == -1);
  CHECK(!m.stochastic());  // the MLP field is not Brownian noise
  for (const char* name : {"relu", "gelu", "silu", "tanh"})
    CHECK(mlp::activation_name(parse({"--mlp", name}).mlp->activation) == name);
  CHECK(parse({"--attention-sign", "0"}).attention_sign == 0);
}

TEST_CASE("Bad transformer options are one-line input errors naming the option", "[mlp]") {
  const auto starts = [](const std::string& message, const std::string& prefix) {
    INFO(message);
    CHECK(message.rfind(prefix, 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
  };
  starts(rejection({"--mlp", "softplus"}), "--mlp: unknown activation 'softplus'; accepted: none, relu");
  starts(rejection({"--mlp", "relu", "--mlp-width", "0"}), "--mlp-width: must be an integer in [1,");
  starts(rejection({"--mlp", "relu", "--mlp-bias-u", "-0.1"}), "--mlp-bias-u: must be finite and >= 0");
  starts(rejection({"--mlp", "relu", "--mlp-bias-w", "nan"}), "--mlp-bias-w: must be finite and >= 0");
  starts(rejection({"--attention-sign", "2"}), "--attention-sign: must be 1 (attractive), 0 (off) or -1");
  starts(rejection({"--mlp-width", "64"}), "--mlp-width: applies to an MLP block");
  starts(rejection({"--mlp-bias-w", "0.1"}), "--mlp-bias-w: applies to an MLP block");
}

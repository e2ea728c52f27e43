#include "interaction/engine.hpp"

#include "errors/errors.hpp"
#include "config/options.hpp"
#include "interaction/direct_engine.hpp"
#include "interaction/large_beta_engine.hpp"
#include "interaction/ring_engine.hpp"
#include "interaction/spectral_engine.hpp"

namespace attnflow::interaction {

Kernel Kernel::from_model(const model::Model& model) {
  Kernel k;
  k.dimension = model.dimension;
  k.beta = model.beta;
  k.normalised = model.attention == model::Attention::softmax;
  k.causal = model.causal;
  k.query_key = model::transpose_times(model.key, model.query);
  k.value = model.value;
  k.constant_shift =
      k.normalised ? (model.identity_query_key() ? model.beta : 0.0) : model.log_time_scale();
  return k;
}

std::vector<std::string> engine_names(Targets targets) {
  if (targets == Targets::any_points) return {"direct", "spectral", "large-beta"};
  return {"direct", "ring", "spectral", "large-beta"};
}

std::unique_ptr<Engine> make_engine(const std::string& name, const Kernel& kernel, MPI_Comm comm) {
  return make_engine(name, kernel, comm, EngineOptions{});
}

std::unique_ptr<Engine> make_engine(const std::string& name, const Kernel& kernel, MPI_Comm comm,
                                    const EngineOptions& options) {
  errors::require(
      options.precision == "double" || options.precision == "float",
      "--engine-precision: '" + options.precision + "' is unknown; accepted: double, float");
  const bool single = options.precision == "float";
  errors::require(!single || name == "direct" || name == "ring",
                  "--engine-precision: float is available for the direct and ring engines only");
  errors::require(!single || kernel.dimension == 2 || kernel.dimension == 3,
                  "--engine-precision: float needs dimension 2 or 3 (got " +
                      std::to_string(kernel.dimension) + "); accepted otherwise: double");
  const Precision precision = single ? Precision::single_precision : Precision::double_precision;
  if (name == "direct") return std::make_unique<DirectEngine>(kernel, comm, precision);
  if (name == "ring") return std::make_unique<RingEngine>(kernel, comm, precision);
  if (name == "spectral") return std::make_unique<SpectralEngine>(kernel, comm, options.tolerance);
  if (name == "large-beta")
    return std::make_unique<LargeBetaEngine>(kernel, comm, options.tolerance);
  std::string accepted;
  for (const auto& n : engine_names()) accepted += (accepted.empty() ? "" : ", ") + n;
  throw errors::InputError("--engine: unknown interaction engine '" + name +
                           "'; accepted: " + accepted);
}

void add_engine_options(config::OptionSet& options, Targets targets) {
  std::string names;
  for (const auto& n : engine_names(targets)) names += (names.empty() ? "" : " | ") + n;
  options.add<std::string>("engine", "direct", "", "interaction engine: " + names);
  options.add<std::string>("engine-precision", "double", "",
                           std::string(targets == Targets::sources ? "direct, ring" : "direct") +
                               ": kernel arithmetic, double | float (float: d = 2, 3)");
  options.add<double>("engine-tolerance", 1e-10, "",
                      "spectral, large-beta: error bound of every kernel sum relative to the "
                      "largest possible sum (total weight x largest kernel value)");
}

EngineOptions engine_options(const config::OptionSet& options) {
  EngineOptions result;
  result.tolerance = options.get<double>("engine-tolerance");
  result.precision = options.get<std::string>("engine-precision");
  return result;
}

void attention_output(const Kernel& kernel, const KernelSums& sums, std::span<double> output) {
  const int d = kernel.dimension;
  const std::size_t count = sums.normaliser.size();
  for (std::size_t i = 0; i < count; ++i) {
    const double scale = kernel.normalised ? 1.0 / sums.normaliser[i] : 1.0;
    for (int k = 0; k < d; ++k) output[i * d + k] = sums.numerator[i * d + k] * scale;
  }
}

}  // namespace attnflow::interaction

#include "interaction/engine.hpp"

#include "config/error.hpp"
#include "interaction/direct_engine.hpp"

namespace attnflow::interaction {

Kernel Kernel::from_model(const model::Model& model) {
  Kernel k;
  k.dimension = model.dimension;
  k.beta = model.beta;
  k.normalised = model.attention == model::Attention::softmax;
  k.causal = model.causal;
  k.query_key = model::transpose_times(model.key, model.query);
  k.value = model.value;
  k.constant_shift = k.normalised ? (model.identity_query_key() ? model.beta : 0.0)
                                  : model.log_time_scale();
  return k;
}

std::vector<std::string> engine_names() { return {"direct"}; }

std::unique_ptr<Engine> make_engine(const std::string& name, const Kernel& kernel,
                                    MPI_Comm comm) {
  if (name == "direct") return std::make_unique<DirectEngine>(kernel, comm);
  std::string accepted;
  for (const auto& n : engine_names()) accepted += (accepted.empty() ? "" : ", ") + n;
  throw config::InputError("--engine: unknown interaction engine '" + name +
                           "'; accepted: " + accepted);
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

// attnflow-theory: growth rates of the uniform state's spherical-harmonic modes (docs/mathematics.md section 4), the
// winning degree l* and the clustering time t* = ln N / (2 gamma_max), for one or more betas.
#include <iostream>

#include "config/options.hpp"
#include "model/model.hpp"
#include "theory/table.hpp"

using namespace attnflow;

int main(int argc, char** argv) {
  try {
    config::OptionSet options("attnflow-theory",
                              "Linear stability of the uniform token distribution (docs/mathematics.md section 4)");
    // The stability theory covers Q = K = V = I without mask or noise (docs/mathematics.md section 4).
    model::ModelOptionGroups groups;
    groups.matrices = groups.causal_mask = groups.noise = false;
    model::add_model_options(options, groups);
    options.add_optional("beta-list", "numbers",
                         "several betas: '1 10 100' or a range 'first:last:count' (overrides --beta)");
    options.add<int>("max-degree", 0, "", "largest degree l in the table (0: up to 2 l* + 2)");
    options.add<long long>("tokens", 1000, "",
                           "N for the clustering time t* = ln N / (2 gamma_max)");
    if (!options.parse(argc, argv, std::cout)) return 0;
    const auto tokens = options.get<long long>("tokens");
    errors::require(tokens >= 1, "--tokens: must be >= 1");
    auto model = model::model_from_options(options, tokens);
    theory::require_stability_model(model);
    auto betas = theory::parse_beta_list(options.get<std::string>("beta-list"), "beta-list");
    if (betas.empty()) betas.push_back(model.beta);
    for (double beta : betas) {
      model.beta = beta;
      theory::print_stability_table(std::cout, model, options.get<int>("max-degree"), tokens);
      std::cout << "\n";
    }
  } catch (const errors::InputError& error) {
    std::cerr << "attnflow-theory: error: " << error.what() << "\n";
    return 2;
  }
  return 0;
}

#include "theory/table.hpp"

#include <cmath>
#include <iomanip>
#include <ostream>

#include "errors/errors.hpp"
#include "config/number_list.hpp"
#include "theory/stability.hpp"

namespace attnflow::theory {

void require_stability_model(const model::Model& model) {
  using errors::require;
  require(model.query.is_identity() && model.key.is_identity() && model.value.is_identity(),
          "--query/--key/--value: the stability theory (docs/mathematics.md section 4) covers Q = K = V = I only; "
          "leave them unset");
  require(!model.causal, "--causal: the stability theory (docs/mathematics.md section 4) has no causal mask");
  require(!model.stochastic(),
          "--common-noise/--independent-noise: the stability theory (docs/mathematics.md section 4) is noise-free; "
          "accepted: 0");
}

void print_stability_table(std::ostream& out, const model::Model& model, int max_degree,
                           long long tokens) {
  require_stability_model(model);
  errors::require(max_degree >= 0, "--max-degree: must be >= 0 (0 = automatic)");
  const int d = model.dimension;
  const double beta = model.beta;
  const bool usa = model.attention == model::Attention::unnormalised;
  const int winner = winning_degree(model.attention, d, beta);
  const int last = max_degree > 0 ? max_degree : 2 * winner + 2;
  out << std::setprecision(8);
  out << "# model " << model.attention_name() << ", d = " << d << ", beta = " << beta
      << ": l* = " << winner << ", l*(l*+d-2)/(2 beta) = "
      << (beta > 0 ? winner * (winner + d - 2.0) / (2 * beta) : INFINITY) << "\n";
  if (usa)
    out << "# USA rates in physical time t and in the solver's rescaled time t' = e^beta t\n";
  out << "# t* = ln N / (2 gamma_max) for N = " << tokens << ": "
      << clustering_time(model.attention, d, beta, tokens);
  if (usa) out << " (t' = " << clustering_time_rescaled(model.attention, d, beta, tokens) << ")";
  out << "\n";
  out << std::setw(8) << "degree" << std::setw(18) << "gamma";
  if (usa) out << std::setw(18) << "ln_gamma" << std::setw(18) << "gamma_rescaled";
  out << "  winner\n";
  for (int l = 1; l <= last; ++l) {
    out << std::setw(8) << l << std::setw(18) << growth_rate(model.attention, d, l, beta);
    if (usa)
      out << std::setw(18) << log_growth_rate(model.attention, d, l, beta) << std::setw(18)
          << growth_rate_rescaled(model.attention, d, l, beta);
    out << (l == winner ? "  *" : "") << "\n";
  }
}

std::vector<double> parse_beta_list(const std::string& text, const std::string& option_name) {
  auto values = config::parse_number_list(text, option_name);
  for (double value : values)
    errors::require(value >= 0 && value <= 1e4,
                    "--" + option_name + ": every beta must lie in [0, 1e4] (got " +
                        std::to_string(value) + ")");
  return values;
}

}  // namespace attnflow::theory

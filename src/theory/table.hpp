#pragma once
// The growth-rate table that attnflow-theory prints: one row per degree l with gamma_l (and for
// USA ln gamma_l and the rate in the solver's rescaled time), the winning degree marked, and the
// clustering time for N tokens.
#include <iosfwd>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace attnflow::theory {

// Throws errors::InputError unless the model is the one docs/mathematics.md section 4 analyses:
// Q = K = V = I, no causal mask, no noise.
void require_stability_model(const model::Model& model);

// Prints the table for model.beta, degrees 1..max_degree (max_degree 0: up to 2 l* + 2).
void print_stability_table(std::ostream& out, const model::Model& model, int max_degree,
                           long long tokens);

// Parses a number list (config/number_list.hpp) of inverse temperatures, each in [0, 1e4].
std::vector<double> parse_beta_list(const std::string& text, const std::string& option_name);

}  // namespace attnflow::theory

#pragma once
// The law of the keys of the long-context study, always seen from the query q = e_1: uniform on
// S^{d-1}, a von Mises-Fisher mixture (components around or away from q), or uniform on the great
// sub-sphere S^{d-1} ∩ span(e_1..e_k) through q. Each law knows what the limit theory
// (docs/mathematics.md section 11) needs: the power and constant of its gap law near q, its n = inf
// output at fixed beta and the gradient of its log-density at q.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "density/densities.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::longcontext {

enum class KeyLawKind { uniform, von_mises_fisher, subsphere };

struct KeyLaw {
  KeyLawKind kind = KeyLawKind::uniform;
  int dimension = 3;            // d: keys on S^{d-1} in R^d
  int subsphere_dimension = 0;  // k for kind == subsphere, 2 <= k <= d
  density::VonMisesFisherMixture mixture;  // for kind == von_mises_fisher
};

// The uniform law on S^{d-1}.
KeyLaw uniform_law(int dimension);
// Throws errors::InputError naming the option for an invalid law.
void validate(const KeyLaw& law);
std::string name_of(KeyLawKind kind);

// k: the dimension of the linear span of the support (d except for the sub-sphere).
int support_dimension(const KeyLaw& law);
// p = (k - 1) / 2 and the constant kappa of P(1 - <q, k> <= u) ~ kappa u^p as u -> 0: kappa_k
// times p(q) |S^{d-1}| for the mixture (the density at q relative to the uniform one).
double gap_power(const KeyLaw& law);
double gap_intensity(const KeyLaw& law);
// 2 / (k - 1): beta_n = c n^{2/(k-1)} is the critical scale.
double critical_exponent(const KeyLaw& law);
// True when the gap law is rotation invariant about q and known in closed form (uniform and
// sub-sphere): the nearest keys can then be sampled directly.
bool has_closed_form_gaps(const KeyLaw& law);

// Key `key_index` of query `query`: a pure function of (seed, key index, query index) whatever
// the rank count; the first n keys of a query are the same for every n. For the mixture the key
// index must be below 2^40 and the query below 2^24 (they share one 64-bit counter).
void draw_key(const KeyLaw& law, std::uint64_t seed, std::int64_t key_index, std::int64_t query,
              std::span<double> key);

// n = inf output at inverse temperature beta: E[k e^{beta <q,k>}] / E[e^{beta <q,k>}] (d values),
// in closed form (von Mises-Fisher integrals).
std::vector<double> limit_output(const KeyLaw& law, double beta);
// The gradient of ln p on the sphere at q (d values, the first zero): beta P_q O tends to it as
// beta grows (backward heat). Zero for the uniform and sub-sphere laws.
std::vector<double> log_density_gradient(const KeyLaw& law);

// Options key-law (uniform | vmf | subsphere), subsphere-dimension and the mixture keys of
// density/densities.hpp (vmf-means, vmf-concentrations, vmf-weights).
void add_key_law_options(config::OptionSet& options);
KeyLaw key_law_from_options(const config::OptionSet& options, int dimension);

}  // namespace attnflow::longcontext

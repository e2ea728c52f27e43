#include "longcontext/key_law.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "errors/errors.hpp"
#include "config/options.hpp"
#include "longcontext/limit_laws.hpp"
#include "particles/initial_state.hpp"
#include "random/counter_random.hpp"
#include "theory/bessel.hpp"

namespace attnflow::longcontext {

using errors::require;

namespace {

// ln |S^{d-1}| = ln(2 pi^{d/2} / Gamma(d/2)).
double log_sphere_area(int d) {
  return std::log(2.0) + 0.5 * d * std::log(std::numbers::pi) - std::lgamma(0.5 * d);
}

// ln C_d(kappa), C_d(kappa) = kappa^{d/2-1} / ((2 pi)^{d/2} I_{d/2-1}(kappa)) the von Mises-Fisher
// normaliser (C_d(0) = 1 / |S^{d-1}|), in logarithms so that kappa up to 1e8 stays finite.
double log_normaliser(int d, double kappa) {
  if (kappa == 0) return -log_sphere_area(d);
  const double order = 0.5 * d - 1;
  return order * std::log(kappa) - 0.5 * d * std::log(2 * std::numbers::pi) -
         theory::log_bessel_i(order, kappa);
}

// Bits of the 64-bit counter index given to the key index of a mixture key (the query index takes
// the rest): Wood's sampler has one index argument, and its steps count rejection attempts.
constexpr int mixture_key_bits = 40;

}  // namespace

KeyLaw uniform_law(int dimension) {
  KeyLaw law;
  law.dimension = dimension;
  return law;
}

std::string name_of(KeyLawKind kind) {
  switch (kind) {
    case KeyLawKind::uniform: return "uniform";
    case KeyLawKind::von_mises_fisher: return "vmf";
    case KeyLawKind::subsphere: return "subsphere";
  }
  return "unknown";
}

void validate(const KeyLaw& law) {
  require(law.dimension >= 2,
          "--dimension: must be an integer >= 2 (got " + std::to_string(law.dimension) + ")");
  if (law.kind == KeyLawKind::subsphere)
    require(law.subsphere_dimension >= 2 && law.subsphere_dimension <= law.dimension,
            "--subsphere-dimension: the great sub-sphere through q spans k dimensions with "
            "2 <= k <= d = " + std::to_string(law.dimension) + " (got " +
                std::to_string(law.subsphere_dimension) + ")");
  if (law.kind == KeyLawKind::von_mises_fisher) {
    const auto& m = law.mixture;
    require(!m.means.empty() && m.means.size() == m.concentrations.size() &&
                m.means.size() == m.weights.size(),
            "--vmf-means/--vmf-concentrations/--vmf-weights: one value per component");
    for (const auto& mean : m.means)
      require(static_cast<int>(mean.size()) == law.dimension,
              "--vmf-means: each mean direction needs d = " + std::to_string(law.dimension) +
                  " numbers");
  }
}

int support_dimension(const KeyLaw& law) {
  return law.kind == KeyLawKind::subsphere ? law.subsphere_dimension : law.dimension;
}

double gap_power(const KeyLaw& law) { return longcontext::gap_power(support_dimension(law)); }

double gap_intensity(const KeyLaw& law) {
  const double uniform = gap_constant(support_dimension(law));
  if (law.kind != KeyLawKind::von_mises_fisher) return uniform;
  std::vector<double> query(law.dimension, 0.0);
  query[0] = 1.0;
  return uniform * density::mixture_density(law.mixture, query) *
         std::exp(log_sphere_area(law.dimension));
}

double critical_exponent(const KeyLaw& law) { return 1.0 / gap_power(law); }

bool has_closed_form_gaps(const KeyLaw& law) { return law.kind != KeyLawKind::von_mises_fisher; }

void draw_key(const KeyLaw& law, std::uint64_t seed, std::int64_t key_index, std::int64_t query,
              std::span<double> key) {
  const auto index = static_cast<std::uint64_t>(key_index);
  const auto step = static_cast<std::uint64_t>(query);
  if (law.kind == KeyLawKind::von_mises_fisher) {
    const auto& m = law.mixture;
    const double u =
        random::CounterRandom(seed, random::Stream::long_context_component).uniforms(index, step)[0];
    std::size_t component = 0;
    double cumulative = m.weights[0];
    while (u > cumulative && component + 1 < m.weights.size()) cumulative += m.weights[++component];
    const random::CounterRandom generator(seed, random::Stream::long_context_mixture);
    particles::von_mises_fisher_point(generator, (step << mixture_key_bits) | index,
                                      m.means[component], m.concentrations[component], key);
    return;
  }
  // A standard normal vector has a uniform direction; on the sub-sphere only its first k
  // coordinates are drawn. It is never zero: Box-Muller gives (r cos a, r sin a) with r > 0.
  const std::size_t drawn = static_cast<std::size_t>(support_dimension(law));
  random::CounterRandom(seed, random::Stream::long_context_keys)
      .normals(index, step, key.subspan(0, drawn));
  std::fill(key.begin() + drawn, key.end(), 0.0);
  double square = 0;
  for (double v : key) square += v * v;
  const double inverse = 1.0 / std::sqrt(square);
  for (double& v : key) v *= inverse;
}

std::vector<double> limit_output(const KeyLaw& law, double beta) {
  const int d = law.dimension;
  std::vector<double> output(d, 0.0);
  if (law.kind != KeyLawKind::von_mises_fisher) {
    output[0] = subcritical_alignment(support_dimension(law), beta);
    return output;
  }
  // Component c contributes w_c C(kappa_c) int e^{<m_c, x>} x dx = w_c (C(kappa_c) / C(|m_c|))
  // A_d(|m_c|) m_c / |m_c| to the numerator and w_c C(kappa_c) / C(|m_c|) to the denominator,
  // m_c = beta q + kappa_c mu_c. Log weights, shifted by their largest value.
  const auto& m = law.mixture;
  const std::size_t components = m.means.size();
  std::vector<double> log_weights(components), lengths(components);
  std::vector<std::vector<double>> directions(components, std::vector<double>(d));
  for (std::size_t c = 0; c < components; ++c) {
    double square = 0;
    for (int i = 0; i < d; ++i) {
      directions[c][i] = m.concentrations[c] * m.means[c][i] + (i == 0 ? beta : 0.0);
      square += directions[c][i] * directions[c][i];
    }
    lengths[c] = std::sqrt(square);
    log_weights[c] = m.weights[c] > 0 ? std::log(m.weights[c]) + log_normaliser(d, m.concentrations[c]) -
                                            log_normaliser(d, lengths[c])
                                      : -INFINITY;
  }
  const double shift = *std::max_element(log_weights.begin(), log_weights.end());
  double total = 0;
  for (std::size_t c = 0; c < components; ++c) {
    const double weight = std::exp(log_weights[c] - shift);
    total += weight;
    if (lengths[c] == 0) continue;  // uniform component at beta = 0: its mean output is 0
    const double scale = weight * subcritical_alignment(d, lengths[c]) / lengths[c];
    for (int i = 0; i < d; ++i) output[i] += scale * directions[c][i];
  }
  for (double& v : output) v /= total;
  return output;
}

std::vector<double> log_density_gradient(const KeyLaw& law) {
  const int d = law.dimension;
  std::vector<double> gradient(d, 0.0);
  if (law.kind != KeyLawKind::von_mises_fisher) return gradient;
  // grad p(x) = sum_c w_c C(kappa_c) kappa_c e^{kappa_c <mu_c, x>} mu_c; its tangent part at q
  // (drop the e_1 component) over p(q).
  const auto& m = law.mixture;
  std::vector<double> log_weights(m.means.size());
  for (std::size_t c = 0; c < m.means.size(); ++c)
    log_weights[c] = m.weights[c] > 0 ? std::log(m.weights[c]) +
                                            log_normaliser(d, m.concentrations[c]) +
                                            m.concentrations[c] * m.means[c][0]
                                      : -INFINITY;
  const double shift = *std::max_element(log_weights.begin(), log_weights.end());
  double total = 0;
  for (std::size_t c = 0; c < m.means.size(); ++c) {
    const double weight = std::exp(log_weights[c] - shift);
    total += weight;
    for (int i = 1; i < d; ++i) gradient[i] += weight * m.concentrations[c] * m.means[c][i];
  }
  for (double& v : gradient) v /= total;
  return gradient;
}

void add_key_law_options(config::OptionSet& options) {
  options.add<std::string>("key-law", "uniform", "",
                           "law of the keys seen from q = e_1: uniform | vmf | subsphere");
  options.add<int>("subsphere-dimension", 2, "",
                   "subsphere: keys uniform on S^{d-1} within span(e_1..e_k), 2 <= k <= d");
  density::add_mixture_options(options);
}

KeyLaw key_law_from_options(const config::OptionSet& options, int dimension) {
  KeyLaw law = uniform_law(dimension);
  const auto kind = options.get<std::string>("key-law");
  if (kind == "vmf") {
    law.kind = KeyLawKind::von_mises_fisher;
    require(dimension >= 2, "--dimension: must be an integer >= 2 (got " +
                                std::to_string(dimension) + ")");
    law.mixture = density::mixture_from_options(options, dimension);
  } else if (kind == "subsphere") {
    law.kind = KeyLawKind::subsphere;
    law.subsphere_dimension = options.get<int>("subsphere-dimension");
  } else {
    require(kind == "uniform",
            "--key-law: unknown key law '" + kind + "'; accepted: uniform, vmf, subsphere");
  }
  validate(law);
  return law;
}

}  // namespace attnflow::longcontext

#include "model/model.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "config/number_list.hpp"
#include "config/memory.hpp"
#include "config/options.hpp"
#include "text/number_format.hpp"

namespace attnflow::model {

Matrix Matrix::identity(int dimension) {
  Matrix m{dimension, std::vector<double>(dimension * dimension, 0.0)};
  for (int i = 0; i < dimension; ++i) m.entries[i * dimension + i] = 1.0;
  return m;
}

bool Matrix::is_identity() const {
  for (int i = 0; i < dimension; ++i)
    for (int j = 0; j < dimension; ++j)
      if ((*this)(i, j) != (i == j ? 1.0 : 0.0)) return false;
  return true;
}

Matrix transpose_times(const Matrix& a, const Matrix& b) {
  const int d = a.dimension;
  Matrix c{d, std::vector<double>(d * d, 0.0)};
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      double s = 0;
      for (int k = 0; k < d; ++k) s += a(k, i) * b(k, j);
      c.entries[i * d + j] = s;
    }
  return c;
}

double Matrix::operator_norm() const {
  if (is_identity()) return 1.0;
  // Power iteration on A^T A; converges to the largest singular value squared.
  const Matrix ata = transpose_times(*this, *this);
  const int d = dimension;
  std::vector<double> v(d, 1.0), w(d);
  double lambda = 0;
  for (int iteration = 0; iteration < 500; ++iteration) {
    for (int i = 0; i < d; ++i) {
      w[i] = 0;
      for (int j = 0; j < d; ++j) w[i] += ata(i, j) * v[j];
    }
    double n = 0;
    for (double x : w) n += x * x;
    n = std::sqrt(n);
    if (n == 0) return 0.0;
    for (int i = 0; i < d; ++i) v[i] = w[i] / n;
    lambda = n;
  }
  // The power iteration underestimates by a relative 1e-12 at worst; pad so the bound holds.
  return std::sqrt(lambda) * (1 + 1e-10);
}

double Model::log_time_scale() const {
  if (attention == Attention::softmax) return 0.0;
  return beta * query.operator_norm() * key.operator_norm();
}

void add_model_options(config::OptionSet& options, const ModelOptionGroups& groups) {
  options.add<int>("dimension", 3, "",
                   "ambient dimension d: tokens live on S^{d-1}; " +
                       (groups.dimensions.empty()
                            ? "2 <= d <= " + std::to_string(largest_dimension)
                            : groups.dimensions));
  options.add<std::string>("model", "sa", "",
                           "attention model: sa (softmax) | usa (unnormalised)");
  options.add<double>("beta", 4.0, "",
                      groups.beta_scaling ? "inverse temperature (ignored when beta-scale is given)"
                                          : "inverse temperature");
  if (groups.beta_scaling) {
    options.add_optional("beta-scale", "",
                         "moderate interaction regime: beta = beta-scale * g(N), g from --beta-law");
    options.add<double>("beta-exponent", 0.0, "", "exponent alpha of beta = c N^alpha");
    options.add<std::string>("beta-law", "power", "",
                             "with --beta-scale c: power (c N^alpha) | log (c ln N) | critical "
                             "(c N^{2/(d-1)}, the edge of the mean-field window)");
  }
  if (groups.matrices) {
    options.add_optional("query", "d*d numbers, row-major", "query matrix Q (default identity)");
    options.add_optional("key", "d*d numbers, row-major", "key matrix K (default identity)");
    options.add_optional("value", "d*d numbers, row-major", "value matrix V (default identity)");
  }
  if (groups.causal_mask)
    options.add_flag("causal", "causal mask: token i attends to tokens j <= i only");
  if (groups.noise) {
    options.add<double>("common-noise", 0.0, "1/sqrt(time)",
                        "sigma_c: strength of one Brownian motion shared by all tokens");
    options.add<double>("independent-noise", 0.0, "1/sqrt(time)",
                        "sigma_i: strength of each token's own Brownian motion");
  }
}

void add_transformer_options(config::OptionSet& options) {
  options.add<std::string>("mlp", "none", "",
                           "MLP block after every attention block (docs/mathematics.md section 9): none | relu | gelu | "
                           "silu | tanh | sigmoid");
  const MlpBlock defaults;
  options.add<int>("mlp-width", defaults.width, "", "hidden width m of the MLP block");
  options.add<double>("mlp-bias-u", defaults.input_bias, "",
                      "sigma_U: standard deviation of the hidden bias b_U");
  options.add<double>("mlp-bias-w", defaults.output_bias, "",
                      "sigma_W: standard deviation of the output bias b_W");
  options.add<int>("attention-sign", 1, "",
                   "attention velocity times 1 (attractive), 0 (off) or -1 (repulsive)");
}

namespace {

// Reads the options of add_transformer_options into `m` (which keeps its defaults when they are
// not registered).
void read_transformer_options(const config::OptionSet& options, Model& m) {
  using errors::require;
  const auto names = options.names();
  if (std::find(names.begin(), names.end(), "mlp") == names.end()) return;
  m.attention_sign = options.get<int>("attention-sign");
  require(m.attention_sign == 1 || m.attention_sign == 0 || m.attention_sign == -1,
          "--attention-sign: must be 1 (attractive), 0 (off) or -1 (repulsive); got " +
              std::to_string(m.attention_sign));
  const auto name = options.get<std::string>("mlp");
  if (name == "none") {
    // By value, not by whether the option was given: the resolved input echoed into a run's
    // output (every key at its value) must rerun the same run.
    const MlpBlock defaults;
    const bool width_default = options.get<int>("mlp-width") == defaults.width;
    const bool input_default = options.get<double>("mlp-bias-u") == defaults.input_bias;
    const bool output_default = options.get<double>("mlp-bias-w") == defaults.output_bias;
    for (const auto& [key, at_default] : {std::pair{"mlp-width", width_default},
                                          std::pair{"mlp-bias-u", input_default},
                                          std::pair{"mlp-bias-w", output_default}})
      require(at_default, std::string("--") + key +
                              ": applies to an MLP block; give --mlp relu, gelu, silu, tanh or "
                              "sigmoid (now none), or leave it at its default");
    return;
  }
  MlpBlock block;
  block.activation = mlp::parse_activation(name, "mlp");
  block.width = options.get<int>("mlp-width");
  require(block.width >= 1 && block.width <= 1000000,
          "--mlp-width: must be an integer in [1, 1000000] (got " + std::to_string(block.width) +
              ")");
  block.input_bias = options.get<double>("mlp-bias-u");
  block.output_bias = options.get<double>("mlp-bias-w");
  require(std::isfinite(block.input_bias) && block.input_bias >= 0,
          "--mlp-bias-u: must be finite and >= 0 (got " + text::format_number(block.input_bias) +
              ")");
  require(std::isfinite(block.output_bias) && block.output_bias >= 0,
          "--mlp-bias-w: must be finite and >= 0 (got " + text::format_number(block.output_bias) +
              ")");
  m.mlp = block;
}

}  // namespace

Matrix parse_matrix(const std::string& text, int dimension, const std::string& option_name) {
  const auto values = config::parse_numbers(text, option_name);
  errors::require(values.size() == static_cast<std::size_t>(dimension * dimension),
                  "--" + option_name + ": got " + std::to_string(values.size()) +
                      " numbers, expected d*d = " + std::to_string(dimension * dimension) +
                      " (row-major, for dimension " + std::to_string(dimension) + ")");
  return Matrix{dimension, values};
}

Model model_from_options(const config::OptionSet& options, std::int64_t token_count) {
  using errors::require;
  Model m;
  m.dimension = options.get<int>("dimension");
  require(m.dimension >= 2 && m.dimension <= largest_dimension,
          "--dimension: must be an integer in [2, " + std::to_string(largest_dimension) +
              "] (got " + std::to_string(m.dimension) + ")");
  // Q, K and V: d*d doubles each.
  config::require_memory(3.0 * m.dimension * m.dimension * sizeof(double), "dimension",
                         "the query, key and value matrices (3 d^2 doubles)");
  const auto name = options.get<std::string>("model");
  require(name == "sa" || name == "usa",
          "--model: unknown model '" + name + "'; accepted: sa, usa");
  m.attention = name == "sa" ? Attention::softmax : Attention::unnormalised;
  const bool scaling = options.has("beta-scale");
  const auto scale_text = scaling ? options.get<std::string>("beta-scale") : "";
  const auto law = scaling ? options.get<std::string>("beta-law") : std::string("power");
  const double alpha = scaling ? options.get<double>("beta-exponent") : 0.0;
  require(law == "power" || law == "log" || law == "critical",
          "--beta-law: unknown law '" + law + "'; accepted: power, log, critical");
  require(std::isfinite(alpha), "--beta-exponent: must be finite");
  // By value, not by whether an option was given (the resolved input reruns the same run).
  require(law == "power" || !scale_text.empty(),
          "--beta-law: " + law + " needs --beta-scale c (beta = c g(N)); without it --beta "
          "is used, and the law must be power");
  require(law == "power" || alpha == 0,
          "--beta-exponent: applies to --beta-law power only (the " + law + " law has no "
          "exponent); leave it at 0");
  if (!scale_text.empty()) {
    double c = 0;
    try {
      std::size_t used = 0;
      c = std::stod(scale_text, &used);
      if (used != scale_text.size()) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
      throw errors::InputError("--beta-scale: '" + scale_text + "' is not a number");
    }
    const double n = static_cast<double>(token_count);
    if (law == "power") m.beta = c * std::pow(n, alpha);
    if (law == "log") m.beta = c * std::log(n);
    if (law == "critical") m.beta = c * std::pow(n, 2.0 / double(m.dimension - 1));
  } else {
    m.beta = options.get<double>("beta");
  }
  require(std::isfinite(m.beta) && m.beta >= 0 && m.beta <= 1e4,
          "--beta: must be finite and in [0, 1e4] (got " + text::format_number(m.beta) + ")");
  auto matrix = [&](const char* key) {
    const auto text = options.has(key) ? options.get<std::string>(key) : std::string();
    return text.empty() ? Matrix::identity(m.dimension) : parse_matrix(text, m.dimension, key);
  };
  m.query = matrix("query");
  m.key = matrix("key");
  m.value = matrix("value");
  m.causal = options.has("causal") && options.flag("causal");
  if (options.has("common-noise")) {
    m.common_noise = options.get<double>("common-noise");
    m.independent_noise = options.get<double>("independent-noise");
  }
  require(std::isfinite(m.common_noise) && m.common_noise >= 0,
          "--common-noise: must be finite and >= 0");
  require(std::isfinite(m.independent_noise) && m.independent_noise >= 0,
          "--independent-noise: must be finite and >= 0");
  read_transformer_options(options, m);
  return m;
}

}  // namespace attnflow::model

namespace attnflow::model {

double critical_beta(std::int64_t tokens, int dimension) {
  return std::pow(static_cast<double>(tokens), 2.0 / double(dimension - 1));
}

std::string mean_field_regime(double beta, std::int64_t tokens, int dimension) {
  const double critical = critical_beta(tokens, dimension);
  const double ratio = beta / critical;
  // Tokens in a cap of angular radius beta^{-1/2}: N beta^{-(d-1)/2} = ratio^{-(d-1)/2}.
  const double per_width = std::pow(ratio, -0.5 * double(dimension - 1));
  std::ostringstream line;
  line.precision(3);
  line << "moderate regime: beta / N^{2/(d-1)} = " << ratio << " (N^{2/(d-1)} = " << critical
       << ", about " << per_width << " tokens per kernel width beta^{-1/2}): ";
  if (ratio < mean_field_ratio)
    line << "inside the mean-field window beta << N^{2/(d-1)}";
  else if (ratio <= 1 / mean_field_ratio)
    line << "at the critical scaling beta ~ N^{2/(d-1)}, outside the mean-field window";
  else
    line << "beyond the mean-field window (beta >> N^{2/(d-1)}: tokens see only a few neighbours)";
  return line.str();
}

}  // namespace attnflow::model

#pragma once
// The attention dynamics being simulated (docs/mathematics.md sections 1-3): SA or USA, inverse temperature
// beta, the Q, K, V matrices, the causal mask and the noise strengths. Shared by the particle and
// the continuum solvers, which read it from the same input keys.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mlp/activation.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::model {

enum class Attention { softmax, unnormalised };  // SA, USA

// A dense d x d matrix, row-major.
struct Matrix {
  int dimension = 0;
  std::vector<double> entries;
  static Matrix identity(int dimension);
  bool is_identity() const;
  double operator()(int row, int column) const { return entries[row * dimension + column]; }
  double operator_norm() const;  // largest singular value
};

Matrix transpose_times(const Matrix& a, const Matrix& b);  // a^T b

// The MLP block that follows every attention block (docs/mathematics.md section 9):
// G_l(y) = m^{-1/2} W sigma(d^{-1/2} U y + b_U) + b_W with fresh N(0,1) weights W, U per layer,
// b_U ~ N(0, sigma_U^2 I_m), b_W ~ N(0, sigma_W^2 I_d).
struct MlpBlock {
  mlp::Activation activation = mlp::Activation::relu;
  int width = 256;           // m
  double input_bias = 0.0;   // sigma_U
  double output_bias = 0.0;  // sigma_W
};

struct Model {
  int dimension = 3;
  Attention attention = Attention::softmax;
  double beta = 1.0;
  Matrix query, key, value;
  bool causal = false;
  double common_noise = 0.0;       // sigma_c
  double independent_noise = 0.0;  // sigma_i
  std::optional<MlpBlock> mlp;     // none: attention only
  // Multiplies the attention velocity: +1 attractive (docs/mathematics.md section 1), 0 off, -1 repulsive. Sign 0
  // skips the interaction engine altogether.
  int attention_sign = 1;

  bool identity_query_key() const { return query.is_identity() && key.is_identity(); }
  // Brownian noise (docs/mathematics.md section 2); the MLP field is not counted here (has_mlp).
  bool stochastic() const { return common_noise != 0.0 || independent_noise != 0.0; }
  bool has_mlp() const { return mlp.has_value(); }
  // USA is integrated in the rescaled time t' = e^{s} t with s = beta |Q| |K| (= beta for
  // Q = K = I), which keeps every kernel value <= 1 (docs/mathematics.md section 1). SA: s = 0.
  double log_time_scale() const;
  std::string attention_name() const { return attention == Attention::softmax ? "sa" : "usa"; }
};

// The model options an app registers beyond dimension, model and beta: only those it integrates,
// so that its --help lists nothing it would then refuse.
struct ModelOptionGroups {
  bool beta_scaling = true;  // beta-scale, beta-exponent, beta-law (beta from the token count N)
  bool matrices = true;      // query, key, value
  bool causal_mask = true;   // causal
  bool noise = true;         // common-noise, independent-noise
  std::string dimensions;    // the dimensions accepted, for --help; empty: any d >= 2
};
// d*d (the matrices' size) must fit an int; the memory of the matrices is checked as well.
inline constexpr int largest_dimension = 46340;
// Registers the model's options (dimension, model, beta and the groups asked for).
void add_model_options(config::OptionSet& options, const ModelOptionGroups& groups = {});
// Registers the transformer-layer options of docs/mathematics.md section 9: mlp, mlp-width, mlp-bias-u,
// mlp-bias-w and attention-sign. Separate from add_model_options so that only the apps that
// integrate them register them (an app that does not cannot silently ignore them).
void add_transformer_options(config::OptionSet& options);
// Builds and validates the model; `token_count` resolves beta = c N^alpha, c ln N or
// c N^{2/(d-1)} (--beta-law). Reads the optional groups and the transformer-layer options when
// they are registered (defaults otherwise). Throws InputError.
Model model_from_options(const config::OptionSet& options, std::int64_t token_count);
// The critical beta N^{2/(d-1)} of the moderate regime (docs/mathematics.md section 10): the
// particle system stays mean-field while beta << N^{2/(d-1)}.
double critical_beta(std::int64_t tokens, int dimension);
// Ratios beta / N^{2/(d-1)} below this are "inside the mean-field window", above its inverse
// "beyond" it, in between "at the critical scaling" (a convention: the window is asymptotic).
inline constexpr double mean_field_ratio = 0.1;
// One line for a run summary: the ratio, the tokens per kernel width and the side of the window.
std::string mean_field_regime(double beta, std::int64_t tokens, int dimension);
// Parses "a b c ..." (d*d numbers, row-major; commas or semicolons allowed as separators).
Matrix parse_matrix(const std::string& text, int dimension, const std::string& option_name);

}  // namespace attnflow::model

#pragma once
// The attention dynamics being simulated (docs/mathematics.md sections 1-3): SA or USA, inverse temperature
// beta, the Q, K, V matrices, the causal mask and the noise strengths. Shared by the particle and
// the continuum solvers, which read it from the same input keys.
#include <cstdint>
#include <string>
#include <vector>

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

struct Model {
  int dimension = 3;
  Attention attention = Attention::softmax;
  double beta = 1.0;
  Matrix query, key, value;
  bool causal = false;
  double common_noise = 0.0;       // sigma_c
  double independent_noise = 0.0;  // sigma_i

  bool identity_query_key() const { return query.is_identity() && key.is_identity(); }
  bool stochastic() const { return common_noise != 0.0 || independent_noise != 0.0; }
  // USA is integrated in the rescaled time t' = e^{s} t with s = beta |Q| |K| (= beta for
  // Q = K = I), which keeps every kernel value <= 1 (docs/mathematics.md section 1). SA: s = 0.
  double log_time_scale() const;
  std::string attention_name() const { return attention == Attention::softmax ? "sa" : "usa"; }
};

// Registers the model's options (dimension, model, beta, beta-scale, beta-exponent, query, key,
// value, causal, common-noise, independent-noise).
void add_model_options(config::OptionSet& options);
// Builds and validates the model; `token_count` resolves beta = c N^alpha. Throws InputError.
Model model_from_options(const config::OptionSet& options, std::int64_t token_count);
// Parses "a b c ..." (d*d numbers, row-major; commas or semicolons allowed as separators).
Matrix parse_matrix(const std::string& text, int dimension, const std::string& option_name);

}  // namespace attnflow::model

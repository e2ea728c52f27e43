#include "mlp/field.hpp"

#include <cmath>

#include "errors/errors.hpp"

namespace attnflow::mlp {

namespace {
// The counter index of each part of a layer's weights (the step counter is the layer).
enum Part : std::uint64_t { input_matrix = 0, input_bias = 1, output_matrix = 2, output_bias = 3 };
}  // namespace

RandomField::RandomField(const model::MlpBlock& block, int dimension, std::uint64_t seed)
    : block_(block), dimension_(dimension), generator_(seed, random::Stream::mlp_weights) {
  errors::ensure(dimension >= 1 && block.width >= 1, "RandomField: empty dimension or width");
  const std::size_t m = block.width, d = dimension;
  if (block.activation != Activation::zero) {
    input_weights_.resize(d * m);
    input_bias_.resize(m);
    output_weights_.resize(m * d);
    hidden_.resize(m);
  }
  output_bias_.resize(d);
}

void RandomField::draw_layer(std::uint64_t layer) {
  const std::size_t m = block_.width, d = dimension_;
  if (block_.activation != Activation::zero) {
    // U is drawn row by row (U_jk at j d + k) and stored transposed; W likewise (W_ij at i m + j).
    auto& normals = normals_;
    normals.resize(m * d);
    generator_.normals(input_matrix, layer, normals);
    const double input_scale = 1.0 / std::sqrt(static_cast<double>(d));
    for (std::size_t j = 0; j < m; ++j)
      for (std::size_t k = 0; k < d; ++k) input_weights_[k * m + j] = input_scale * normals[j * d + k];
    generator_.normals(input_bias, layer, input_bias_);
    for (auto& b : input_bias_) b *= block_.input_bias;
    generator_.normals(output_matrix, layer, normals);
    const double output_scale = 1.0 / std::sqrt(static_cast<double>(m));
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < m; ++j)
        output_weights_[j * d + i] = output_scale * normals[i * m + j];
  }
  generator_.normals(output_bias, layer, output_bias_);
  for (auto& b : output_bias_) b *= block_.output_bias;
  layer_ = layer;
  drawn_ = true;
}

void RandomField::evaluate(std::span<const double> points, std::span<double> values) {
  errors::ensure(drawn_, "RandomField::evaluate before draw_layer");
  errors::ensure(points.size() == values.size() && points.size() % dimension_ == 0,
                 "RandomField::evaluate: points and values differ in size");
  const std::size_t m = block_.width, d = dimension_, count = points.size() / d;
  for (std::size_t i = 0; i < count; ++i) {
    const double* y = points.data() + i * d;
    double* g = values.data() + i * d;
    for (std::size_t k = 0; k < d; ++k) g[k] = output_bias_[k];
    if (block_.activation == Activation::zero) continue;
    // hidden = d^{-1/2} U y + b_U, summed over k in order for every hidden unit.
    for (std::size_t j = 0; j < m; ++j) hidden_[j] = input_bias_[j];
    for (std::size_t k = 0; k < d; ++k) {
      const double yk = y[k];
      const double* row = input_weights_.data() + k * m;
      for (std::size_t j = 0; j < m; ++j) hidden_[j] += yk * row[j];
    }
    activate_in_place(block_.activation, hidden_);
    // g = b_W + m^{-1/2} W sigma(hidden), summed over j in order for every output component.
    for (std::size_t j = 0; j < m; ++j) {
      const double s = hidden_[j];
      const double* row = output_weights_.data() + j * d;
      for (std::size_t k = 0; k < d; ++k) g[k] += s * row[k];
    }
  }
}

}  // namespace attnflow::mlp

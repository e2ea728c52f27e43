#include "mlp/field.hpp"

#include <algorithm>
#include <cmath>

#include "errors/errors.hpp"

namespace attnflow::mlp {

namespace {

// The counter index of each part of a layer's weights (the step counter is the layer).
enum Part : std::uint64_t { input_matrix = 0, input_bias = 1, output_matrix = 2, output_bias = 3 };

// Outputs per panel: four vectors of 8 doubles, four independent FMA chains (the latency of one
// FMA hides behind the other three) held in registers while the reduction index runs.
constexpr std::size_t panel_width = 32;

// Offset of entry (r, c) of a rows x columns matrix stored as panels of panel_width columns,
// each panel row-major (the last panel as wide as the columns left): a panel is contiguous.
std::size_t panel_offset(std::size_t r, std::size_t c, std::size_t rows, std::size_t columns) {
  const std::size_t first = c / panel_width * panel_width;
  const std::size_t width = std::min(panel_width, columns - first);
  return first * rows + r * width + (c - first);
}

// GCC/Clang vector extension: 8 doubles (one AVX-512 or two AVX2 registers; emulated elsewhere).
// Explicit, because the compiler does not keep an array of sums in registers across the loop.
typedef double vector8 __attribute__((vector_size(64)));
vector8 load(const double* p) {
  vector8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
void store(double* p, vector8 v) { __builtin_memcpy(p, &v, sizeof v); }

// out[c] = start[c] + sum_{r < rows} x[r] panel[r * 32 + c], c < 32, summed over r in order.
void accumulate_panel(const double* start, const double* x, const double* panel,
                      std::size_t rows, double* out) {
  vector8 s0 = load(start), s1 = load(start + 8), s2 = load(start + 16), s3 = load(start + 24);
  for (std::size_t r = 0; r < rows; ++r) {
    const double xr = x[r];
    const double* row = panel + r * panel_width;
    s0 += xr * load(row);
    s1 += xr * load(row + 8);
    s2 += xr * load(row + 16);
    s3 += xr * load(row + 24);
  }
  store(out, s0);
  store(out + 8, s1);
  store(out + 16, s2);
  store(out + 24, s3);
}

// out = start + x^T M for the panel-stored rows x columns matrix M: full panels, then the
// narrow last one (its columns' sums interleaved, again over r in order). No output's order of
// summation depends on the panels, and every token runs the same code, so a token's bits do not
// depend on the other tokens it is evaluated with.
void accumulate(const double* start, const double* x, const std::vector<double>& matrix,
                std::size_t rows, std::size_t columns, double* out) {
  std::size_t c = 0;
  for (; c + panel_width <= columns; c += panel_width)
    accumulate_panel(start + c, x, matrix.data() + c * rows, rows, out + c);
  const std::size_t tail = columns - c;
  if (tail == 0) return;
  double sums[panel_width];
  for (std::size_t t = 0; t < tail; ++t) sums[t] = start[c + t];
  const double* panel = matrix.data() + c * rows;
  for (std::size_t r = 0; r < rows; ++r) {
    const double xr = x[r];
    const double* row = panel + r * tail;
    for (std::size_t t = 0; t < tail; ++t) sums[t] += xr * row[t];
  }
  for (std::size_t t = 0; t < tail; ++t) out[c + t] = sums[t];
}

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
    // U is drawn row by row (U_jk at j d + k), W likewise (W_ij at i m + j); they are stored as
    // the panels of U^T d^{-1/2} (d x m) and W^T m^{-1/2} (m x d).
    normals_.resize(m * d);
    generator_.normals(input_matrix, layer, normals_);
    const double input_scale = 1.0 / std::sqrt(static_cast<double>(d));
    for (std::size_t j = 0; j < m; ++j)
      for (std::size_t k = 0; k < d; ++k)
        input_weights_[panel_offset(k, j, d, m)] = input_scale * normals_[j * d + k];
    generator_.normals(input_bias, layer, input_bias_);
    for (auto& b : input_bias_) b *= block_.input_bias;
    generator_.normals(output_matrix, layer, normals_);
    const double output_scale = 1.0 / std::sqrt(static_cast<double>(m));
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < m; ++j)
        output_weights_[panel_offset(j, i, m, d)] = output_scale * normals_[i * m + j];
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
    if (block_.activation == Activation::zero) {
      std::copy(output_bias_.begin(), output_bias_.end(), g);
      continue;
    }
    // hidden = b_U + d^{-1/2} U y, then sigma; g = b_W + m^{-1/2} W sigma(hidden).
    accumulate(input_bias_.data(), y, input_weights_, d, m, hidden_.data());
    activate_in_place(block_.activation, hidden_);
    accumulate(output_bias_.data(), hidden_.data(), output_weights_, m, d, g);
  }
}

}  // namespace attnflow::mlp

#pragma once
// The random MLP field of one transformer layer (docs/mathematics.md section 9),
//   G_l(y) = m^{-1/2} W sigma(d^{-1/2} U y + b_U) + b_W,
// with layer l's weights drawn from the counter-based generator keyed by (seed, layer): every
// rank, at every rank count and after every restart, draws the same weights without
// communication, and evaluates the field on its own tokens in O(count m d).
#include <cstdint>
#include <span>
#include <vector>

#include "model/model.hpp"
#include "random/counter_random.hpp"

namespace attnflow::mlp {

class RandomField {
 public:
  RandomField(const model::MlpBlock& block, int dimension, std::uint64_t seed);
  // Draws layer `layer`'s weights W, U, b_U, b_W (each a function of (seed, layer) only).
  void draw_layer(std::uint64_t layer);
  std::uint64_t layer() const { return layer_; }
  // values (count x d) = G_l(points) for count = points.size() / d points (row-major), l the
  // layer last drawn. Each point's value depends on that point and the weights only, so a token
  // gets the same bits whichever block of tokens it is evaluated with.
  void evaluate(std::span<const double> points, std::span<double> values);
  int dimension() const { return dimension_; }
  const model::MlpBlock& block() const { return block_; }

 private:
  model::MlpBlock block_;
  int dimension_;
  random::CounterRandom generator_;
  std::uint64_t layer_ = 0;
  bool drawn_ = false;
  // U^T d^{-1/2} (d x m) and W^T m^{-1/2} (m x d), stored as contiguous panels of 32 columns:
  // the products vectorise across outputs without reassociating any sum, so the bits do not
  // depend on the compiler's choice of lanes (field.cpp).
  std::vector<double> input_weights_, input_bias_, output_weights_, output_bias_;
  std::vector<double> hidden_, normals_;
};

}  // namespace attnflow::mlp

// The random MLP field of docs/mathematics.md section 9: G_l is the stated formula with weights that are a
// function of (seed, layer) only, a token's value does not depend on the block it is evaluated
// with, and the covariance over layers is E[G(x) G(y)^T] = kappa(<x,y>) I_d at every width m.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "mlp/field.hpp"
#include "random/counter_random.hpp"
#include "theory/mlp_constants.hpp"

using namespace attnflow;
using mlp::Activation;

namespace {

model::MlpBlock block(Activation activation, int width, double input_bias, double output_bias) {
  model::MlpBlock b;
  b.activation = activation;
  b.width = width;
  b.input_bias = input_bias;
  b.output_bias = output_bias;
  return b;
}

// A unit vector y with <x, y> = t for x = e_1: y = t e_1 + sqrt(1 - t^2) e_2.
std::vector<double> point_at(int d, double t) {
  std::vector<double> y(d, 0.0);
  y[0] = t;
  if (d > 1) y[1] = std::sqrt((1 - t) * (1 + t));
  return y;
}

}  // namespace

TEST_CASE("G_l(y) = m^{-1/2} W sigma(d^{-1/2} U y + b_U) + b_W with weights from (seed, layer)",
          "[mlp]") {
  // The reference draws U (row-major, m x d), b_U, W (row-major, d x m) and b_W from the
  // mlp_weights stream with counter (part 0..3, layer) and evaluates the formula in long double;
  // the field's double sums of m + d terms of size O(1) agree to 1e-13 relative to the scale
  // sum_j |W_ij sigma_j| / sqrt(m) + |b_W,i|.
  const int d = 4;
  const std::uint64_t seed = 17;
  for (Activation activation : {Activation::relu, Activation::gelu, Activation::silu,
                                Activation::tanh, Activation::sigmoid, Activation::zero})
    for (int m : {1, 7, 64}) {
      const auto b = block(activation, m, 0.4, 0.3);
      mlp::RandomField field(b, d, seed);
      const std::uint64_t layer = 11;
      field.draw_layer(layer);
      const std::vector<double> y = {0.5, -0.5, 0.5, 0.5};
      std::vector<double> g(d);
      field.evaluate(y, g);
      random::CounterRandom generator(seed, random::Stream::mlp_weights);
      std::vector<double> u(m * d), bias_u(m), w(d * m), bias_w(d);
      generator.normals(0, layer, u);
      generator.normals(1, layer, bias_u);
      generator.normals(2, layer, w);
      generator.normals(3, layer, bias_w);
      for (int i = 0; i < d; ++i) {
        long double sum = 0.3L * bias_w[i], scale = std::abs(0.3 * bias_w[i]);
        for (int j = 0; j < m && activation != Activation::zero; ++j) {
          long double z = 0.4L * bias_u[j];
          for (int k = 0; k < d; ++k) z += (long double)u[j * d + k] * y[k] / std::sqrt((long double)d);
          const double s = mlp::activate(activation, (double)z);
          sum += w[i * m + j] * s / std::sqrt((long double)m);
          scale += std::abs(w[i * m + j] * s) / std::sqrt((double)m);
        }
        INFO(mlp::activation_name(activation) << " m " << m << " component " << i);
        CHECK(g[i] == Approx((double)sum).margin(1e-13 * (double)scale + 1e-300));
      }
    }
}

TEST_CASE("A token's field value is the same in any block of tokens, and layers are keyed",
          "[mlp]") {
  // Bitwise: the rank count only changes which block a token is evaluated in. Drawing layer 5
  // after other layers, or in another field object, gives the same weights; another layer or
  // seed gives different ones.
  const int d = 6, count = 37;
  const auto b = block(Activation::gelu, 48, 0.2, 0.1);
  std::vector<double> points(count * d);
  random::CounterRandom generator(3, random::Stream::test);
  for (int i = 0; i < count; ++i)
    generator.normals(i, 0, std::span<double>(points.data() + i * d, d));
  mlp::RandomField field(b, d, 5), other(b, d, 5), reseeded(b, d, 6);
  field.draw_layer(5);
  other.draw_layer(2);
  other.draw_layer(5);
  reseeded.draw_layer(5);
  std::vector<double> all(count * d), again(count * d), reseeded_values(count * d);
  field.evaluate(points, all);
  other.evaluate(points, again);
  reseeded.evaluate(points, reseeded_values);
  REQUIRE(all == again);
  REQUIRE(all != reseeded_values);
  for (int i = 0; i < count; ++i) {
    std::vector<double> one(d);
    field.evaluate(std::span<const double>(points.data() + i * d, d), one);
    REQUIRE(std::equal(one.begin(), one.end(), all.begin() + i * d));
  }
  other.draw_layer(6);
  other.evaluate(points, again);
  REQUIRE(all != again);
}

TEST_CASE("E[G(x) G(y)^T] = kappa(<x,y>) I_d at every width m, over many layers' weights",
          "[mlp]") {
  // Layers l = 0..n-1 are independent draws of the weights; for x = e_1 and y with <x,y> = t
  // the n products G_a(x) G_b(y) are iid, so each entry of the sample covariance is within
  // 5 standard errors of kappa(t) delta_ab unless the field is wrong (5 sigma: a false alarm
  // has probability < 6e-7 per entry, < 2e-3 over the 1200 entries checked). Widths 1 and 3
  // are as far from the Gaussian infinite-width field as possible: the covariance must not see
  // it. A wrong scaling (m^{-1/2}, d^{-1/2}) or bias would be off by many standard errors (one
  // standard error is about 1% of kappa(1) at n = 20000 for a near-Gaussian field).
  const int d = 5;
  const int layers = 20000;
  const std::vector<double> inner_products = {1.0, 0.6, 0.0, -0.5, -1.0};
  for (const auto& b0 : {block(Activation::relu, 0, 0.2, 0.1), block(Activation::tanh, 0, 0.3, 0.2),
                         block(Activation::gelu, 0, 0.0, 0.0), block(Activation::sigmoid, 0, 0.1, 0.0)})
    for (int m : {1, 3, 64}) {
      auto b = b0;
      b.width = m;
      mlp::RandomField field(b, d, 2024);
      std::vector<double> points;
      for (double t : inner_products) {
        const auto y = point_at(d, t);
        points.insert(points.end(), y.begin(), y.end());
      }
      const std::size_t count = inner_products.size();
      std::vector<double> values(points.size());
      // sums[j][a][b] and sums of squares for the products G_a(x) G_b(y_j) (x = y_0 = e_1).
      std::vector<double> sums(count * d * d, 0.0), squares(count * d * d, 0.0);
      for (int l = 0; l < layers; ++l) {
        field.draw_layer(static_cast<std::uint64_t>(l));
        field.evaluate(points, values);
        for (std::size_t j = 0; j < count; ++j)
          for (int a = 0; a < d; ++a)
            for (int c = 0; c < d; ++c) {
              const double p = values[a] * values[j * d + c];
              sums[(j * d + a) * d + c] += p;
              squares[(j * d + a) * d + c] += p * p;
            }
      }
      for (std::size_t j = 0; j < count; ++j) {
        const double kappa = theory::mlp_covariance(b, d, inner_products[j]).value;
        for (int a = 0; a < d; ++a)
          for (int c = 0; c < d; ++c) {
            const std::size_t index = (j * d + a) * d + c;
            const double mean = sums[index] / layers;
            const double variance = (squares[index] / layers - mean * mean) * layers / (layers - 1);
            const double standard_error = std::sqrt(variance / layers);
            INFO(mlp::activation_name(b.activation) << " m " << m << " t " << inner_products[j]
                                                    << " entry " << a << "," << c << ": "
                                                    << mean << " +- " << standard_error
                                                    << ", kappa " << kappa);
            CHECK(std::abs(mean - (a == c ? kappa : 0.0)) <= 5 * standard_error);
          }
      }
    }
}

TEST_CASE("The output-bias-only block is the constant field b_W: kappa = sigma_W^2 everywhere",
          "[mlp]") {
  // G(y) = b_W for every y (the constant common noise of docs/mathematics.md section 2), exactly.
  const int d = 3;
  mlp::RandomField field(block(Activation::zero, 8, 0.5, 0.7), d, 9);
  field.draw_layer(4);
  const std::vector<double> points = {1, 0, 0, 0, 1, 0, 0, 0, -1};
  std::vector<double> values(points.size());
  field.evaluate(points, values);
  for (int k = 0; k < d; ++k) {
    REQUIRE(values[k] == values[d + k]);
    REQUIRE(values[k] == values[2 * d + k]);
  }
  REQUIRE(theory::mlp_covariance(block(Activation::zero, 8, 0.5, 0.7), d, -0.3).value ==
          Approx(0.49).epsilon(1e-15));
}

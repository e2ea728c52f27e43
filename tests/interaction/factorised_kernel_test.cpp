// The factorised pair kernel (interaction/factorised_kernel.hpp): its polynomial is e^t to its
// bound on [-T_P, T_P], and its row and column partials are the kernel sums of the two cells.
#include "interaction/factorised_kernel.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "benchmark/benchmark.hpp"

using namespace attnflow;

TEST_CASE("The factorised polynomial is e^t within 2^-53 plus rounding on its interval",
          "[interaction]") {
  // Interpolation error <= 2^-53 relative by the choice of T_P; the evaluation rounds the
  // alternating terms for t < 0 by about e^{2T} 2^-53, at most ~2e-15 at T_18 = 1.83.
  for (int degree : {6, 8, 10, 12, 14, 16, 18}) {
    const double half_width = interaction::factorised_half_width(degree);
    REQUIRE(half_width > 0);
    CHECK(interaction::factorised_degree(half_width) == degree);
    std::vector<double> t(4001), p(4001);
    for (int i = 0; i <= 4000; ++i) t[i] = half_width * (-1 + i / 2000.0);
    interaction::factorised_polynomial(degree, t.data(), p.data(), t.size());
    double worst = 0;
    for (int i = 0; i <= 4000; ++i)
      worst = std::max(worst, std::abs(p[i] - std::exp(t[i])) / std::exp(t[i]));
    INFO("degree " << degree << ", T = " << half_width);
    CHECK(worst <= 0x1p-53 + 4 * std::exp(2 * half_width) * 0x1p-53);
  }
  CHECK(interaction::factorised_degree(0.01) == 6);
  CHECK(interaction::factorised_degree(1.9) == 0);  // beyond T_18: the direct kernel's turn
}

TEST_CASE("Factorised row and column partials are the two cells' kernel sums", "[interaction]") {
  // Two small caps on S^2 at kernel distance; the reference sums every pair in long double.
  for (double beta : {1000.0, 1e4}) {
    const int d = 3;
    const double spread = 0.6 / std::sqrt(beta);
    const std::size_t n_rows = 37, n_columns = 50;  // not multiples of the lanes
    const auto jitter = benchmark::random_sphere_points(0, n_rows + n_columns, d, 4);
    const double centre_rows[3] = {0, 0, 1};
    const double tilt = 2 / std::sqrt(beta);
    const double centre_columns[3] = {std::sin(tilt), 0, std::cos(tilt)};
    auto make_cell = [&](const double* centre, std::size_t count, std::size_t offset,
                         std::vector<double>& storage, std::vector<double>& weights) {
      const std::size_t stride = (count + 3) / 4 * 4;
      storage.assign(3 * d * stride, 0.0);  // positions, offsets, values (V = 2 I)
      weights.assign(stride, 0.0);
      for (std::size_t j = 0; j < count; ++j) {
        double x[3], norm = 0;
        for (int k = 0; k < d; ++k) {
          x[k] = centre[k] + spread * jitter[(offset + j) * d + k];
          norm += x[k] * x[k];
        }
        for (int k = 0; k < d; ++k) {
          x[k] /= std::sqrt(norm);
          storage[k * stride + j] = x[k];
          storage[(d + k) * stride + j] = x[k] - centre[k];
          storage[(2 * d + k) * stride + j] = 2 * x[k];
        }
        weights[j] = 1.0 + 0.1 * static_cast<double>(j % 7);
      }
      return interaction::FactorisedCell{count,
                                         stride,
                                         storage.data(),
                                         storage.data() + d * stride,
                                         storage.data() + 2 * d * stride,
                                         weights.data(),
                                         centre};
    };
    std::vector<double> row_storage, row_weights, column_storage, column_weights;
    const auto rows = make_cell(centre_rows, n_rows, 0, row_storage, row_weights);
    const auto columns = make_cell(centre_columns, n_columns, n_rows, column_storage, column_weights);
    double rho_rows = 0, rho_columns = 0;
    for (std::size_t i = 0; i < n_rows; ++i) {
      double r = 0;
      for (int k = 0; k < d; ++k) r += rows.offsets[k * rows.stride + i] * rows.offsets[k * rows.stride + i];
      rho_rows = std::max(rho_rows, std::sqrt(r));
    }
    for (std::size_t j = 0; j < n_columns; ++j) {
      double r = 0;
      for (int k = 0; k < d; ++k)
        r += columns.offsets[k * columns.stride + j] * columns.offsets[k * columns.stride + j];
      rho_columns = std::max(rho_columns, std::sqrt(r));
    }
    const int degree = interaction::factorised_degree(beta * rho_rows * rho_columns);
    REQUIRE(degree > 0);
    std::vector<unsigned char> included(n_rows, 1);
    included[5] = 0;  // an excluded row: neither a target nor a source
    std::vector<double> row_sums(n_rows * (1 + d), 0.0), column_sums(n_columns * (1 + d), 0.0);
    interaction::FactorisedScratch scratch;
    interaction::factorised_pair(d, beta, beta, degree, rows, columns, included.data(),
                                 row_sums.data(), column_sums.data(), scratch);
    double worst = 0;
    auto check = [&](const interaction::FactorisedCell& target, std::size_t t,
                     const interaction::FactorisedCell& source, std::size_t count,
                     const double* sums, bool source_rows) {
      long double expected[4] = {0, 0, 0, 0}, size = 0;
      for (std::size_t j = 0; j < count; ++j) {
        if (source_rows && !included[j]) continue;
        long double inner = 0;
        for (int k = 0; k < d; ++k)
          inner += static_cast<long double>(target.positions[k * target.stride + t]) *
                   source.positions[k * source.stride + j];
        const long double term = source.weights[j] * std::exp(beta * (inner - 1));
        expected[0] += term;
        size += term;
        for (int k = 0; k < d; ++k) expected[1 + k] += term * source.values[k * source.stride + j];
      }
      for (int q = 0; q <= d; ++q)
        worst = std::max(worst, static_cast<double>(std::abs(sums[q] - expected[q]) / (2 * size)));
    };
    for (std::size_t i = 0; i < n_rows; ++i)
      if (included[i]) check(rows, i, columns, n_columns, row_sums.data() + i * (1 + d), false);
    for (std::size_t j = 0; j < n_columns; ++j)
      check(columns, j, rows, n_rows, column_sums.data() + j * (1 + d), true);
    CHECK(row_sums[5 * (1 + d)] == 0.0);
    // Per term: 2^-53 interpolation, ~2e-15 polynomial rounding, and the exponent's rounding
    // beta 2^-53 (as in the direct kernel).
    INFO("beta = " << beta << ", degree " << degree << ": worst relative error " << worst);
    CHECK(worst <= 3e-15 + 4 * beta * 0x1p-53);
  }
}

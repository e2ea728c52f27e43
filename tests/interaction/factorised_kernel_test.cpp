// The factorised pair kernel (interaction/factorised_kernel.hpp): its polynomial is e^t to its
// bound on [-T_P, T_P], and its row and column partials are the kernel sums of the two cells.
#include "interaction/factorised_kernel.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <utility>
#include <vector>

#include "benchmark/benchmark.hpp"

using namespace attnflow;

TEST_CASE("Every factorised expansion is e^t within its accuracy plus rounding on its interval",
          "[interaction]") {
  // Interpolation error <= the tier's accuracy (relative) by the choice of T; the evaluation
  // rounds the alternating terms for t < 0 by about e^{2T} 2^-53 (~2e-15 at T_18 = 1.83 in the
  // full-accuracy tier).
  std::size_t count = 0;
  for (const auto& e : interaction::factorised_expansions()) {
    REQUIRE(e.half_width > 0);
    double worst = 0;
    for (int i = 0; i <= 4000; ++i) {
      const double t = e.half_width * (-1 + i / 2000.0);
      worst = std::max(worst, std::abs(e(t) - std::exp(t)) / std::exp(t));
    }
    INFO("degree " << e.degree << ", accuracy " << e.accuracy << ", T = " << e.half_width);
    CHECK(worst <= e.accuracy + 4 * std::exp(2 * e.half_width) * 0x1p-53);
    ++count;
  }
  CHECK(count == 14 * 13);  // degrees 3..14, 16, 18 x tiers 2^{-53 + 4k}, k = 0..12
  // The choice: the cheapest degree whose interval covers the bound, at an accuracy that keeps
  // every term up to largest_term within the budget (relative to the largest kernel value).
  const auto& all = interaction::factorised_expansions();
  std::size_t chosen = 0;
  for (double bound : {0.01, 0.1, 0.4, 0.7, 1.0, 1.5})
    for (double largest_term : {1.0, 1e-2, 1e-6, 1e-12})
      for (double budget : {0x1p-53, 5e-11, 5e-5}) {
        const auto* e = interaction::factorised_expansion(bound, largest_term, budget);
        INFO("bound " << bound << ", largest term " << largest_term << ", budget " << budget);
        if (!e) {
          for (const auto& other : all)
            CHECK(!(other.half_width >= bound && other.accuracy * largest_term <= budget));
          continue;
        }
        ++chosen;
        CHECK(e->half_width >= bound);
        CHECK(e->accuracy * largest_term <= std::max(budget, 0x1p-53));
        for (const auto& other : all)
          if (other.half_width >= bound &&
              other.accuracy * largest_term <= std::max(budget, 0x1p-53))
            CHECK(other.degree >= e->degree);
      }
  CHECK(chosen > 0);
  const auto* full = interaction::factorised_expansion(1.0, 1.0);
  const auto* far = interaction::factorised_expansion(1.0, 1e-6);
  const auto* budgeted = interaction::factorised_expansion(1.0, 1.0, 5e-11);
  REQUIRE(full != nullptr);
  REQUIRE(far != nullptr);
  REQUIRE(budgeted != nullptr);
  CHECK(full->accuracy == 0x1p-53);
  CHECK(far->degree < full->degree);
  CHECK(budgeted->degree < full->degree);
  CHECK(interaction::factorised_expansion(1.9, 1.0) == nullptr);  // the direct kernel's turn
}

TEST_CASE("Factorised row and column partials are the two cells' kernel sums", "[interaction]") {
  // Two small caps on S^2, 2 or 6 kernel widths apart; the reference sums every pair in long
  // double. At 6 widths every term is below 2^-8 of the largest kernel value, so a cheaper
  // accuracy tier applies; with an error budget per term (as the large-beta engine passes half
  // its tolerance) cheaper tiers still. The tier's error is measured against the largest value
  // (here 1) times the budget.
  // Excluded rows and columns take the packed path, all columns included the cell's own arrays.
  struct Case {
    double beta, widths, budget;
    bool exclusions;
  };
  for (const auto& [beta, widths, budget, exclusions] :
       {Case{1000.0, 2.0, 0x1p-53, true}, Case{1e4, 2.0, 0x1p-53, true},
        Case{1000.0, 6.0, 0x1p-53, true}, Case{1000.0, 2.0, 0x1p-53, false},
        Case{1000.0, 2.0, 5e-11, true}, Case{1000.0, 6.0, 5e-11, false},
        Case{1e4, 2.0, 5e-5, true}}) {
    const int d = 3;
    const double spread = 0.6 / std::sqrt(beta);
    const std::size_t n_rows = 37, n_columns = 50;  // not multiples of the lanes
    const auto jitter = benchmark::random_sphere_points(0, n_rows + n_columns, d, 4);
    const double centre_rows[3] = {0, 0, 1};
    const double tilt = widths / std::sqrt(beta);
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
    // The largest term, from the cells' gap (as the engine bounds it).
    const double gap = std::max(0.0, tilt - 2 * std::asin(rho_rows / 2) - 2 * std::asin(rho_columns / 2));
    const double largest_term = std::exp(-beta * (1 - std::cos(gap)));
    const auto* expansion =
        interaction::factorised_expansion(beta * rho_rows * rho_columns, largest_term, budget);
    REQUIRE(expansion != nullptr);
    if (widths > 2 || budget > 0x1p-53) CHECK(expansion->accuracy > 0x1p-53);
    std::vector<unsigned char> included(n_rows, 1), column_included(n_columns, 1);
    if (exclusions) {
      included[5] = 0;  // an excluded row: neither a target nor a source
      column_included[7] = column_included[8] = 0;  // excluded columns, likewise
    }
    std::vector<double> row_sums(n_rows * (1 + d), 0.0), column_sums(n_columns * (1 + d), 0.0);
    interaction::FactorisedScratch scratch;
    interaction::factorised_pair(d, beta, beta, *expansion, rows, columns, included.data(),
                                 column_included.data(), row_sums.data(), column_sums.data(),
                                 scratch);
    double worst = 0, worst_absolute = 0;
    auto check = [&](const interaction::FactorisedCell& target, std::size_t t,
                     const interaction::FactorisedCell& source, std::size_t count,
                     const double* sums, bool source_rows) {
      long double expected[4] = {0, 0, 0, 0}, size = 0, weight = 0;
      for (std::size_t j = 0; j < count; ++j) {
        if (source_rows ? !included[j] : !column_included[j]) continue;
        long double inner = 0;
        for (int k = 0; k < d; ++k)
          inner += static_cast<long double>(target.positions[k * target.stride + t]) *
                   source.positions[k * source.stride + j];
        const long double term = source.weights[j] * std::exp(beta * (inner - 1));
        expected[0] += term;
        size += term;
        weight += source.weights[j];
        for (int k = 0; k < d; ++k) expected[1 + k] += term * source.values[k * source.stride + j];
      }
      // Rounding relative to the sum; the tier's error relative to the largest value (weight x 1).
      for (int q = 0; q <= d; ++q) {
        const long double error = std::abs(sums[q] - expected[q]) / 2;
        worst = std::max(worst, static_cast<double>((error - budget * weight) / size));
        worst_absolute = std::max(worst_absolute, static_cast<double>(error / weight));
      }
    };
    for (std::size_t i = 0; i < n_rows; ++i)
      if (included[i]) check(rows, i, columns, n_columns, row_sums.data() + i * (1 + d), false);
    for (std::size_t j = 0; j < n_columns; ++j)
      if (column_included[j]) check(columns, j, rows, n_rows, column_sums.data() + j * (1 + d), true);
    if (exclusions) {
      CHECK(row_sums[5 * (1 + d)] == 0.0);
      CHECK(column_sums[7 * (1 + d)] == 0.0);
    }
    // Per term: the budget (at least 2^-53) of the largest value for the interpolation, ~2e-15
    // relative polynomial rounding, and the exponent's rounding beta 2^-53 relative (as in the
    // direct kernel).
    INFO("beta = " << beta << ", " << widths << " widths, budget " << budget
                   << (exclusions ? ", exclusions" : ", all included") << ", degree "
                   << expansion->degree
                   << ", accuracy " << expansion->accuracy << ": worst relative rounding " << worst
                   << ", worst error / weight " << worst_absolute);
    CHECK(worst <= 3e-15 + 4 * beta * 0x1p-53);
  }
}

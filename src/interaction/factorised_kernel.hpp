#pragma once
// The factorised pair kernel of the large-beta engine: kernel sums between two small cells A
// (rows) and B (columns) with centres c_A, c_B. Writing x_i = c_A + a_i, y_j = c_B + b_j,
//   e^{beta <x_i, y_j> - s} = F_i G_j e^{t_ij},  F_i = e^{beta <x_i, c_B> - s},
//   G_j = e^{beta <c_A, b_j>},  t_ij = beta <a_i, b_j>,
// exactly. |t_ij| <= T = beta rho_A rho_B (rho: the largest |a_i|, |b_j|) is small for cells of
// the kernel's width, so e^{t} is a polynomial of low degree (the interpolant at Chebyshev nodes
// of [-T_P, T_P], error below 2^-53 of the kernel's largest value), and the n_A + n_B
// exponentials of F and G replace the n_A n_B of the direct kernel.
// One pass gives both directions: row i gains F_i sum_j e^{t_ij} w_j G_j (1, v_j) and column j
// gains G_j sum_i e^{t_ij} w_i F_i (1, v_i), which is what the large-beta engine needs when the
// targets are the sources.
//
// Bitwise rule: row partials sum the included columns in 4 lanes (the p-th included column in
// lane p mod 4, lanes combined as (l0 + l1) + (l2 + l3)); column partials sum the rows in
// increasing row order; a partial is multiplied by F_i or G_j and added to the caller's running
// sum. Everything depends on the two cells' contents, order and included rows and columns alone.
#include <array>
#include <cstddef>
#include <vector>

namespace attnflow::interaction {

// A cell's points for the factorised kernel (structure of arrays, rows `stride` apart, entries
// padded to a multiple of 4 with zero offsets and zero weights).
struct FactorisedCell {
  std::size_t count = 0;
  std::size_t stride = 0;
  const double* positions = nullptr;  // x (d rows)
  const double* offsets = nullptr;    // x - centre (d rows)
  const double* values = nullptr;     // V x (d rows; may equal positions)
  const double* weights = nullptr;
  const double* centre = nullptr;     // d entries
};

// e^t on [-T, T] as the interpolant at the P + 1 Chebyshev nodes (monomial coefficients, from
// long double), with T the largest half-width at which the interpolation bound
// 2 (T/2)^{P+1} e^{2T} / (P+1)! (relative to the smallest value e^{-T}) is `accuracy`.
// Accuracy tiers 2^{-53 + 4k}, k = 0..12: a term at most a fraction f of the kernel's largest
// value e^{beta - shift}, evaluated with relative accuracy a, errs by at most a f of that value.
struct FactorisedExpansion {
  int degree = 0;
  double half_width = 0;
  double accuracy = 0;
  std::array<double, 19> coefficients{};
  double operator()(double t) const;  // the polynomial (Horner), for tests
};
const std::vector<FactorisedExpansion>& factorised_expansions();
// The cheapest expansion for |t| <= bound (bound = beta rho_A rho_B) whose error on terms at
// most `largest_term` times the kernel's largest value is at most `budget` times that value
// (budget below 2^-53 counts as 2^-53); nullptr when none covers the bound (use the direct
// kernel). Degrees 3..14, 16, 18: beyond 18 the alternating terms for t < 0 round to more than
// ~2e-15 relative at full accuracy.
const FactorisedExpansion* factorised_expansion(double bound, double largest_term,
                                                double budget = 0x1p-53);

class FactorisedScratch {
 public:
  std::vector<double> arguments, row_factors, column_factors, row_weights, column_weights,
      column_sums, column_offsets;
  std::vector<std::size_t> rows, columns;
};

// Adds the pair's partials: rows (if row_sums) to row_sums[i * (1 + d) + q], columns (if
// column_sums) to column_sums[j * (1 + d) + q] (q = 0: normaliser, 1..d: numerator). Rows with
// row_included[i] == 0 and columns with column_included[j] == 0 (nullptr: all included) take no
// part (neither as targets nor as sources); the included columns are packed, so a column's lane
// is its position among them. `expansion` from factorised_expansion. For A == B pass the same
// cell twice and no column sums.
void factorised_pair(int dimension, double beta, double shift,
                     const FactorisedExpansion& expansion, const FactorisedCell& rows,
                     const FactorisedCell& columns, const unsigned char* row_included,
                     const unsigned char* column_included, double* row_sums, double* column_sums,
                     FactorisedScratch& scratch);

}  // namespace attnflow::interaction

#pragma once
// The factorised pair kernel of the large-beta engine: kernel sums between two small cells A
// (rows) and B (columns) with centres c_A, c_B. Writing x_i = c_A + a_i, y_j = c_B + b_j,
//   e^{beta <x_i, y_j> - s} = F_i G_j e^{t_ij},  F_i = e^{beta <x_i, c_B> - s},
//   G_j = e^{beta <c_A, b_j>},  t_ij = beta <a_i, b_j>,
// exactly. |t_ij| <= T = beta rho_A rho_B (rho: the largest |a_i|, |b_j|) is small for cells of
// the kernel's width, so e^{t} is a polynomial of low degree (the interpolant at Chebyshev nodes
// of [-T_P, T_P], error below 2^-53 relative on it), and the n_A + n_B exponentials of F and G
// replace the n_A n_B of the direct kernel.
// One pass gives both directions: row i gains F_i sum_j e^{t_ij} w_j G_j (1, v_j) and column j
// gains G_j sum_i e^{t_ij} w_i F_i (1, v_i), which is what the large-beta engine needs when the
// targets are the sources.
//
// Bitwise rule: row partials sum the columns in 4 lanes (column j in lane j mod 4, lanes combined
// as (l0 + l1) + (l2 + l3)); column partials sum the rows in increasing row order; a partial is
// multiplied by F_i or G_j and added to the caller's running sum. Everything depends on the two
// cells' contents and order alone.
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

// Smallest supported degree P whose interval covers |t| <= T: T <= T_P, where T_P is the largest
// half-width with interpolation bound 2 (T/2)^{P+1} e^{2T} / (P+1)! <= 2^-53 (relative to the
// smallest value of e^t on the interval). 0 when T exceeds every T_P (T_18 = 1.83):
// use the direct kernel.
int factorised_degree(double bound);
// T_P, and the polynomial itself (for its accuracy test).
double factorised_half_width(int degree);
void factorised_polynomial(int degree, const double* t, double* result, std::size_t count);

class FactorisedScratch {
 public:
  std::vector<double> arguments, row_factors, column_factors, row_weights, column_weights,
      column_sums;
};

// Adds the pair's partials: rows (if row_sums) to row_sums[i * (1 + d) + q], columns (if
// column_sums) to column_sums[j * (1 + d) + q] (q = 0: normaliser, 1..d: numerator). Rows with
// row_included[i] == 0 take no part (neither as targets nor as sources). `degree` from
// factorised_degree(beta rho_A rho_B). For A == B pass the same cell twice and no column sums.
void factorised_pair(int dimension, double beta, double shift, int degree,
                     const FactorisedCell& rows, const FactorisedCell& columns,
                     const unsigned char* row_included, double* row_sums, double* column_sums,
                     FactorisedScratch& scratch);

}  // namespace attnflow::interaction

// Explicit 4-lane vectors (GCC vector extensions), as in direct_kernel.cpp: the lane of every
// column and the order of every sum are fixed by this code. Compiled with -ffp-contract=fast
// (deterministic: the contractions depend on the code, not on the data).
#include "interaction/factorised_kernel.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iterator>

#include "errors/errors.hpp"
#include "interaction/direct_kernel.hpp"

namespace attnflow::interaction {

namespace {

using Vec = double __attribute__((vector_size(32)));
constexpr int lanes = 4;
static_assert(lanes == kernel_lanes);

inline Vec broadcast(double x) { return Vec{x, x, x, x}; }
inline Vec load(const double* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, Vec v) { std::memcpy(p, &v, sizeof v); }
inline double lane_sum(Vec v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// Up to 18: beyond it the alternating terms for t < 0 round to more than ~2e-15 relative at
// full accuracy (measured at T_18 = 1.83: 2.2e-15; T_24 = 3.45 would give 3e-14). Every degree
// from 3 to 14 so that a pair pays for no more terms than its accuracy needs.
constexpr int degrees[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18};
// Accuracy tiers 2^{-53 + 4k}: a term at most a fraction f of the kernel's largest value, with an
// error budget b per term (relative to that value), needs only the relative accuracy b / f.
constexpr int tiers = 13;
constexpr int tier_step = 4;
constexpr double largest_half_width = 3.45;

// log of the interpolation bound for e^t on [-T, T] at the P + 1 Chebyshev nodes, relative to
// the smallest value e^{-T}: |e^t - p(t)| <= 2 (T/2)^{P+1} e^T / (P+1)!.
double log_relative_bound(int degree, double half_width) {
  return std::log(2.0) + (degree + 1) * std::log(half_width / 2) + 2 * half_width -
         std::lgamma(degree + 2.0);
}

FactorisedExpansion make_expansion(int degree, double accuracy) {
  FactorisedExpansion e;
  e.degree = degree;
  e.accuracy = accuracy;
  double low = 0, high = largest_half_width;
  for (int i = 0; i < 200; ++i) {
    const double middle = 0.5 * (low + high);
    (log_relative_bound(degree, middle) <= std::log(accuracy) ? low : high) = middle;
  }
  e.half_width = low;
  const int n = degree + 1;
  const long double pi = 3.141592653589793238462643383279502884L;
  std::vector<long double> chebyshev(n, 0.0L);
  for (int j = 0; j < n; ++j)
    for (int k = 0; k < n; ++k) {
      const long double angle = pi * (k + 0.5L) / n;
      chebyshev[j] += 2.0L / n * std::exp(static_cast<long double>(e.half_width) *
                                          std::cos(angle)) * std::cos(j * angle);
    }
  chebyshev[0] /= 2;
  // T_j(s) in monomials by T_{j+1} = 2 s T_j - T_{j-1}; then s = t / T.
  std::vector<std::vector<long double>> basis(n, std::vector<long double>(n, 0.0L));
  basis[0][0] = 1;
  if (n > 1) basis[1][1] = 1;
  for (int j = 1; j + 1 < n; ++j)
    for (int k = 0; k < n; ++k)
      basis[j + 1][k] = (k > 0 ? 2 * basis[j][k - 1] : 0.0L) - basis[j - 1][k];
  long double scale = 1;
  for (int k = 0; k < n; ++k) {
    long double sum = 0;
    for (int j = 0; j < n; ++j) sum += chebyshev[j] * basis[j][k];
    e.coefficients[k] = static_cast<double>(sum / scale);
    scale *= e.half_width;
  }
  return e;
}

// p(t) = E(t^2) + t O(t^2): two dependency chains of half the length.
template <int P>
inline Vec polynomial(Vec t, const Vec* c) {
  const Vec t2 = t * t;
  constexpr int top_even = P % 2 == 0 ? P : P - 1;
  constexpr int top_odd = P % 2 == 1 ? P : P - 1;
  Vec even = c[top_even];
  Vec odd = c[top_odd];
#pragma GCC unroll 18
  for (int k = top_even - 2; k >= 0; k -= 2) even = even * t2 + c[k];
#pragma GCC unroll 18
  for (int k = top_odd - 2; k >= 1; k -= 2) odd = odd * t2 + c[k];
  return even + t * odd;
}

// R rows at a time against all (padded) columns. D = 0: dimension at run time.
// Rows per pass: two share each column load (three or four measured no faster: the column
// sums then need more registers than AVX2 code has).
constexpr int R = 2;
template <int D, int P, bool Columns>
void pair_loop(int dimension, double beta, const FactorisedCell& rows, const FactorisedCell& columns,
               const unsigned char* included, FactorisedScratch& s, double* row_sums,
               const double* coefficients) {
  constexpr int max_d = D > 0 ? D : 64;
  Vec coefficient[P + 1];
  for (int k = 0; k <= P; ++k) coefficient[k] = broadcast(coefficients[k]);
  const int d = D > 0 ? D : dimension;
  const std::size_t padded = (columns.count + lanes - 1) / lanes * lanes;
  const std::size_t width = padded;  // stride of the scratch rows
  const double* __restrict b[max_d];
  for (int k = 0; k < d; ++k) b[k] = columns.offsets + k * columns.stride;
  const double* __restrict w = s.row_weights.data();
  double* __restrict c = s.column_sums.data();
  // The included rows, R at a time (a missing last row takes part with zero weights: adding +0
  // to a column sum leaves its bits unchanged, so the grouping of rows does not matter).
  std::vector<std::size_t>& packed = s.rows;
  packed.clear();
  for (std::size_t i = 0; i < rows.count; ++i)
    if (included[i]) packed.push_back(i);
  for (std::size_t g = 0; g < packed.size(); g += R) {
    bool use[R];
    std::size_t row[R];
    for (int a = 0; a < R; ++a) {
      use[a] = g + a < packed.size();
      row[a] = packed[use[a] ? g + a : g];
    }
    Vec alpha[R][max_d], u[R][max_d + 1], r[R][max_d + 1];
    for (int a = 0; a < R; ++a) {
      const std::size_t i = row[a];
      for (int k = 0; k < d; ++k)
        alpha[a][k] = broadcast(use[a] ? beta * rows.offsets[k * rows.stride + i] : 0.0);
      for (int q = 0; q <= d; ++q) {
        u[a][q] = broadcast(use[a] && Columns ? s.column_weights[i * (1 + d) + q] : 0.0);
        r[a][q] = broadcast(0.0);
      }
    }
    for (std::size_t j = 0; j < padded; j += lanes) {
      Vec bj[max_d];
      for (int k = 0; k < d; ++k) bj[k] = load(b[k] + j);
      Vec p[R];
      for (int a = 0; a < R; ++a) {
        Vec t = alpha[a][0] * bj[0];
        for (int k = 1; k < d; ++k) t = alpha[a][k] * bj[k] + t;
        p[a] = polynomial<P>(t, coefficient);
      }
      for (int q = 0; q <= d; ++q) {
        const Vec wq = load(w + q * width + j);
        for (int a = 0; a < R; ++a) r[a][q] = p[a] * wq + r[a][q];
        if constexpr (Columns) {
          Vec cq = load(c + q * width + j);
          for (int a = 0; a < R; ++a) cq = p[a] * u[a][q] + cq;
          store(c + q * width + j, cq);
        }
      }
    }
    for (int a = 0; a < R; ++a) {
      if (!use[a] || !row_sums) continue;
      const std::size_t i = row[a];
      const double factor = s.row_factors[i];
      for (int q = 0; q <= d; ++q) row_sums[i * (1 + d) + q] += factor * lane_sum(r[a][q]);
    }
  }
}

template <int D, bool Columns>
void dispatch_degree(const FactorisedExpansion& expansion, int dimension, double beta,
                     const FactorisedCell& rows, const FactorisedCell& columns,
                     const unsigned char* included, FactorisedScratch& s, double* row_sums) {
  const double* c = expansion.coefficients.data();
  auto run = [&](auto degree_tag) {
    constexpr int P = decltype(degree_tag)::value;
    pair_loop<D, P, Columns>(dimension, beta, rows, columns, included, s, row_sums, c);
  };
  switch (expansion.degree) {
    case 3: return run(std::integral_constant<int, 3>{});
    case 4: return run(std::integral_constant<int, 4>{});
    case 5: return run(std::integral_constant<int, 5>{});
    case 6: return run(std::integral_constant<int, 6>{});
    case 7: return run(std::integral_constant<int, 7>{});
    case 8: return run(std::integral_constant<int, 8>{});
    case 9: return run(std::integral_constant<int, 9>{});
    case 10: return run(std::integral_constant<int, 10>{});
    case 11: return run(std::integral_constant<int, 11>{});
    case 12: return run(std::integral_constant<int, 12>{});
    case 13: return run(std::integral_constant<int, 13>{});
    case 14: return run(std::integral_constant<int, 14>{});
    case 16: return run(std::integral_constant<int, 16>{});
    case 18: return run(std::integral_constant<int, 18>{});
    default:
      errors::ensure(false, "factorised kernel: unsupported degree " +
                                std::to_string(expansion.degree));
  }
}

}  // namespace

double FactorisedExpansion::operator()(double t) const {
  double sum = 0;  // Horner (the kernel splits even and odd parts: the same polynomial)
  for (int k = degree; k >= 0; --k) sum = sum * t + coefficients[k];
  return sum;
}

const std::vector<FactorisedExpansion>& factorised_expansions() {
  static const std::vector<FactorisedExpansion> table = [] {
    std::vector<FactorisedExpansion> all;
    for (int tier = 0; tier < tiers; ++tier)
      for (int p : degrees)
        all.push_back(make_expansion(p, std::ldexp(1.0, -53 + tier_step * tier)));
    return all;
  }();
  return table;
}

const FactorisedExpansion* factorised_expansion(double bound, double largest_term,
                                                double budget) {
  // The least accurate tier whose error on terms up to largest_term stays within the budget
  // (never finer than 2^-53: the full-accuracy tier).
  // 2^{-53 + 4k} <= needed exactly when -53 + 4k <= floor(log2(needed)), needed >= 2^-53. Called
  // once per cell pair: the tier is computed, and only its slice of the table (tier-major,
  // degrees ascending) is searched.
  const double needed = std::max(budget, 0x1p-53) / std::max(largest_term, 0x1p-1000);
  const int tier = std::min(tiers - 1, (std::ilogb(needed) + 53) / tier_step);
  constexpr std::size_t per_tier = std::size(degrees);
  const auto& table = factorised_expansions();
  for (std::size_t p = 0; p < per_tier; ++p) {
    const FactorisedExpansion& e = table[static_cast<std::size_t>(tier) * per_tier + p];
    if (bound <= e.half_width) return &e;
  }
  return nullptr;
}

void factorised_pair(int dimension, double beta, double shift,
                     const FactorisedExpansion& expansion, const FactorisedCell& rows,
                     const FactorisedCell& columns, const unsigned char* row_included,
                     const unsigned char* column_included, double* row_sums, double* column_sums,
                     FactorisedScratch& s) {
  const int d = dimension;
  // The included columns, packed (in their order) and padded to whole lanes with zero offsets
  // and weights: a column's lane is its position among the included ones.
  s.columns.clear();
  for (std::size_t j = 0; j < columns.count; ++j)
    if (!column_included || column_included[j]) s.columns.push_back(j);
  const std::size_t count = s.columns.size();
  if (count == 0) return;
  const std::size_t padded = (count + lanes - 1) / lanes * lanes;
  // All columns included: the cell's own offsets serve (its padding is zero); otherwise the
  // included ones are copied into a packed block.
  const bool all_columns = count == columns.count;
  const double* offsets = columns.offsets;
  std::size_t offset_stride = columns.stride;
  if (!all_columns) {
    s.column_offsets.assign(d * padded, 0.0);
    for (int k = 0; k < d; ++k)
      for (std::size_t p = 0; p < count; ++p)
        s.column_offsets[k * padded + p] = columns.offsets[k * columns.stride + s.columns[p]];
    offsets = s.column_offsets.data();
    offset_stride = padded;
  }
  // F_i = e^{beta <x_i, c_B> - shift} and G_p = e^{beta <c_A, b_p>} (padding: b = 0, G = 1).
  // Loops over the points innermost (they vectorise); the sums over k run in the same order for
  // every point.
  std::vector<double>& arguments = s.arguments;
  arguments.assign(std::max(rows.count, padded), 0.0);
  for (int k = 0; k < d; ++k) {
    const double* __restrict x = rows.positions + k * rows.stride;
    const double centre = columns.centre[k];
    for (std::size_t i = 0; i < rows.count; ++i) arguments[i] += x[i] * centre;
  }
  for (std::size_t i = 0; i < rows.count; ++i) arguments[i] = beta * arguments[i] - shift;
  s.row_factors.resize(rows.count);
  kernel_exp(arguments.data(), s.row_factors.data(), rows.count);
  std::fill(arguments.begin(), arguments.begin() + padded, 0.0);
  for (int k = 0; k < d; ++k) {
    const double* __restrict b = offsets + k * offset_stride;
    const double centre = rows.centre[k];
    for (std::size_t p = 0; p < padded; ++p) arguments[p] += centre * b[p];
  }
  for (std::size_t p = 0; p < padded; ++p) arguments[p] *= beta;
  s.column_factors.resize(padded);
  kernel_exp(arguments.data(), s.column_factors.data(), padded);
  // Row side weights w_p G_p (1, v_p); column side w_i F_i (1, v_i) (zero for excluded rows).
  s.row_weights.assign((1 + d) * padded, 0.0);
  for (std::size_t p = 0; p < count; ++p) {
    const std::size_t j = s.columns[p];
    const double weight = columns.weights[j] * s.column_factors[p];
    s.row_weights[p] = weight;
    for (int k = 0; k < d; ++k)
      s.row_weights[(1 + k) * padded + p] = weight * columns.values[k * columns.stride + j];
  }
  const bool with_columns = column_sums != nullptr;
  if (with_columns) {
    s.column_weights.resize((1 + d) * rows.count);
    for (std::size_t i = 0; i < rows.count; ++i) {
      const double weight = row_included[i] ? rows.weights[i] * s.row_factors[i] : 0.0;
      s.column_weights[i * (1 + d)] = weight;
      for (int k = 0; k < d; ++k)
        s.column_weights[i * (1 + d) + 1 + k] = weight * rows.values[k * rows.stride + i];
    }
    s.column_sums.assign((1 + d) * padded, 0.0);
  }
  FactorisedCell packed = columns;
  packed.count = count;
  packed.stride = offset_stride;
  packed.offsets = offsets;
  auto run = [&](auto dimension_tag) {
    constexpr int D = decltype(dimension_tag)::value;
    if (with_columns)
      dispatch_degree<D, true>(expansion, d, beta, rows, packed, row_included, s, row_sums);
    else
      dispatch_degree<D, false>(expansion, d, beta, rows, packed, row_included, s, row_sums);
  };
  if (d == 2)
    run(std::integral_constant<int, 2>{});
  else if (d == 3)
    run(std::integral_constant<int, 3>{});
  else
    run(std::integral_constant<int, 0>{});
  if (!with_columns) return;
  for (std::size_t p = 0; p < count; ++p) {
    const double factor = s.column_factors[p];
    double* sum = column_sums + s.columns[p] * (1 + d);
    for (int q = 0; q <= d; ++q) sum[q] += factor * s.column_sums[q * padded + p];
  }
}

}  // namespace attnflow::interaction

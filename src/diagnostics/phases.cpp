#include "diagnostics/phases.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "errors/errors.hpp"
#include "parallel/exact_sum.hpp"
#include "parallel/partition.hpp"

namespace attnflow::diagnostics {

namespace {

using Dense = std::vector<double>;

Dense multiply(const Dense& a, const Dense& b, int n) {
  Dense c(std::size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double aik = a[i * n + k];
      if (aik == 0) continue;
      for (int j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  return c;
}

Dense identity(int n) {
  Dense c(std::size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) c[i * n + i] = 1.0;
  return c;
}

double max_abs(const Dense& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}

// Reduction to upper Hessenberg form by stabilised elementary similarity transformations
// (Wilkinson; Numerical Recipes' elmhes), then the entries below the subdiagonal are cleared.
void to_hessenberg(Dense& a, int n) {
  auto at = [&](int i, int j) -> double& { return a[std::size_t(i) * n + j]; };
  for (int m = 1; m < n - 1; ++m) {
    double pivot = 0;
    int row = m;
    for (int j = m; j < n; ++j)
      if (std::abs(at(j, m - 1)) > std::abs(pivot)) {
        pivot = at(j, m - 1);
        row = j;
      }
    if (row != m) {
      for (int j = m - 1; j < n; ++j) std::swap(at(row, j), at(m, j));
      for (int j = 0; j < n; ++j) std::swap(at(j, row), at(j, m));
    }
    if (pivot != 0)
      for (int i = m + 1; i < n; ++i) {
        double y = at(i, m - 1);
        if (y == 0) continue;
        y /= pivot;
        at(i, m - 1) = y;
        for (int j = m; j < n; ++j) at(i, j) -= y * at(m, j);
        for (int j = 0; j < n; ++j) at(j, m) += y * at(j, i);
      }
  }
  for (int i = 2; i < n; ++i)
    for (int j = 0; j < i - 1; ++j) at(i, j) = 0;
}

// Eigenvalues of an upper Hessenberg matrix by the Francis double-shift QR iteration with
// deflation (Numerical Recipes' hqr, written here with 1-based indices as there).
std::vector<std::complex<double>> hessenberg_eigenvalues(Dense h, int n) {
  auto a = [&](int i, int j) -> double& { return h[std::size_t(i - 1) * n + (j - 1)]; };
  auto sign = [](double magnitude, double s) { return s >= 0 ? std::abs(magnitude) : -std::abs(magnitude); };
  std::vector<double> wr(n + 1, 0.0), wi(n + 1, 0.0);
  double anorm = 0;
  for (int i = 1; i <= n; ++i)
    for (int j = std::max(i - 1, 1); j <= n; ++j) anorm += std::abs(a(i, j));
  int nn = n, l = 1;
  double t = 0, p = 0, q = 0, r = 0, s = 0, w = 0, x = 0, y = 0, z = 0;
  while (nn >= 1) {
    int its = 0;
    do {
      for (l = nn; l >= 2; --l) {
        s = std::abs(a(l - 1, l - 1)) + std::abs(a(l, l));
        if (s == 0.0) s = anorm;
        if (std::abs(a(l, l - 1)) + s == s) {
          a(l, l - 1) = 0.0;
          break;
        }
      }
      x = a(nn, nn);
      if (l == nn) {
        wr[nn] = x + t;
        wi[nn--] = 0.0;
      } else {
        y = a(nn - 1, nn - 1);
        w = a(nn, nn - 1) * a(nn - 1, nn);
        if (l == nn - 1) {
          p = 0.5 * (y - x);
          q = p * p + w;
          z = std::sqrt(std::abs(q));
          x += t;
          if (q >= 0.0) {
            z = p + sign(z, p);
            wr[nn - 1] = wr[nn] = x + z;
            if (z != 0) wr[nn] = x - w / z;
            wi[nn - 1] = wi[nn] = 0.0;
          } else {
            wr[nn - 1] = wr[nn] = x + p;
            wi[nn - 1] = -(wi[nn] = z);
          }
          nn -= 2;
        } else {
          errors::ensure(its < 60, "eigenvalues: the QR iteration did not converge");
          if (its == 10 || its == 20 || its == 40) {  // exceptional shifts
            t += x;
            for (int i = 1; i <= nn; ++i) a(i, i) -= x;
            s = std::abs(a(nn, nn - 1)) + std::abs(a(nn - 1, nn - 2));
            y = x = 0.75 * s;
            w = -0.4375 * s * s;
          }
          ++its;
          int m = nn - 2;
          for (; m >= l; --m) {
            z = a(m, m);
            r = x - z;
            s = y - z;
            p = (r * s - w) / a(m + 1, m) + a(m, m + 1);
            q = a(m + 1, m + 1) - z - r - s;
            r = a(m + 2, m + 1);
            s = std::abs(p) + std::abs(q) + std::abs(r);
            p /= s;
            q /= s;
            r /= s;
            if (m == l) break;
            const double u = std::abs(a(m, m - 1)) * (std::abs(q) + std::abs(r));
            const double v =
                std::abs(p) * (std::abs(a(m - 1, m - 1)) + std::abs(z) + std::abs(a(m + 1, m + 1)));
            if (u + v == v) break;
          }
          for (int i = m + 2; i <= nn; ++i) {
            a(i, i - 2) = 0.0;
            if (i != m + 2) a(i, i - 3) = 0.0;
          }
          for (int k = m; k <= nn - 1; ++k) {
            if (k != m) {
              p = a(k, k - 1);
              q = a(k + 1, k - 1);
              r = 0.0;
              if (k != nn - 1) r = a(k + 2, k - 1);
              if ((x = std::abs(p) + std::abs(q) + std::abs(r)) != 0.0) {
                p /= x;
                q /= x;
                r /= x;
              }
            }
            if ((s = sign(std::sqrt(p * p + q * q + r * r), p)) != 0.0) {
              if (k == m) {
                if (l != m) a(k, k - 1) = -a(k, k - 1);
              } else {
                a(k, k - 1) = -s * x;
              }
              p += s;
              x = p / s;
              y = q / s;
              z = r / s;
              q /= p;
              r /= p;
              for (int j = k; j <= nn; ++j) {
                p = a(k, j) + q * a(k + 1, j);
                if (k != nn - 1) {
                  p += r * a(k + 2, j);
                  a(k + 2, j) -= p * z;
                }
                a(k + 1, j) -= p * y;
                a(k, j) -= p * x;
              }
              const int last = std::min(nn, k + 3);
              for (int i = l; i <= last; ++i) {
                p = x * a(i, k) + y * a(i, k + 1);
                if (k != nn - 1) {
                  p += z * a(i, k + 2);
                  a(i, k + 2) -= p * r;
                }
                a(i, k + 1) -= p * q;
                a(i, k) -= p;
              }
            }
          }
        }
      }
    } while (l < nn - 1);
  }
  std::vector<std::complex<double>> values;
  for (int i = 1; i <= n; ++i) values.emplace_back(wr[i], wi[i]);
  return values;
}

}  // namespace

std::vector<std::complex<double>> eigenvalues(std::vector<double> matrix, int n) {
  errors::ensure(n >= 1 && matrix.size() == std::size_t(n) * n, "eigenvalues: not n x n");
  to_hessenberg(matrix, n);
  auto values = hessenberg_eigenvalues(std::move(matrix), n);
  std::sort(values.begin(), values.end(), [](auto a, auto b) {
    return a.real() != b.real() ? a.real() > b.real() : a.imag() > b.imag();
  });
  return values;
}

std::vector<double> singular_values(std::vector<double> a, int n, std::vector<double>* right) {
  errors::ensure(n >= 1 && a.size() == std::size_t(n) * n, "singular_values: not n x n");
  Dense v = identity(n);
  // One-sided Jacobi (Hestenes): rotate column pairs of A V until they are orthogonal; the
  // column norms are then the singular values and V holds the right singular vectors.
  const double epsilon = std::numeric_limits<double>::epsilon();
  for (int sweep = 0; sweep < 100; ++sweep) {
    bool rotated = false;
    for (int p = 0; p < n - 1; ++p)
      for (int q = p + 1; q < n; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (int i = 0; i < n; ++i) {
          alpha += a[i * n + p] * a[i * n + p];
          beta += a[i * n + q] * a[i * n + q];
          gamma += a[i * n + p] * a[i * n + q];
        }
        if (std::abs(gamma) <= epsilon * std::sqrt(alpha * beta) || gamma == 0) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::abs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t), s = c * t;
        for (int i = 0; i < n; ++i) {
          const double ap = a[i * n + p], aq = a[i * n + q];
          a[i * n + p] = c * ap - s * aq;
          a[i * n + q] = s * ap + c * aq;
          const double vp = v[i * n + p], vq = v[i * n + q];
          v[i * n + p] = c * vp - s * vq;
          v[i * n + q] = s * vp + c * vq;
        }
      }
    if (!rotated) break;
  }
  std::vector<double> sigma(n);
  for (int j = 0; j < n; ++j) {
    double square = 0;
    for (int i = 0; i < n; ++i) square += a[i * n + j] * a[i * n + j];
    sigma[j] = std::sqrt(square);
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return sigma[i] > sigma[j]; });
  std::vector<double> sorted(n);
  if (right) right->assign(std::size_t(n) * n, 0.0);
  for (int j = 0; j < n; ++j) {
    sorted[j] = sigma[order[j]];
    if (right)
      for (int i = 0; i < n; ++i) (*right)[i * n + j] = v[i * n + order[j]];
  }
  return sorted;
}

std::vector<double> matrix_exponential(const std::vector<double>& matrix, int n, double t) {
  Dense b(matrix);
  for (double& x : b) x *= t;
  double norm = 0;  // infinity norm
  for (int i = 0; i < n; ++i) {
    double row = 0;
    for (int j = 0; j < n; ++j) row += std::abs(b[i * n + j]);
    norm = std::max(norm, row);
  }
  errors::ensure(std::isfinite(norm), "matrix_exponential: not finite");
  // Scale to norm <= 1/2; Taylor to degree 18 there leaves a remainder below 1e-22.
  const int squarings = norm > 0.5 ? static_cast<int>(std::ceil(std::log2(norm / 0.5))) : 0;
  for (double& x : b) x = std::ldexp(x, -squarings);
  Dense result = identity(n), term = identity(n);
  for (int k = 1; k <= 18; ++k) {
    term = multiply(term, b, n);
    for (double& x : term) x /= k;
    for (std::size_t i = 0; i < result.size(); ++i) result[i] += term[i];
  }
  for (int s = 0; s < squarings; ++s) result = multiply(result, result, n);
  return result;
}

LeadingEigenspace leading_eigenspace(const model::Matrix& m) {
  const int d = m.dimension;
  const auto values = eigenvalues(m.entries, d);
  const double scale = std::max(1.0, max_abs(m.entries));
  LeadingEigenspace space;
  space.real_part = values.front().real();
  // p(M): one factor per leading eigenvalue (real) or conjugate pair (Im > 0), each normalised
  // to unit largest entry (the null space is what matters, not the size).
  Dense p = identity(d);
  for (const auto& lambda : values) {
    if (lambda.real() < space.real_part - leading_tolerance * scale) break;
    ++space.dimension;
    space.imaginary_part = std::max(space.imaginary_part, std::abs(lambda.imag()));
    if (lambda.imag() < 0) continue;  // the pair's quadratic factor came with Im > 0
    Dense factor;
    if (lambda.imag() == 0) {
      factor = m.entries;
      for (int i = 0; i < d; ++i) factor[i * d + i] -= lambda.real();
    } else {
      // M^2 - 2 Re(lambda) M + |lambda|^2
      factor = multiply(m.entries, m.entries, d);
      for (std::size_t i = 0; i < factor.size(); ++i) factor[i] -= 2 * lambda.real() * m.entries[i];
      for (int i = 0; i < d; ++i) factor[i * d + i] += std::norm(lambda);
    }
    p = multiply(p, factor, d);
    const double size = max_abs(p);
    if (size > 0)
      for (double& x : p) x /= size;
  }
  if (space.dimension == d) p.assign(p.size(), 0.0);  // E is everything
  Dense right;
  singular_values(p, d, &right);
  const int k = space.dimension;
  space.basis.assign(std::size_t(d) * k, 0.0);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < k; ++j) space.basis[i * k + j] = right[i * d + (d - k + j)];
  if (k == 2) {
    // Orientation: <u_2, M u_1> >= <u_1, M u_2>.
    double forward = 0, backward = 0;
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) {
        forward += space.basis[i * 2 + 1] * m(i, j) * space.basis[j * 2 + 0];
        backward += space.basis[i * 2 + 0] * m(i, j) * space.basis[j * 2 + 1];
      }
    if (forward < backward)
      for (int i = 0; i < d; ++i) space.basis[i * 2 + 1] = -space.basis[i * 2 + 1];
  }
  return space;
}

model::Matrix alignment_matrix(const model::Model& model) {
  const int d = model.dimension;
  const auto key_query = model::transpose_times(model.key, model.query);
  return model::Matrix{d, multiply(model.value.entries, key_query.entries, d)};
}

PhaseObservables::PhaseObservables(const model::Model& model)
    : dimension_(model.dimension), matrix_(alignment_matrix(model)),
      space_(leading_eigenspace(matrix_)) {
  const int d = dimension_;
  // K^T Q = c R with R orthogonal  <=>  (K^T Q)^T (K^T Q) = c^2 I.
  const auto key_query = model::transpose_times(model.key, model.query);
  const auto gram = model::transpose_times(key_query, key_query);
  double trace = 0;
  for (int i = 0; i < d; ++i) trace += gram(i, i);
  const double c2 = trace / d;
  bool conformal = c2 > 0;
  for (int i = 0; i < d && conformal; ++i)
    for (int j = 0; j < d; ++j)
      if (std::abs(gram(i, j) - (i == j ? c2 : 0.0)) > 1e-12 * c2) conformal = false;
  clock_ = std::sqrt(c2);
  predicts_ = conformal && model.attention == model::Attention::softmax &&
              model.attention_sign == 1 && !model.has_mlp() && !model.causal;
}

std::vector<std::string> PhaseObservables::column_names(int dimension) {
  std::vector<std::string> names;
  for (int j = 1; j <= dimension; ++j)
    names.push_back("second_moment_eigenvalue_" + std::to_string(j));
  for (const char* name : {"leading_mass_fraction", "alignment_angle_mean", "alignment_angle_max",
                           "rotation_rate"})
    names.push_back(name);
  return names;
}

std::vector<std::string> PhaseObservables::density_column_names(int dimension) {
  std::vector<std::string> names;
  for (int j = 1; j <= dimension; ++j)
    names.push_back("second_moment_eigenvalue_" + std::to_string(j));
  for (const char* name : {"leading_mass_fraction", "rotation_rate"}) names.push_back(name);
  return names;
}

void PhaseObservables::add_weighted_sums(const WeightedPoints& points,
                                         parallel::ExactSums& sums) const {
  const int d = dimension_, k = space_.dimension;
  const std::size_t count = points.positions.size() / std::size_t(d);
  const bool rotation = needs_velocity();
  const bool weighted = !points.weights.empty();
  errors::ensure(points.positions.size() == count * std::size_t(d) &&
                     (!weighted || points.weights.size() == count),
                 "phase observables: the weights do not match the points");
  errors::ensure(!rotation || points.velocity.size() == points.positions.size(),
                 "phase observables: the velocity block does not match the tokens");
  // Sums: M2's upper triangle, sum w |P_E x|^2, the angular momentum on E, sum w. A weight of 1
  // multiplies exactly, so unweighted points give the bits of the unweighted sums.
  const std::size_t triangle = std::size_t(d) * (d + 1) / 2;
  const std::size_t mass = triangle, momentum = triangle + 1, total_weight = triangle + 2;
  std::vector<double> projected(k);
  for (std::size_t i = 0; i < count; ++i) {
    const double* x = points.positions.data() + i * d;
    const double w = weighted ? points.weights[i] : 1.0;
    std::size_t entry = 0;
    for (int a = 0; a < d; ++a)
      for (int b = a; b < d; ++b) sums.add(entry++, w * (x[a] * x[b]));
    double in_space = 0;
    for (int j = 0; j < k; ++j) {
      projected[j] = 0;
      for (int a = 0; a < d; ++a) projected[j] += space_.basis[a * k + j] * x[a];
      in_space += projected[j] * projected[j];
    }
    sums.add(mass, w * in_space);
    if (rotation) {
      const double* v = points.velocity.data() + i * d;
      double v1 = 0, v2 = 0;
      for (int a = 0; a < d; ++a) {
        v1 += space_.basis[a * 2 + 0] * v[a];
        v2 += space_.basis[a * 2 + 1] * v[a];
      }
      sums.add(momentum, w * (projected[0] * v2 - projected[1] * v1));
    }
    sums.add(total_weight, w);
  }
}

std::vector<double> PhaseObservables::weighted_values(const std::vector<double>& total) const {
  const int d = dimension_;
  const std::size_t triangle = std::size_t(d) * (d + 1) / 2;
  const std::size_t mass = triangle, momentum = triangle + 1, total_weight = triangle + 2;
  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  const double weight = total[total_weight];
  Dense second(std::size_t(d) * d);
  std::size_t entry = 0;
  for (int a = 0; a < d; ++a)
    for (int b = a; b < d; ++b) second[a * d + b] = second[b * d + a] = total[entry++] / weight;
  std::vector<double> values;
  bool finite = true;
  for (double v : second) finite = finite && std::isfinite(v);
  if (finite)
    values = singular_values(second, d);
  else
    values.assign(d, not_computed);
  const double inertia = total[mass];
  values.push_back(inertia / weight);
  values.push_back(needs_velocity() && inertia > 0 ? total[momentum] / inertia : not_computed);
  return values;
}

std::vector<double> PhaseObservables::row(const WeightedPoints& points, MPI_Comm comm) const {
  parallel::ExactSums sums(weighted_sum_count(dimension_));
  add_weighted_sums(points, sums);
  return weighted_values(sums.reduce(comm));
}

std::vector<double> PhaseObservables::row(const particles::State& state,
                                          std::span<const double> velocity) const {
  const int d = dimension_;
  const std::int64_t count = state.partition.count, n = state.partition.global_count;
  const double not_computed = std::numeric_limits<double>::quiet_NaN();
  const bool alignment = predicts_ && initial_.size() == state.positions.size();

  // The weighted sums with weight 1, then the angles' sum, in one allreduce.
  const std::size_t angles = weighted_sum_count(d);
  parallel::ExactSums sums(angles + 1);
  add_weighted_sums({state.positions, {}, velocity}, sums);
  Dense propagator;
  if (alignment) {
    Dense shifted = matrix_.entries;
    for (int i = 0; i < d; ++i) shifted[i * d + i] -= space_.real_part;
    propagator = matrix_exponential(shifted, d, state.time / clock_);
  }
  double largest_angle = alignment ? 0.0 : not_computed;
  std::vector<double> predicted(d);
  for (std::int64_t i = 0; alignment && i < count; ++i) {
    const double* x = state.positions.data() + i * d;
    const double* x0 = initial_.data() + i * d;
    double norm = 0;
    for (int a = 0; a < d; ++a) {
      predicted[a] = 0;
      for (int b = 0; b < d; ++b) predicted[a] += propagator[a * d + b] * x0[b];
      norm += predicted[a] * predicted[a];
    }
    norm = std::sqrt(norm);
    // The angle as 2 atan2(|x - y|, |x + y|): accurate near 0 and near pi.
    double minus = 0, plus = 0;
    for (int a = 0; a < d; ++a) {
      const double y = predicted[a] / norm;
      minus += (x[a] - y) * (x[a] - y);
      plus += (x[a] + y) * (x[a] + y);
    }
    const double angle = 2 * std::atan2(std::sqrt(minus), std::sqrt(plus));
    sums.add(angles, angle);
    largest_angle = std::max(largest_angle, angle);  // NaN stays out; a NaN angle poisons the sum
  }
  const auto total = sums.reduce(state.comm);
  if (alignment)
    parallel::check_mpi(
        MPI_Allreduce(MPI_IN_PLACE, &largest_angle, 1, MPI_DOUBLE, MPI_MAX, state.comm),
        "MPI_Allreduce(alignment angle)");

  // second_moment_eigenvalue_1..d, leading_mass_fraction, then the angles, then rotation_rate.
  auto row = weighted_values(total);
  const double rotation = row.back();
  row.pop_back();
  row.push_back(alignment ? total[angles] / double(n) : not_computed);
  row.push_back(alignment ? largest_angle : not_computed);
  row.push_back(rotation);
  return row;
}

}  // namespace attnflow::diagnostics

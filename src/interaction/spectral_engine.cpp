#include "interaction/spectral_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "simd/lanes.hpp"
#include "theory/bessel.hpp"
#include "text/number_format.hpp"

namespace attnflow::interaction {

using parallel::check_mpi;
using parallel::Section;
using simd::load4;
using simd::splat;
using simd::store4;
using simd::Vec4;

SpectralTruncation spectral_truncation(int dimension, double beta, double tolerance,
                                       int max_degree) {
  // Terms of the kernel's expansion at <x, y> = 1, where it sums to e^{beta - beta} = 1:
  // circle t_0 = e^{-beta} I_0, t_k = 2 e^{-beta} I_k; S^2 t_l = (2l+1) e^{-beta} i_l with
  // i_l(beta) = sqrt(pi / (2 beta)) I_{l+1/2}(beta). |cos(k psi)| <= 1 and |P_l| <= 1 make the
  // dropped terms' sum a bound on the kernel error everywhere.
  const bool circle = dimension == 2;
  auto log_term = [&](int k) {
    if (circle) return theory::log_bessel_i(k, beta) - beta + (k > 0 ? std::log(2.0) : 0.0);
    return std::log(2.0 * k + 1) + 0.5 * std::log(std::numbers::pi / (2 * beta)) +
           theory::log_bessel_i(k + 0.5, beta) - beta;
  };
  // Terms decrease in k; go until they are 1e-30 of the tolerance, then bound the rest by a
  // geometric series with the last (decreasing) ratio.
  std::vector<double> terms;
  const int hard_limit = 4 * max_degree + 64;
  for (int k = 0;; ++k) {
    terms.push_back(std::exp(log_term(k)));
    if (k > beta && terms.back() < 1e-30 * tolerance) break;
    errors::require(k < hard_limit, "--engine-tolerance: " + std::to_string(tolerance) +
                                        " needs a spectral degree above " +
                                        std::to_string(max_degree) +
                                        " at beta = " + std::to_string(beta));
  }
  const std::size_t last = terms.size() - 1;
  // At large beta the last terms underflow to 0 (e.g. e^{-k^2 / (2 beta)} near k = beta = 1e4):
  // 0 / 0 would make the tail NaN and keep the degree at its search limit.
  const double ratio = terms[last - 1] > 0 ? terms[last] / terms[last - 1] : 0.0;
  double tail = terms[last] * ratio / (1 - ratio);
  int degree = static_cast<int>(last);
  // tail(L) = sum_{k > L} t_k: lower L while the tail stays within the tolerance.
  while (degree > 0 && tail + terms[degree] <= tolerance) {
    tail += terms[degree];
    --degree;
  }
  errors::require(degree <= max_degree,
                  "--engine-tolerance: " + std::to_string(tolerance) + " needs spectral degree " +
                      std::to_string(degree) + " > " + std::to_string(max_degree) +
                      " at beta = " + std::to_string(beta) + "; accepted: a larger tolerance");
  SpectralTruncation t;
  t.degree = degree;
  t.tail_bound = tail;
  for (int k = 0; k <= degree; ++k) {
    // circle: e^{-beta} I_k (the factor 2 is applied in the sums); S^2: 4 pi e^{-beta} i_l.
    t.coefficients.push_back(circle ? std::exp(log_term(k) - (k > 0 ? std::log(2.0) : 0.0))
                                    : 4 * std::numbers::pi * terms[k] / (2.0 * k + 1));
  }
  return t;
}

SpectralEngine::SpectralEngine(const Kernel& kernel, MPI_Comm comm, double tolerance)
    : kernel_(kernel), comm_(comm) {
  const std::string accepted =
      "accepted: dimension 2 (circle) or 3 (S^2), query = key = identity, no causal mask";
  errors::require(kernel.dimension == 2 || kernel.dimension == 3,
                  "--engine spectral: dimension " + std::to_string(kernel.dimension) +
                      " is not supported; " + accepted);
  errors::require(kernel.identity_query_key(),
                  "--engine spectral: query and key must be the identity; " + accepted);
  errors::require(!kernel.causal,
                  "--engine spectral: the causal mask is not supported; " + accepted);
  errors::require(kernel.beta > 0 && std::isfinite(kernel.beta),
                  "--engine spectral: beta must be positive and finite");
  errors::require(tolerance >= 1e-14 && tolerance <= 0.5,
                  "--engine-tolerance: " + std::to_string(tolerance) +
                      " is outside the accepted range [1e-14, 0.5]");
  truncation_ = spectral_truncation(kernel.dimension, kernel.beta, tolerance);
  if (kernel.dimension == 3) harmonics_ = domain::SphericalHarmonics(truncation_.degree);
  scale_ = std::exp(kernel.beta - kernel.constant_shift);
}

void SpectralEngine::evaluate(std::span<const double> targets, std::span<const double> sources,
                              std::span<const double> weights, KernelSums& sums) {
  {
    parallel::Timers::Scope scope(timers_, Section::compute);
    if (kernel_.dimension == 2)
      circle_moments(sources, weights);
    else
      sphere_moments(sources, weights);
  }
  double source_count = static_cast<double>(weights.size());
  {
    parallel::Timers::Scope scope(timers_, Section::communication);
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, moments_.data(), static_cast<int>(moments_.size()),
                            MPI_DOUBLE, MPI_SUM, comm_),
              "MPI_Allreduce(spectral moments)");
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, &source_count, 1, MPI_DOUBLE, MPI_SUM, comm_),
              "MPI_Allreduce(source count)");
  }
  parallel::Timers::Scope scope(timers_, Section::compute);
  if (kernel_.dimension == 2)
    circle_sums(targets, sums);
  else
    sphere_sums(targets, sums);
  const int d = kernel_.dimension;
  if (!kernel_.value.is_identity()) {
    const std::size_t count = sums.normaliser.size();
    for (std::size_t i = 0; i < count; ++i) {
      double row[3];
      for (int r = 0; r < d; ++r) {
        row[r] = 0;
        for (int c = 0; c < d; ++c) row[r] += kernel_.value(r, c) * sums.numerator[i * d + c];
      }
      for (int r = 0; r < d; ++r) sums.numerator[i * d + r] = row[r];
    }
  }
  pairs_ = static_cast<double>(targets.size() / d) * source_count;
}

// Circle moments M_m = sum_j w_j z_j^m, z_j = x_j0 + i x_j1, m = 0..L+1 (the numerator needs
// M_{1-k}): layout [Re M_0..M_{L+1}, Im M_0..M_{L+1}].
void SpectralEngine::circle_moments(std::span<const double> sources,
                                    std::span<const double> weights) {
  const int count = truncation_.degree + 2;
  moments_.assign(2 * count, 0.0);
  double* re = moments_.data();
  double* im = moments_.data() + count;
  for (std::size_t j = 0; j < weights.size(); ++j) {
    const double zr = sources[2 * j], zi = sources[2 * j + 1];
    double pr = weights[j], pi = 0;
    for (int m = 0; m < count; ++m) {
      re[m] += pr;
      im[m] += pi;
      const double next = pr * zr - pi * zi;
      pi = pr * zi + pi * zr;
      pr = next;
    }
  }
}

// Z_i = c_0 M_0 + 2 sum_{k=1}^L c_k Re(z_i^k conj M_k);
// C_i = sum_j w_j K(t_i - t_j) z_j = sum_{k=1}^L c_k z_i^k conj M_{k-1} + sum_{m=0}^L c_m
// conj(z_i)^m M_{m+1}.
void SpectralEngine::circle_sums(std::span<const double> targets, KernelSums& sums) const {
  const int degree = truncation_.degree;
  const int count = degree + 2;
  const double* re = moments_.data();
  const double* im = moments_.data() + count;
  const double* c = truncation_.coefficients.data();
  const std::size_t target_count = targets.size() / 2;
  sums.numerator.resize(target_count * 2);
  sums.normaliser.resize(target_count);
  for (std::size_t i = 0; i < target_count; ++i) {
    const double zr = targets[2 * i], zi = targets[2 * i + 1];
    double pr = 1, pi = 0;  // z_i^k
    double z = c[0] * re[0], cr = c[0] * re[1], ci = c[0] * im[1];
    for (int k = 1; k <= degree; ++k) {
      const double next = pr * zr - pi * zi;
      pi = pr * zi + pi * zr;
      pr = next;
      z += 2 * c[k] * (pr * re[k] + pi * im[k]);
      // z^k conj(M_{k-1}) + conj(z^k) M_{k+1}
      cr += c[k] * ((pr * re[k - 1] + pi * im[k - 1]) + (pr * re[k + 1] + pi * im[k + 1]));
      ci += c[k] * ((pi * re[k - 1] - pr * im[k - 1]) + (pr * im[k + 1] - pi * re[k + 1]));
    }
    sums.normaliser[i] = scale_ * z;
    sums.numerator[2 * i] = scale_ * cr;
    sums.numerator[2 * i + 1] = scale_ * ci;
  }
}

// S^2 moments A_lm = sum_j w_j Y_lm(x_j), B^k_lm = sum_j w_j x_jk Y_lm(x_j):
// layout [A, B^0, B^1, B^2], (L+1)^2 each.
void SpectralEngine::sphere_moments(std::span<const double> sources,
                                    std::span<const double> weights) {
  constexpr int B = domain::SphericalHarmonics::batch;
  const std::size_t size = harmonics_.size();
  // Lane-wise partial moments (index (q * size + s) * B + b), summed over the lanes at the end.
  std::vector<double> lanes(4 * size * B, 0.0);
  basis_.resize(size * B);
  double* __restrict moment = lanes.data();
  const double* __restrict y = basis_.data();
  const std::size_t count = weights.size();
  for (std::size_t j0 = 0; j0 < count; j0 += B) {
    double x[3 * B], w[4][B];
    for (int b = 0; b < B; ++b) {
      // Padding points repeat the last source with weight 0.
      const std::size_t j = std::min(j0 + b, count - 1);
      const double weight = j0 + b < count ? weights[j] : 0.0;
      for (int k = 0; k < 3; ++k) x[3 * b + k] = sources[3 * j + k];
      w[0][b] = weight;
      for (int k = 0; k < 3; ++k) w[1 + k][b] = weight * sources[3 * j + k];
    }
    harmonics_.evaluate_batch(x, basis_.data());
    for (int q = 0; q < 4; ++q) {
      double* __restrict mq = moment + q * size * B;
      const Vec4 wq = load4(w[q]);
      for (std::size_t s = 0; s < size; ++s)
        store4(mq + s * B, load4(mq + s * B) + wq * load4(y + s * B));
    }
  }
  moments_.assign(4 * size, 0.0);
  for (std::size_t s = 0; s < 4 * size; ++s)
    moments_[s] = (lanes[s * B] + lanes[s * B + 1]) + (lanes[s * B + 2] + lanes[s * B + 3]);
}

// Z_i = sum_lm lambda_l Y_lm(x_i) A_lm, P^k_i = sum_lm lambda_l Y_lm(x_i) B^k_lm.
void SpectralEngine::sphere_sums(std::span<const double> targets, KernelSums& sums) const {
  const int degree = truncation_.degree;
  const std::size_t size = static_cast<std::size_t>(degree + 1) * (degree + 1);
  std::vector<double> weighted(4 * size);
  for (int q = 0; q < 4; ++q)
    for (int l = 0; l <= degree; ++l)
      for (int s = l * l; s < (l + 1) * (l + 1); ++s)
        weighted[q * size + s] = scale_ * truncation_.coefficients[l] * moments_[q * size + s];
  constexpr int B = domain::SphericalHarmonics::batch;
  const std::size_t target_count = targets.size() / 3;
  sums.numerator.resize(target_count * 3);
  sums.normaliser.resize(target_count);
  basis_.resize(size * B);
  const double* __restrict y = basis_.data();
  const double* __restrict a = weighted.data();
  for (std::size_t i0 = 0; i0 < target_count; i0 += B) {
    double x[3 * B];
    for (int b = 0; b < B; ++b) {
      const std::size_t i = std::min(i0 + b, target_count - 1);
      for (int k = 0; k < 3; ++k) x[3 * b + k] = targets[3 * i + k];
    }
    harmonics_.evaluate_batch(x, basis_.data());
    double result[4][B];
    for (int q = 0; q < 4; ++q) {
      Vec4 sum = splat(0.0);
      for (std::size_t s = 0; s < size; ++s) sum += load4(y + s * B) * a[q * size + s];
      store4(result[q], sum);
    }
    for (int b = 0; b < B && i0 + b < target_count; ++b) {
      sums.normaliser[i0 + b] = result[0][b];
      for (int k = 0; k < 3; ++k) sums.numerator[3 * (i0 + b) + k] = result[1 + k][b];
    }
  }
}

std::string SpectralEngine::summary() const {
  return "spectral (truncation degree L = " + std::to_string(truncation_.degree) +
         ", a-priori Bessel tail bound " + text::format_number(truncation_.tail_bound) +
         " relative to the largest sum)";
}

}  // namespace attnflow::interaction

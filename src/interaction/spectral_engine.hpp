#pragma once
// The spectral engines (docs/mathematics.md section 5) for Q = K = I, non-causal: the kernel is diagonal in
// Fourier modes on the circle (coefficients e^{-beta} I_k(beta)) and in real spherical harmonics
// on S^2 (eigenvalues 4 pi e^{-beta} i_l(beta)). Every kernel sum then needs only the source
// moments up to degree L: O(N L) (circle) or O(N L^2) (S^2) work, one MPI_Allreduce, O(L^2)
// memory. L is the smallest degree whose a-priori Bessel tail bound is below the tolerance.
//
// Accuracy contract: every normaliser and every numerator component differs from the exact sum
// by at most tolerance * W * e^{beta - shift} (W = sum of the weights, e^{beta - shift} the
// largest kernel value), i.e. the tolerance is relative to the largest possible sum. The SA
// output a = numerator / normaliser is then within 2 tolerance W e^{beta - shift} / Z_i.
// Sums are not bitwise independent of the rank count (the allreduce order), only to rounding.
#include <vector>

#include "domain/harmonics.hpp"
#include "interaction/engine.hpp"

namespace attnflow::interaction {

// Coefficients and degree of a truncated kernel expansion.
struct SpectralTruncation {
  int degree = 0;                    // L
  std::vector<double> coefficients;  // circle: e^{-beta} I_k, k <= L; S^2: 4 pi e^{-beta} i_l
  double tail_bound = 0;             // bound on the dropped part of the kernel (its max is 1)
};

// Smallest L whose tail bound is <= tolerance for the circle (dimension 2: tail 2 sum_{k>L}
// e^{-beta} I_k(beta)) or S^2 (dimension 3: tail sum_{l>L} (2l+1) e^{-beta} i_l(beta)).
// Throws InputError when L would exceed `max_degree`.
SpectralTruncation spectral_truncation(int dimension, double beta, double tolerance,
                                       int max_degree = 4096);

class SpectralEngine : public Engine {
 public:
  // Throws InputError for settings it cannot represent (dimension other than 2, 3; Q, K not the
  // identity; causal mask; tolerance outside [1e-14, 0.5]).
  SpectralEngine(const Kernel& kernel, MPI_Comm comm, double tolerance);
  std::string name() const override { return "spectral"; }
  std::string summary() const override;
  // pairs_last_call() counts the equivalent pairs (targets x global sources).
  void evaluate(std::span<const double> targets, std::span<const double> sources,
                std::span<const double> weights, KernelSums& sums) override;
  int degree() const { return truncation_.degree; }
  double tail_bound() const { return truncation_.tail_bound; }

 private:
  void circle_moments(std::span<const double> sources, std::span<const double> weights);
  void circle_sums(std::span<const double> targets, KernelSums& sums) const;
  void sphere_moments(std::span<const double> sources, std::span<const double> weights);
  void sphere_sums(std::span<const double> targets, KernelSums& sums) const;

  Kernel kernel_;
  MPI_Comm comm_;
  SpectralTruncation truncation_;
  double scale_ = 1;  // e^{beta - shift}
  domain::SphericalHarmonics harmonics_{0};
  std::vector<double> moments_;  // reduced moments (layout per dimension, see .cpp)
  mutable std::vector<double> basis_;
};

}  // namespace attnflow::interaction

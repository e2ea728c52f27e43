#pragma once
// Phase observables of the moderate interaction regime (docs/mathematics.md section 10) for both
// solvers: the spectrum of the second moment M2 = (1/N) sum_i x_i x_i^T, the mass in the
// leading eigenspace of M = V K^T Q, each token's angle to its beta = infinity alignment
// prediction normalize(exp(M f) x_i(0)) (section 10.1), and the collective rotation rate on the
// leading eigenspace. Every sum over tokens is an exact fixed-point sum (parallel/exact_sum.hpp)
// in one allreduce, so a row is bitwise the same on any rank count.
//
// The observables other than the alignment angles are functions of a weighted point set (x_i,
// w_i), normalised by sum_i w_i: the particles are points of weight 1, the continuum's cells are
// points at the cell centres weighing the cell masses (M2 = sum_i m_i x_i x_i^T / mass, the
// midpoint rule for int x x^T rho). Both solvers' rows come from the same sums. The alignment
// angles follow each token from x_i(0); a density has no such labels, so the continuum has no
// alignment columns (its analogue would be a transport distance between rho(t) and the push-forward
// of rho(0) by the beta = infinity flow, which is not computed).
//
// What is implemented for M (d x d, small):
// - eigenvalues: reduction to upper Hessenberg form by stabilised elementary similarity
//   transformations, then the Francis double-shift QR iteration (the real Schur form's diagonal
//   blocks; the Schur vectors are not accumulated);
// - the leading eigenspace E: the real invariant subspace of the eigenvalues whose real part is
//   within leading_tolerance of the largest (a complex pair counts twice), computed as the null
//   space of p(M) = prod over those distinct eigenvalues of (M - lambda)^m (real quadratic
//   factors for complex pairs), with p(M)'s right singular vectors from one-sided Jacobi. Its
//   dimension k is the sum of the multiplicities, so no rank threshold is needed.
// M2 is symmetric positive semi-definite: its eigenvalues are its singular values, from the same
// one-sided Jacobi.
#include <mpi.h>

#include <complex>
#include <span>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "particles/state.hpp"

namespace attnflow::parallel {
class ExactSums;
}

namespace attnflow::diagnostics {

// ---- Small dense linear algebra (row-major n x n).
// Eigenvalues of a general real matrix (Hessenberg + Francis QR), sorted by decreasing real part,
// then decreasing imaginary part. Throws errors::InternalError if the QR iteration does not
// converge.
std::vector<std::complex<double>> eigenvalues(std::vector<double> matrix, int n);
// Singular values (decreasing) of a real n x n matrix and, with `right` non-null, the matching
// right singular vectors as the columns of `right` (n x n, row-major). One-sided Jacobi.
std::vector<double> singular_values(std::vector<double> matrix, int n,
                                    std::vector<double>* right = nullptr);
// exp(t A) by scaling and squaring of a Taylor polynomial (relative accuracy ~1e-15 |exp|).
std::vector<double> matrix_exponential(const std::vector<double>& matrix, int n, double t);

// The real invariant subspace of M belonging to its eigenvalues of largest real part.
struct LeadingEigenspace {
  int dimension = 0;               // k
  std::vector<double> basis;       // d x k, orthonormal columns (row-major)
  double real_part = 0;            // the largest real part of M's eigenvalues
  double imaginary_part = 0;       // |Im lambda| of the leading eigenvalues (0: real)
  // k = 2: the basis is oriented so that M turns u_1 towards u_2 (<u_2, M u_1> >= <u_1, M u_2>).
};
// Eigenvalues whose real parts differ by less than this (relative to max(1, |M|)) lead together.
inline constexpr double leading_tolerance = 1e-8;
LeadingEigenspace leading_eigenspace(const model::Matrix& m);

// The value matrix times K^T Q: M = V K^T Q.
model::Matrix alignment_matrix(const model::Model& model);

// This rank's block of a weighted point set on S^{d-1}: positions (count x d), weights (count;
// empty: every point weighs 1) and the attention velocity at the points (count x d; read only
// when PhaseObservables::needs_velocity()).
struct WeightedPoints {
  std::span<const double> positions;
  std::span<const double> weights;
  std::span<const double> velocity;
};

class PhaseObservables {
 public:
  explicit PhaseObservables(const model::Model& model);

  // The particles' columns: second_moment_eigenvalue_1..d (decreasing), leading_mass_fraction,
  // alignment_angle_mean, alignment_angle_max, rotation_rate.
  static std::vector<std::string> column_names(int dimension);
  // A density's columns (the same names, without the alignment angles):
  // second_moment_eigenvalue_1..d, leading_mass_fraction, rotation_rate.
  static std::vector<std::string> density_column_names(int dimension);

  // This rank's block of the tokens at time 0 (the alignment prediction starts there).
  void set_initial(std::span<const double> positions) {
    initial_.assign(positions.begin(), positions.end());
  }
  // Whether rotation_rate is defined (a two-dimensional leading eigenspace): only then does
  // row() read `velocity`.
  bool needs_velocity() const { return space_.dimension == 2; }
  // Whether the alignment columns are defined (see row()).
  bool predicts_alignment() const { return predicts_; }
  const LeadingEigenspace& leading_space() const { return space_; }

  // One row (collective over state.comm), values in column_names order:
  // - second_moment_eigenvalue_j: the eigenvalues of M2, which sum to 1; (1, 0, ..) at one point,
  //   1/d each for the uniform measure.
  // - leading_mass_fraction = (1/N) sum_i |P_E x_i|^2, P_E the orthogonal projection on the
  //   leading eigenspace E: k/d on average for uniform tokens, 1 once the tokens lie in E.
  // - alignment_angle_mean / _max: the mean and largest angle (radians) between x_i(t) and
  //   normalize(exp(M f) x_i(0)), f = t / c. Defined for SA with attention sign +1, no MLP
  //   block, a known initial block, and K^T Q = c R with R orthogonal (then |K^T Q x| = c on
  //   the sphere and f' = 1/c exactly); NaN otherwise. The prediction is computed with
  //   exp((M - mu) f), mu the leading real part (the same direction, no overflow).
  // - rotation_rate: for k = 2 the collective angular velocity on E in the orientation of
  //   LeadingEigenspace, sum_i (<u_1,x_i><u_2,v_i> - <u_2,x_i><u_1,v_i>) / sum_i |P_E x_i|^2
  //   with v_i the attention velocity; b I_1(beta)/I_0(beta) for a uniform ring under
  //   M = [[a,-b],[b,a]] (docs/mathematics.md section 10.1). NaN when k != 2.
  // `velocity` is this rank's block of the attention velocity (ignored unless needs_velocity()).
  std::vector<double> row(const particles::State& state, std::span<const double> velocity) const;
  // The row of density_column_names for weighted points (collective over comm): the columns
  // above with every (1/N) sum_i replaced by sum_i w_i / sum_i w_i, i.e. for a density rho the
  // moments int x x^T rho / int rho and int |P_E x|^2 rho / int rho, and rotation_rate the
  // mass-weighted angular velocity on E, int <J P_E x, v> rho / int |P_E x|^2 rho (J the
  // quarter turn of E): the rate omega of the rigid rotation of E that fits the velocity best in
  // the rho-weighted least-squares sense. Bitwise the same on any rank count for the same points.
  std::vector<double> row(const WeightedPoints& points, MPI_Comm comm) const;

 private:
  // The sums behind every column except the alignment angles, for the points of this rank, into
  // sums[0, weighted_sum_count(d)): M2's upper triangle, sum w |P_E x|^2, the angular momentum
  // on E, sum w.
  static std::size_t weighted_sum_count(int dimension) {
    return std::size_t(dimension) * (dimension + 1) / 2 + 3;
  }
  void add_weighted_sums(const WeightedPoints& points, parallel::ExactSums& sums) const;
  // second_moment_eigenvalue_1..d, leading_mass_fraction, rotation_rate from the reduced sums.
  std::vector<double> weighted_values(const std::vector<double>& total) const;

  int dimension_;
  model::Matrix matrix_;       // M
  LeadingEigenspace space_;
  bool predicts_ = false;
  double clock_ = 1;           // c of K^T Q = c R: f = t / c
  std::vector<double> initial_;
};

}  // namespace attnflow::diagnostics

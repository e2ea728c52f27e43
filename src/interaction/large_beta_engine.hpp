#pragma once
// The large-beta engine (docs/mathematics.md section 5.4): with K^T Q = I the kernel
// e^{beta <x, y> - shift} = e^{beta - shift} exp(-beta |x - y|^2 / 2) is a Gaussian of width
// beta^{-1/2}, so a source beyond the cut-off angle theta_c, 1 - cos theta_c = ln(1/eps) / beta
// (chord sqrt(2 ln(1/eps) / beta)), contributes less than eps times the largest kernel value.
// The engine sums only over the sources of the cube-sphere cells (spatial/cube_sphere.hpp) that
// can hold a source within theta_c of the target: pairs of cells no wider than the kernel go
// through the factorised kernel (factorised_kernel.hpp: n_A + n_B exponentials per cell pair
// instead of n_A n_B, and, when the targets are the sources, each pair evaluated once for both
// directions), wider pairs through the direct engine's kernel (direct_kernel.hpp).
//
// Parallel layout. Every evaluation routes each target and source from its block owner to the
// rank owning its cell (a key-range spatial decomposition, spatial/key_decomposition.hpp):
// tokens migrate wherever their cell now lies, any number of ranks away. Each rank then receives
// the halo, the source cells within theta_c + cell radii of its cells, sums, and sends every
// target's sums back to its block owner. The decomposition persists between evaluations and is
// rebalanced on the measured pair counts when the slowest rank does more than 10% above the mean.
// Memory per rank: O(N/P) for its own tokens plus the halo (the sources within about theta_c of
// its region's boundary), so O(N/P) while each rank's region is wider than the cut-off.
//
// Accuracy contract (a priori, from --engine-tolerance eps): every normaliser differs from the
// exact sum by at most eps W e^{beta - shift} and every numerator component by at most
// eps W e^{beta - shift} max_j |(V y_j)_k| <= eps W e^{beta - shift} |V| (W the total weight,
// e^{beta - shift} the largest kernel value), plus rounding: the dropped terms are each below
// eps e^{beta - shift} w_j, and the factorised kernel's polynomial errs on each summed term by
// at most (eps / 2) e^{beta - shift} w_j (its degree is the cheapest for that; never finer than
// 2^-53 relative). A term is either dropped or summed, so the two never add. The polynomial's
// rounding, at most ~2e-15 relative, is of the order of the direct kernel's exponent rounding
// beta 2^-53. For SA the output is then within
// 2 eps W e^{beta - shift} |V| / Z_i. A target with no source of positive weight within theta_c
// gets zero sums (its exact sums are below the bound).
//
// Bitwise rank independence: the cells, their contents (in global index order), their centres
// and radii, which cell pairs and rows take part and which kernel they use are functions of the
// global data alone, and every target adds its partials in the key order of the partner cells
// (see NearField in the .cpp), so the bits do not depend on the rank count or on the
// decomposition. (Targets that are the sources and targets that are a separate set are summed
// with different orders, so evaluate(x, x, w) and evaluate(copy of x, x, w) agree to rounding.)
//
// Wide kernels: when the cut-off cap covers more than a quarter of the sphere (beta below about
// 2 ln(1/eps) on S^2) a cut-off saves little and every halo is most of the sphere: the engine
// then evaluates with the spectral engine (d = 2, 3, no causal mask; same contract, rank
// independent only to rounding) or the direct engine (exact, bitwise rank independent).
//
// Supported: any dimension 2 <= d <= 64, SA and USA, any V, the causal mask, K^T Q = I. Refused
// with errors::InputError: K^T Q != I.
#include <cstdint>
#include <memory>

#include "interaction/aligned.hpp"
#include "interaction/direct_kernel.hpp"
#include "interaction/engine.hpp"
#include "spatial/cell_index.hpp"
#include "spatial/cube_sphere.hpp"
#include "spatial/key_decomposition.hpp"

namespace attnflow::interaction {

// Cut-off geometry from beta and the tolerance.
struct CutoffGeometry {
  double angle = 0;         // theta_c (pi when the cap is the whole sphere)
  double chord = 0;         // sqrt(2 ln(1/eps) / beta), the Euclidean cut-off |x - y|
  double area_fraction = 0; // share of S^{d-1} within theta_c of a point
  bool wide = false;        // area_fraction > wide_area_fraction: the engine falls back
};
inline constexpr double wide_area_fraction = 0.25;
CutoffGeometry cutoff_geometry(int dimension, double beta, double tolerance);

class LargeBetaEngine : public Engine {
 public:
  // Throws errors::InputError for K^T Q != I, a dimension outside [2, 64], beta < 0 or not
  // finite, or a tolerance outside [1e-14, 0.5].
  LargeBetaEngine(const Kernel& kernel, MPI_Comm comm, double tolerance);
  ~LargeBetaEngine() override;
  std::string name() const override { return "large-beta"; }
  std::string summary() const override;
  void evaluate(std::span<const double> targets, std::span<const double> sources,
                std::span<const double> weights, KernelSums& sums) override;

  const CutoffGeometry& geometry() const { return geometry_; }
  double tolerance() const { return tolerance_; }
  // The engine used instead of the cut-off for a wide kernel, or nullptr.
  const Engine* fallback() const { return fallback_.get(); }

  // Cells per cube-face edge: grid_cells_per_cutoff across theta_c and cells no wider than the
  // kernel (beta rho^2 ~ grid_cell_exponent, rho the cell radius), fewer when cells would hold
  // fewer than grid_points_per_cell sources on average. Chosen from N, d, beta and eps alone.
  // (grid_cell_exponent 1.0 measured 5% faster than 0.7 and 0.5 20% slower at N = 1e6,
  // beta = 1000 on S^2; 1.4 no faster.)
  static int cells_per_edge_for(int dimension, double beta, double cutoff_angle,
                                std::int64_t source_count);
  static constexpr double grid_cells_per_cutoff = 4.0;
  static constexpr double grid_cell_exponent = 1.0;
  static constexpr double grid_points_per_cell = 32.0;

  // What the last evaluation did on this rank (cut-off mode).
  struct Statistics {
    int cells_per_edge = 0;
    std::int64_t owned_targets = 0;   // targets summed on this rank
    std::int64_t owned_sources = 0;   // sources of the cells this rank owns
    std::int64_t halo_sources = 0;    // sources received from other ranks' cells
    std::int64_t migrated = 0;        // this rank's block targets sent to another rank than before
    std::int64_t migrated_far = 0;    // ... to a rank not adjacent to the previous one
    bool rebalanced = false;          // the decomposition was recomputed before this evaluation
    std::int64_t factorised_pairs = 0;  // pairs through the factorised kernel (each serves both
                                        // directions when the targets are the sources)
    std::int64_t direct_pairs = 0;      // target-source pairs through the direct kernel
  };
  const Statistics& statistics() const { return statistics_; }

 private:
  void cutoff_evaluate(std::span<const double> targets, std::span<const double> sources,
                       std::span<const double> weights, KernelSums& sums);

  Kernel kernel_;
  MPI_Comm comm_;
  double tolerance_;
  CutoffGeometry geometry_;
  std::unique_ptr<Engine> fallback_;
  std::unique_ptr<spatial::CubeSphereGrid> grid_;
  std::int64_t grid_source_count_ = -1;
  spatial::KeyDecomposition decomposition_;
  // Work of the targets summed here in the last evaluation, for the next rebalancing.
  std::vector<spatial::KeyPosition> work_items_;
  std::vector<std::int64_t> work_weights_;
  bool rebalance_due_ = false;
  std::vector<int> previous_destinations_;  // spatial owner of each block target last time
  Statistics statistics_;
};

}  // namespace attnflow::interaction

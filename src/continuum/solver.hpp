#pragma once
// The mean-field PDE d rho/dt + div_S(rho X[rho]) = 0 (docs/mathematics.md section 3) as a finite-volume
// scheme: cell averages of rho in a PETSc vector, advanced by a strong-stability-preserving
// Runge-Kutta method (TSSSP) with a time step chosen each step from a CFL condition. The nonlocal
// velocity X is the interaction engine's kernel sum with the cell centres as sources and the cell
// masses as weights, evaluated at the cell faces. Implementations: CircleSolver (S^1, PETSc DMDA,
// MUSCL) and SphereSolver (S^2, PETSc DMPlex, limited least-squares reconstruction or first-order
// upwind). For USA the PDE is integrated in the rescaled time t' = e^{s} t of
// model::Model::log_time_scale, like the particles.
//
// With an MLP block the PDE is the SPDE of docs/mathematics.md section 9.4, d rho + div_S(rho
// (X[rho] dt + P_x o dG_t)) = 0, discretised layer by layer: over layer l, the time interval
// [l h, (l+1) h) with h = Settings::layer_length, the velocity is X[rho] + P_x G_l(x) / sqrt(h)
// (stepper::LayerFieldTerm, the particles' weights for the same seed and layer): the
// piecewise-linear (Wong-Zakai) interpolation of the Brownian field, whose transport converges to
// the Stratonovich SPDE as h -> 0. Within a layer that is an ordinary transport PDE, so the
// scheme stays the one above (conservative fluxes, positivity under the same CFL limit, which now
// counts the field's speed ~ |G| / sqrt(h)); steps never cross a layer boundary and land on it.
// The particles' Heun with k sub-steps per layer integrates the same ODE (stepper/integrator.hpp).
#include <mpi.h>
#include <petscdm.h>
#include <petscts.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "continuum/limiter.hpp"
#include "continuum/petsc_handle.hpp"
#include "diagnostics/phases.hpp"
#include "domain/domain.hpp"
#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "parallel/timers.hpp"
#include "simulation/simulation.hpp"
#include "stepper/velocity.hpp"
#include "theory/mlp_constants.hpp"

namespace attnflow::continuum {

struct Settings {
  // dt = cfl * C * h / max|X| with C the SSP coefficient of the Runge-Kutta method and h / max|X|
  // the forward-Euler limit of the domain (see CircleSolver, SphereSolver). Positivity needs
  // cfl <= 1/2 with MUSCL on the circle and cfl <= 1 with first-order upwind; on the sphere the
  // reconstruction's factor is inside the limit, so cfl <= 1 there with every limiter.
  double cfl = 0.4;
  // Upper bound on dt: in the linear regime |X| is tiny and the CFL bound alone would allow steps
  // far longer than the growth time 1 / gamma.
  double max_time_step = 0.1;
  // Circle: MUSCL slope limiter. Sphere: the multidimensional form (limited_fraction).
  Limiter limiter = Limiter::van_leer;
  std::string engine = "direct";
  interaction::EngineOptions engine_options;
  // Prefix of this solver's PETSc objects (DM and TS): "-<prefix>ts_ssp_type rks2", so that two
  // solvers (or tests) never read each other's options.
  std::string options_prefix = "continuum_";
  // With an MLP block: the layer length h (> 0; T / L for L layers over the horizon T) and the
  // seed of the layers' weights (mlp::RandomField; the particle run's --seed).
  double layer_length = 0;
  std::uint64_t seed = 1;
};

struct Diagnostics {
  double time = 0;
  double mass = 0;         // sum of cell masses
  double min_density = 0;  // smallest cell average
  // E e^{-beta} = (1 / (2 beta)) sum_ij m_i m_j e^{beta (<x_i, x_j> - 1)} over cell centres and
  // masses m_i, the energy of docs/mathematics.md section 3 scaled like the particle diagnostics
  // (diagnostics::compute; (1/2) mass^2 at beta = 0, where E diverges).
  double energy_scaled = 0;
  // The domain's moments of the cell masses at the centres (domain/domain.hpp), up to the order
  // asked for: circle |m_k| for k = 1..K, m_k = sum_i m_i e^{-i k theta_i} / mass; sphere
  // harmonic power C_l, l = 0..L.
  std::vector<double> moments;
  // E_A e^{-beta} = (1/2) sum_ij m_i m_j (1 - e^{beta (<x_i, x_j> - 1)}), the energy of
  // docs/mathematics.md section 9.6 scaled like the particles' energy_a_scaled (0 at beta = 0).
  double energy_a_scaled = 0;
  // int int <x, y> and int int <x, y>^2 of the normalised density, |sum m_i x_i|^2 / mass^2 and
  // ||sum m_i x_i x_i^T||_F^2 / mass^2: the particles' mean (squared) cosine for a density (whose
  // diagonal carries no mass).
  double mean_cosine = 0;
  double mean_squared_cosine = 0;
  // The phase observables of docs/mathematics.md section 10 (diagnostics/phases.hpp) of the cell
  // masses at the centres, in the order of PhaseObservables::density_column_names: the
  // eigenvalues of M2 = sum_i m_i x_i x_i^T / mass, the leading mass fraction and the
  // mass-weighted rotation rate on the leading eigenspace of M = V K^T Q (NaN unless that space
  // is two-dimensional; then it costs one attention velocity evaluation at the centres).
  std::vector<double> phases;
};

class Writer;

// The solver is a simulation::Simulation (the driver advances it to each output time, writes its
// snapshots and checkpoints); the rest of its interface serves tests and the initial density.
class Solver : public simulation::Simulation {
 public:
  ~Solver() override;
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  virtual std::string domain_name() const = 0;  // "circle" or "sphere"
  int dimension() const { return model_.dimension; }
  std::int64_t global_cells() const { return global_cells_; }
  std::int64_t local_cells() const { return static_cast<std::int64_t>(measures_.size()); }
  // Canonical global index of each owned cell (independent of the rank count: circle cell
  // number, sphere cell number of the refined mesh before distribution), cell centres on the unit
  // sphere (local_cells x dimension) and cell measures (lengths or areas).
  std::span<const std::int64_t> global_indices() const { return global_indices_; }
  // The owned cells are rows [storage_offset, + local_cells) of the solver's global vector
  // (PETSc's order, rank-count dependent on the sphere; equal to the canonical index on the circle).
  std::int64_t storage_offset() const { return storage_offset_; }
  std::span<const double> centres() const { return centres_; }
  std::span<const double> measures() const { return measures_; }
  // Sphere: the corners of each owned cell's spherical triangle (local_cells x 3 corners x 3, in
  // the order of global_indices()), counter-clockwise seen from outside (det[a, b, c] > 0); the
  // cell's centre is their normalised mean. Corners shared by cells are equal bit for bit (one
  // mesh vertex). Circle: empty (cell i is the arc [i dx, (i + 1) dx), nothing to store).
  std::span<const double> cell_vertices() const { return vertices_; }
  MPI_Comm comm() const override { return comm_; }
  const model::Model& model() const { return model_; }
  const Settings& settings() const { return settings_; }

  // Cell averages of the owned cells, in the order of global_indices().
  std::vector<double> density() const;
  void set_density(std::span<const double> local_density);
  // Cell averages of a density function on the sphere (quadrature per cell).
  virtual std::vector<double> cell_averages(
      const std::function<double(std::span<const double>)>& density) const = 0;

  double time() const override;
  std::int64_t steps() const { return steps_; }
  std::int64_t step_count() const override { return steps_; }
  // The SSP coefficient C of the chosen TSSSP method (rks2 with m stages: m - 1; rks3 with
  // m = n^2 stages: n^2 - n; rk104: 6).
  double ssp_coefficient() const;
  // "rks3, 4 stages, SSP coefficient 2": for run summaries and output metadata.
  std::string time_stepper_description() const;
  // One step of length min(CFL step, max_step, settings.max_time_step); returns it. Collective.
  double step(double max_step);
  // Steps until time() == end_time exactly (the last step is shortened). Collective.
  void advance_to(double end_time);
  // The same, but calls after_step() after every step that leaves the time short of end_time and
  // returns false as soon as that returns false (a later advance_to(end_time) then continues
  // exactly as if there had been no stop). Returns true once time() == end_time. Collective:
  // after_step must return the same on every rank.
  bool advance_to(double end_time, const std::function<bool()>& after_step);
  // One CFL step that never passes time_limit, landing on it exactly when within rounding
  // (advance_to's step). Collective.
  void advance(double time_limit) override;
  // Restart: sets the time and the step counter of a checkpoint (set the density with
  // set_density). The step depends only on the density and time, so the run continues exactly.
  void set_time_and_step(double time, std::int64_t steps);
  // Velocity X at this rank's faces for the current density (for tests), as computed by the RHS.
  const std::vector<double>& face_velocities();
  // Collective. max_moment: K (circle) or L (sphere), at most 16 (domain::fourier_modes,
  // domain::harmonic_degrees).
  Diagnostics diagnostics(int max_moment);
  const domain::Domain& domain() const { return *domain_; }

  // --- simulation::Simulation: description, diagnostics rows (continuum/writer.hpp columns),
  // the run file (continuum::Writer) and density checkpoints (checkpoint/density_checkpoint.hpp).
  simulation::Description describe() const override;
  std::vector<std::string> diagnostic_columns() const override;
  std::vector<double> diagnostic_row() override;
  std::vector<std::string> summary(const std::vector<double>& last_row) const override;
  output::RunFile& create_output(const std::string& path, const std::string& resolved_input_ini,
                                 bool overwrite) override;
  output::RunFile& resume_output(const std::string& path,
                                 const checkpoint::RunPosition& position) override;
  void write_snapshot() override;
  std::string write_checkpoint(const std::string& directory,
                               const checkpoint::RunPosition& position,
                               const std::string& resolved_input_ini, int keep) const override;
  Restored restore(const std::string& path_or_directory) override;
  double pairs_evaluated() const override {
    return pairs_per_evaluation_ * static_cast<double>(velocity_evaluations_);
  }

  parallel::Timers& timers() override { return timers_; }
  // Kernel pairs this rank evaluated per right-hand side (velocity) evaluation.
  double pairs_per_evaluation() const { return pairs_per_evaluation_; }
  std::int64_t velocity_evaluations() const { return velocity_evaluations_; }
  // The MLP layer whose field drives the step starting at `time` (0 without an MLP block).
  std::int64_t layer_at(double time) const;
  // Another noise realisation with an MLP block: the layers' weights keyed by `seed` from now on
  // (with set_density and set_time_and_step, an ensemble reuses one solver: its mesh costs more
  // than a short run). Not collective.
  void set_seed(std::uint64_t seed);

 protected:
  Solver(const model::Model& model, const Settings& settings, MPI_Comm comm);
  // Creates the TS on the solution vector once the implementation has built its DM and geometry.
  void set_up_time_stepper(DM dm);
  // Updates face_velocities_ for the density in the global vector `density` and returns the
  // forward-Euler positivity time-step limit h / max|X| (infinity when X = 0).
  virtual double compute_velocities(Vec density) = 0;
  // rate = -div(rho X) with the face velocities of the same state.
  virtual void compute_rate(Vec density, Vec rate) = 0;

  // The tangent velocity at `targets` (count x d) of `density` (cell averages of this rank's
  // cells): the velocity field of the particles (stepper/velocity.hpp) with the cell centres as
  // sources and the cell masses as weights.
  void velocity_at(Vec density, std::span<const double> targets, std::vector<double>& velocity);

  model::Model model_;
  std::unique_ptr<domain::Domain> domain_;
  Settings settings_;
  MPI_Comm comm_;
  interaction::Kernel kernel_;
  std::unique_ptr<interaction::Engine> engine_;
  std::unique_ptr<interaction::Engine> energy_engine_;
  stepper::VelocityField velocity_;
  parallel::Timers timers_;
  std::int64_t global_cells_ = 0;
  std::vector<std::int64_t> global_indices_;
  std::int64_t storage_offset_ = 0;
  std::vector<double> centres_, measures_;
  std::vector<double> vertices_;  // cell_vertices()
  std::vector<double> face_velocities_;
  DMHandle dm_;
  TSHandle ts_;
  VecHandle solution_;

 private:
  static PetscErrorCode rhs_function(TS ts, PetscReal time, Vec density, Vec rate, void* context);
  // compute_velocities with a cache keyed by the vector and its PETSc object state, so that the
  // velocity computed for the CFL step is reused by the first stage.
  double velocities_for(Vec density);

  Vec cached_vector_ = nullptr;   // not owned: the vector the cache was computed for
  VecHandle cached_density_;      // copy of the state of face_velocities_
  bool cache_valid_ = false;
  PetscObjectState cached_state_ = -1;
  double cached_limit_ = 0;
  std::int64_t steps_ = 0;
  double pairs_per_evaluation_ = 0;
  std::int64_t velocity_evaluations_ = 0;
  std::string rhs_error_;
  std::unique_ptr<Writer> writer_;
  std::vector<double> masses_;  // of the density velocity_at was last called with
  // The MLP field term of velocity_ (owned by it; null without an MLP block), its layer, and the
  // block's mean-field constants for the header and the metadata.
  stepper::LayerFieldTerm* layer_field_ = nullptr;
  std::int64_t layer_ = 0;
  std::optional<theory::MlpConstants> mlp_constants_;
  // The phase observables and their own attention velocity (without the MLP field, as for the
  // particles), so that the rotation rate's evaluation is not counted in pairs_evaluated().
  diagnostics::PhaseObservables phases_;
  stepper::VelocityField phase_velocity_;
};

// Circle S^1 = {(cos theta, sin theta)}: M equal cells of width dx = 2 pi / M on a periodic DMDA
// (stencil width 2), MUSCL reconstruction with the chosen limiter and the upwind flux rho_upwind X
// at the faces theta_{i+1/2} = (i + 1) dx. The velocity X = <a, (-sin, cos)> is evaluated at the
// faces. Forward-Euler limit dx / max|X|; positivity needs cfl <= 1/2 (each face value <= 2 rho_i).
// Sphere S^2: the icosahedron of DMPlexCreateSphereMesh refined r times (-<prefix>dm_refine_pre,
// 20 * 4^r cells) and distributed with one layer of overlap. Spherical triangle areas (Van
// Oosterom-Strackee), great-circle edge lengths and tangent edge normals at the edge midpoints are
// computed here (PETSc's FV geometry is planar); centre = normalised vertex mean. Upwind flux
// L_e (X.n)_e rho_e, X evaluated at the normalised edge midpoints. first-order: rho_e is the
// upwind cell average; forward-Euler limit min_i A_i / sum_e L_e |X.n|_e. Otherwise rho_e is the
// upwind cell's linear reconstruction rho_i + phi_i g_i.r_e: g_i the least-squares gradient over
// the three edge neighbours in geodesic (log-map) coordinates at the centre, r_e the geodesic
// coordinates of the edge midpoints shifted by their O(h^3) mean so that the three face values
// average to rho_i, phi_i the multidimensional limiter (limited_fraction; mc = Barth-Jespersen)
// that keeps every face value within [min, max] of the cell and its edge neighbours. Face values
// are then >= 0 and <= 3 rho_i, and the forward-Euler limit is min_i A_i / (3 max_e L_e |X.n|_e)
// (never larger than the first-order one). Positivity needs cfl <= 1 in both cases. Gradients are
// computed on owned cells and sent to the ghosts (a 3-dof clone of the DM): overlap 1 does not
// hold a ghost's own neighbours. Where smooth the observed L1 order is 1.65 (minmod) to 1.9
// (van Leer) against ~0.9 for first order (tests/continuum/sphere_convergence_test.cpp).
std::unique_ptr<Solver> make_sphere_solver(const model::Model& model, int refinements,
                                           const Settings& settings, MPI_Comm comm);

std::unique_ptr<Solver> make_circle_solver(const model::Model& model, std::int64_t cells,
                                           const Settings& settings, MPI_Comm comm);

// The solver of the model's domain: dimension 2 -> circle with `cells` cells, dimension 3 ->
// sphere refined `refinements` times. Throws errors::InputError otherwise, for a causal model or
// Brownian noise (the PDE has neither; the MLP field is the SPDE's noise), for an MLP block
// without a layer length, and for bad settings.
std::unique_ptr<Solver> make_solver(const model::Model& model, std::int64_t cells,
                                    int refinements, const Settings& settings, MPI_Comm comm);

}  // namespace attnflow::continuum

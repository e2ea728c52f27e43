#include "continuum/solver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "errors/errors.hpp"
#include "continuum/petsc_error.hpp"
#include "checkpoint/density_checkpoint.hpp"
#include "continuum/writer.hpp"
#include "diagnostics/diagnostics.hpp"
#include "parallel/failure.hpp"
#include "parallel/partition.hpp"
#include "simulation/schedule.hpp"
#include "text/number_format.hpp"
#include "version/version.hpp"

// A documented public PETSc function that 3.18 declares only in petsc/private/petscimpl.h.
extern "C" PetscErrorCode PetscObjectStateGet(PetscObject, PetscObjectState*);

namespace attnflow::continuum {

using parallel::check_mpi;


Solver::Solver(const model::Model& model, const Settings& settings, MPI_Comm comm)
    : model_(model),
      domain_(domain::make_domain(model.dimension)),
      settings_(settings),
      comm_(comm),
      kernel_(interaction::Kernel::from_model(model)),
      engine_(interaction::make_engine(settings.engine, kernel_, comm, settings.engine_options)),
      energy_engine_(diagnostics::make_energy_engine(model.dimension, model.beta, comm)),
      velocity_(stepper::make_velocity_field(model, *engine_, 0)),
      phases_(model),
      phase_velocity_(stepper::make_velocity_field(model, *engine_, 0)) {
  engine_->set_timers(&timers_);
  errors::require(!engine_->targets_must_be_sources(),
                  "--engine " + engine_->name() + ": the continuum evaluates the velocity at the "
                  "cell faces, not at the sources this engine needs as targets; accepted: direct, "
                  "spectral");
  if (model.mlp) {
    // The field over a layer of length h moves a point by e^{-s/2} sqrt(h) P_x G_l(x) to first
    // order, the particles' increment (USA: the noise scale of the rescaled time).
    const double scale =
        std::exp(-0.5 * model.log_time_scale()) / std::sqrt(settings.layer_length);
    auto term = std::make_unique<stepper::LayerFieldTerm>(*model.mlp, model.dimension,
                                                          settings.seed, scale);
    layer_field_ = term.get();
    layer_field_->set_layer(0);
    velocity_.add_term(std::move(term));
    mlp_constants_ = theory::mlp_constants(*model.mlp, model.dimension, model.beta);
  }
}

void Solver::set_seed(std::uint64_t seed) {
  errors::ensure(layer_field_ != nullptr, "Solver::set_seed without an MLP block");
  settings_.seed = seed;
  layer_field_->set_seed(seed);
  layer_ = layer_at(time());
  layer_field_->set_layer(static_cast<std::uint64_t>(layer_));
  cache_valid_ = false;
}

std::int64_t Solver::layer_at(double time) const {
  if (layer_field_ == nullptr) return 0;
  // Layer l covers [l h, (l + 1) h); a time within rounding of a boundary belongs to the layer
  // that starts there (steps land on boundaries exactly, restarts resume at one).
  const double h = settings_.layer_length;
  const double tolerance = simulation::same_time_tolerance(time);
  auto layer = static_cast<std::int64_t>(std::floor(time / h));
  if (double(layer + 1) * h - time <= tolerance) ++layer;
  if (layer > 0 && time < double(layer) * h - tolerance) --layer;
  return std::max<std::int64_t>(layer, 0);
}

Solver::~Solver() {
  // Destroying PETSc objects may be collective: a rank that failed alone skips it (the job is
  // being aborted; parallel/failure.hpp). Destructors must not throw: PETSc errors here can only
  // be reported, not handled.
  // The PETSc handles destroy themselves (continuum/petsc_handle.hpp).
  if (!parallel::collective_cleanup_allowed()) writer_.release();
}

void Solver::set_up_time_stepper(DM dm) {
  check_petsc(DMCreateGlobalVector(dm, solution_.address()), "DMCreateGlobalVector");
  check_petsc(TSCreate(comm_, ts_.address()), "TSCreate");
  check_petsc(TSSetOptionsPrefix(ts_, settings_.options_prefix.c_str()), "TSSetOptionsPrefix");
  check_petsc(TSSetProblemType(ts_, TS_NONLINEAR), "TSSetProblemType");
  check_petsc(TSSetType(ts_, TSSSP), "TSSetType");
  check_petsc(TSSSPSetType(ts_, TSSSPRKS3), "TSSSPSetType");
  // Four stages: SSP coefficient 2 for 4 velocity evaluations (PETSc's default of 9 stages gives 6
  // for 9, better only when the CFL limit, not accuracy, sets the step).
  check_petsc(TSSSPSetNumStages(ts_, 4), "TSSSPSetNumStages");
  check_petsc(TSSetRHSFunction(ts_, nullptr, &Solver::rhs_function, this), "TSSetRHSFunction");
  check_petsc(TSSetSolution(ts_, solution_), "TSSetSolution");
  check_petsc(TSSetTime(ts_, 0.0), "TSSetTime");
  check_petsc(TSSetTimeStep(ts_, settings_.max_time_step), "TSSetTimeStep");
  check_petsc(TSSetMaxSteps(ts_, PETSC_MAX_INT - 1), "TSSetMaxSteps");
  check_petsc(TSSetMaxTime(ts_, 1e300), "TSSetMaxTime");
  check_petsc(TSSetExactFinalTime(ts_, TS_EXACTFINALTIME_STEPOVER), "TSSetExactFinalTime");
  check_petsc(TSSetFromOptions(ts_), "TSSetFromOptions");
  PetscBool is_ssp = PETSC_FALSE;
  check_petsc(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ts_.get()), TSSSP, &is_ssp),
              "PetscObjectTypeCompare");
  errors::require(is_ssp == PETSC_TRUE, "-" + settings_.options_prefix +
                                            "ts_type: the continuum solver needs ssp (TSSSP), "
                                            "whose steps keep the density >= 0 under the CFL limit");
  // TSStep refuses to run with both limits unset; the loop in step() / advance_to() decides.
  // The step is chosen here from the CFL condition; PETSc's adaptor must not change it.
  TSAdapt adapt = nullptr;
  check_petsc(TSGetAdapt(ts_, &adapt), "TSGetAdapt");
  check_petsc(TSAdaptSetType(adapt, TSADAPTNONE), "TSAdaptSetType");
  check_petsc(TSSetUp(ts_), "TSSetUp");
  (void)ssp_coefficient();  // rejects an unknown SSP type early
}

double Solver::ssp_coefficient() const {
  TSSSPType type = nullptr;
  PetscInt stages = 0;
  check_petsc(TSSSPGetType(ts_, &type), "TSSSPGetType");
  check_petsc(TSSSPGetNumStages(ts_, &stages), "TSSSPGetNumStages");
  const std::string name = type;
  if (name == TSSSPRKS2) return static_cast<double>(stages - 1);
  if (name == TSSSPRKS3) {
    const double n = std::round(std::sqrt(static_cast<double>(stages)));
    return n * n - n;
  }
  if (name == TSSSPRK104) return 6.0;
  throw errors::InputError("-" + settings_.options_prefix + "ts_ssp_type: unknown SSP type '" +
                           name + "'; accepted: rks2, rks3, rk104");
}

std::string Solver::time_stepper_description() const {
  TSSSPType type = nullptr;
  PetscInt stages = 0;
  check_petsc(TSSSPGetType(ts_, &type), "TSSSPGetType");
  check_petsc(TSSSPGetNumStages(ts_, &stages), "TSSSPGetNumStages");
  std::ostringstream text;
  text << type << ", " << stages << " stages, SSP coefficient " << ssp_coefficient();
  return text.str();
}

std::vector<double> Solver::density() const {
  const PetscScalar* values = nullptr;
  check_petsc(VecGetArrayRead(solution_, &values), "VecGetArrayRead");
  std::vector<double> out(values, values + local_cells());
  check_petsc(VecRestoreArrayRead(solution_, &values), "VecRestoreArrayRead");
  return out;
}

void Solver::set_density(std::span<const double> local_density) {
  errors::ensure(static_cast<std::int64_t>(local_density.size()) == local_cells(),
                  "continuum density: wrong number of cell values");
  PetscScalar* values = nullptr;
  check_petsc(VecGetArray(solution_, &values), "VecGetArray");
  std::copy(local_density.begin(), local_density.end(), values);
  check_petsc(VecRestoreArray(solution_, &values), "VecRestoreArray");
}

double Solver::time() const {
  PetscReal t = 0;
  check_petsc(TSGetTime(ts_, &t), "TSGetTime");
  return t;
}

double Solver::velocities_for(Vec density) {
  // The first stage of a step evaluates the state that step() just used for the CFL limit, but
  // TSSSP hands it over in a work vector: compare contents (cheap next to the O(M^2) velocity)
  // when the vector or its PETSc state differs.
  PetscObjectState state = 0;
  check_petsc(PetscObjectStateGet(reinterpret_cast<PetscObject>(density), &state),
              "PetscObjectStateGet");
  if (cache_valid_) {
    if (density == cached_vector_ && state == cached_state_) return cached_limit_;
    PetscBool equal = PETSC_FALSE;
    check_petsc(VecEqual(density, cached_density_, &equal), "VecEqual");
    if (equal == PETSC_TRUE) return cached_limit_;
  }
  {
    // The engine times its own compute and communication; the rest of the evaluation (face
    // values, the CFL limit) is compute too.
    using parallel::Section;
    const double engine_before = timers_.total(Section::compute) + timers_.total(Section::communication);
    const double start = MPI_Wtime();
    parallel::Timers::Scope velocity(nullptr, Section::compute, &parallel::velocity_event());
    cached_limit_ = compute_velocities(density);
    const double engine = timers_.total(Section::compute) + timers_.total(Section::communication) - engine_before;
    timers_.add(Section::compute, std::max(0.0, MPI_Wtime() - start - engine));
  }
  if (!cached_density_) check_petsc(VecDuplicate(density, cached_density_.address()), "VecDuplicate");
  check_petsc(VecCopy(density, cached_density_), "VecCopy");
  cached_vector_ = density;
  cached_state_ = state;
  cache_valid_ = true;
  ++velocity_evaluations_;
  return cached_limit_;
}

const std::vector<double>& Solver::face_velocities() {
  velocities_for(solution_);
  return face_velocities_;
}

PetscErrorCode Solver::rhs_function(TS, PetscReal, Vec density, Vec rate, void* context) {
  auto* solver = static_cast<Solver*>(context);
  try {
    solver->velocities_for(density);
    parallel::Timers::Scope reconstruction(&solver->timers_, parallel::Section::compute,
                                           &parallel::reconstruction_event());
    solver->compute_rate(density, rate);
  } catch (const std::exception& e) {
    solver->rhs_error_ = e.what();
    return PETSC_ERR_LIB;
  }
  return 0;
}

double Solver::step(double max_step) {
  // With an MLP block the step stays inside one layer, whose field it uses throughout.
  double boundary = std::numeric_limits<double>::infinity();
  if (layer_field_ != nullptr) {
    const std::int64_t layer = layer_at(time());
    if (layer != layer_) {
      layer_ = layer;
      layer_field_->set_layer(static_cast<std::uint64_t>(layer));
      cache_valid_ = false;  // the cached face velocities hold the previous layer's field
    }
    boundary = double(layer + 1) * settings_.layer_length;
  }
  const double limit = velocities_for(solution_);
  double dt = settings_.cfl * ssp_coefficient() * limit;
  dt = std::min({dt, max_step, settings_.max_time_step, boundary - time()});
  check_petsc(TSSetTimeStep(ts_, dt), "TSSetTimeStep");
  const PetscErrorCode code = TSStep(ts_);
  if (code != 0)
    throw errors::InternalError("continuum time step failed" +
                             (rhs_error_.empty() ? std::string() : ": " + rhs_error_));
  ++steps_;
  if (layer_field_ != nullptr &&
      std::abs(time() - boundary) <= simulation::same_time_tolerance(boundary))
    check_petsc(TSSetTime(ts_, boundary), "TSSetTime");
  return dt;
}

void Solver::advance_to(double end_time) {
  advance_to(end_time, [] { return true; });
}

bool Solver::advance_to(double end_time, const std::function<bool()>& after_step) {
  // Stop within a few ulps of end_time rather than take a step of length ~1e-16.
  const double tolerance = simulation::same_time_tolerance(end_time);
  while (end_time - time() > tolerance) {
    step(end_time - time());
    if (end_time - time() > tolerance && !after_step()) return false;
  }
  check_petsc(TSSetTime(ts_, end_time), "TSSetTime");
  return true;
}

void Solver::advance(double time_limit) {
  const double tolerance = simulation::same_time_tolerance(time_limit);
  if (time_limit - time() > tolerance) step(time_limit - time());
  // Land on the limit exactly rather than take a step of length ~1e-16 later.
  if (time_limit - time() <= tolerance) check_petsc(TSSetTime(ts_, time_limit), "TSSetTime");
}

void Solver::set_time_and_step(double time, std::int64_t steps) {
  check_petsc(TSSetTime(ts_, time), "TSSetTime");
  check_petsc(TSSetStepNumber(ts_, static_cast<PetscInt>(steps)), "TSSetStepNumber");
  steps_ = steps;
}

void Solver::velocity_at(Vec density, std::span<const double> targets,
                         std::vector<double>& velocity) {
  const PetscScalar* rho = nullptr;
  check_petsc(VecGetArrayRead(density, &rho), "VecGetArrayRead");
  masses_.resize(measures_.size());
  for (std::size_t i = 0; i < masses_.size(); ++i) masses_[i] = rho[i] * measures_[i];
  check_petsc(VecRestoreArrayRead(density, &rho), "VecRestoreArrayRead");
  velocity.resize(targets.size());
  velocity_.evaluate(targets, centres_, masses_, velocity);
  pairs_per_evaluation_ = velocity_.pairs_last_call();
}

Diagnostics Solver::diagnostics(int max_moment) {
  const auto rho = density();
  std::vector<double> masses(rho.size());
  double local_min = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < rho.size(); ++i) {
    masses[i] = rho[i] * measures_[i];
    local_min = std::min(local_min, rho[i]);
  }
  Diagnostics d;
  d.time = time();
  d.mass = parallel::ordered_sum(masses, comm_);
  check_mpi(MPI_Allreduce(&local_min, &d.min_density, 1, MPI_DOUBLE, MPI_MIN, comm_),
            "MPI_Allreduce(min density)");
  interaction::KernelSums sums;
  energy_engine_->evaluate(centres_, centres_, masses, sums);
  std::vector<double> pair_sums(rho.size());
  for (std::size_t i = 0; i < rho.size(); ++i) pair_sums[i] = masses[i] * sums.normaliser[i];
  const double double_sum = parallel::ordered_sum(pair_sums, comm_);
  // beta = 0: E diverges like 1/(2 beta); defined as (1/2) mass^2 like the particle diagnostics.
  d.energy_scaled = model_.beta > 0 ? double_sum / (2 * model_.beta) : 0.5 * d.mass * d.mass;
  // E_A e^{-beta} = (1/2) sum_i m_i (mass - Z_i): no large intermediate to cancel.
  for (std::size_t i = 0; i < rho.size(); ++i)
    pair_sums[i] = masses[i] * (d.mass - sums.normaliser[i]);
  d.energy_a_scaled = model_.beta > 0 ? 0.5 * parallel::ordered_sum(pair_sums, comm_) : 0.0;
  // The first and second moments of the cell masses at the centres, for the mean cosines.
  const int dim = model_.dimension;
  std::vector<double> first_second(std::size_t(dim + dim * dim), 0.0);
  for (std::size_t i = 0; i < rho.size(); ++i) {
    const double* x = centres_.data() + i * dim;
    for (int a = 0; a < dim; ++a) {
      first_second[a] += masses[i] * x[a];
      for (int b = 0; b < dim; ++b) first_second[dim + a * dim + b] += masses[i] * x[a] * x[b];
    }
  }
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, first_second.data(), static_cast<int>(first_second.size()),
                          MPI_DOUBLE, MPI_SUM, comm_),
            "MPI_Allreduce(first and second moments)");
  double first = 0, second = 0;
  for (int a = 0; a < dim; ++a) first += first_second[a] * first_second[a];
  for (int k = 0; k < dim * dim; ++k) second += first_second[dim + k] * first_second[dim + k];
  d.mean_cosine = first / (d.mass * d.mass);
  d.mean_squared_cosine = second / (d.mass * d.mass);
  std::vector<double> moment_sums(domain_->moment_sum_size(), 0.0);
  domain_->add_moment_sums(centres_, masses, moment_sums);
  check_mpi(MPI_Allreduce(MPI_IN_PLACE, moment_sums.data(), static_cast<int>(moment_sums.size()),
                          MPI_DOUBLE, MPI_SUM, comm_),
            "MPI_Allreduce(moments)");
  d.moments = domain_->moments(moment_sums, d.mass);
  const std::size_t count = domain_->moment_count(max_moment);
  errors::ensure(count <= d.moments.size(), "Solver::diagnostics: moments beyond order 16");
  d.moments.resize(count);
  std::vector<double> velocity;
  if (phases_.needs_velocity()) {
    velocity.resize(centres_.size());
    phase_velocity_.evaluate(centres_, centres_, masses, velocity);
  }
  d.phases = phases_.row(diagnostics::WeightedPoints{centres_, masses, velocity}, comm_);
  return d;
}

simulation::Description Solver::describe() const {
  std::ostringstream first;
  first << "attnflow-continuum " << version::number() << " (" << version::git_revision() << ") on "
        << parallel::size_of(comm_) << " ranks: " << domain_name() << ", " << global_cells_
        << " cells, " << model_.attention_name() << ", beta = " << model_.beta << ", "
        << time_stepper_description() << ", limiter " << limiter_name(settings_.limiter);
  if (model_.attention_sign != 1)
    first << ", attention " << (model_.attention_sign == 0 ? "off" : "repulsive (sign -1)");
  simulation::Description d;
  d.program = "attnflow-continuum";
  d.header = {first.str(), "engine: " + engine_->summary()};
  if (model_.log_time_scale() > 0)
    d.header.push_back("USA time rescaling: the run's time is t' = e^s t with s = " +
                       text::format_number(model_.log_time_scale()));
  if (mlp_constants_) {
    std::ostringstream layers;
    layers << "SPDE: MLP layers of length " << settings_.layer_length
           << ", weights keyed by (seed " << settings_.seed
           << ", layer), velocity X[rho] + P_x G_l(x) / sqrt(h) over each layer";
    d.header.push_back(layers.str());
    for (auto& line : theory::summary_lines(*mlp_constants_, *model_.mlp, model_.dimension,
                                            model_.beta))
      d.header.push_back(line);
  }
  d.items = global_cells_;
  d.dimension = model_.dimension;
  d.beta = model_.beta;
  d.engine = engine_->name();
  return d;
}

std::vector<std::string> Solver::diagnostic_columns() const {
  return continuum::diagnostic_columns(dimension());
}

std::vector<double> Solver::diagnostic_row() {
  return continuum::diagnostic_row(diagnostics(max_moment(dimension())));
}

std::vector<std::string> Solver::summary(const std::vector<double>& last_row) const {
  // Columns time, mass, min_density, energy_scaled (continuum::diagnostic_columns).
  std::ostringstream first, second;
  first << "attnflow-continuum: " << domain_name() << ", " << global_cells_ << " cells, "
        << model_.attention_name() << " beta " << model_.beta << ", "
        << time_stepper_description();
  second << "  time " << last_row.at(0)
         << (model_.log_time_scale() > 0
                 ? " (rescaled: t' = e^{s} t, s = " +
                       text::format_number(model_.log_time_scale()) + ")"
                 : std::string())
         << ", steps " << steps_ << ", mass " << last_row.at(1) << ", min density "
         << last_row.at(2) << ", energy_scaled " << last_row.at(3);
  return {first.str(), second.str()};
}

output::RunFile& Solver::create_output(const std::string& path,
                                       const std::string& resolved_input_ini, bool overwrite) {
  std::vector<output::Attribute> metadata = {
      {"model", model_.attention_name()},
      {"beta", model_.beta},
      {"limiter", limiter_name(settings_.limiter)},
      {"time_stepper", time_stepper_description()},
      {"engine", engine_->summary()},
      {"attention_sign", std::int64_t(model_.attention_sign)},
      {"time_unit", output::time_units(model_.log_time_scale())},
      {"ranks", std::int64_t(parallel::size_of(comm_))}};
  if (mlp_constants_) {
    for (auto& attribute : theory::describe(*mlp_constants_, *model_.mlp, settings_.layer_length))
      metadata.push_back(attribute);
  }
  writer_ = std::make_unique<Writer>(path, *this, resolved_input_ini, metadata, overwrite);
  return *writer_;
}

output::RunFile& Solver::resume_output(const std::string& path,
                                       const checkpoint::RunPosition& position) {
  writer_ = Writer::resume(path, *this, position.snapshots_written, position.diagnostics_written);
  return *writer_;
}

void Solver::write_snapshot() { writer_->write_snapshot(*this); }

namespace {
checkpoint::DensityDomain density_domain(const Solver& solver) {
  return {solver.domain_name(), solver.dimension(), solver.global_cells(),
          solver.time_stepper_description()};
}
}  // namespace

std::string Solver::write_checkpoint(const std::string& directory,
                                     const checkpoint::RunPosition& position,
                                     const std::string& resolved_input_ini, int keep) const {
  return checkpoint::write_density(directory, density_domain(*this), density(), global_indices_,
                                   position, resolved_input_ini, comm_, keep);
}

simulation::Simulation::Restored Solver::restore(const std::string& path_or_directory) {
  const auto checkpoint =
      checkpoint::read_density(path_or_directory, density_domain(*this), global_indices_, comm_);
  errors::require(checkpoint.position.snapshots_written >= 1 &&
                      checkpoint.position.snapshots_written ==
                          checkpoint.position.diagnostics_written,
                  "--restart: checkpoint '" + checkpoint.path +
                      "' counts different numbers of snapshots and diagnostic rows; it is not "
                      "from attnflow-continuum");
  set_density(checkpoint.density);
  set_time_and_step(checkpoint.position.time, checkpoint.position.step);
  return {checkpoint.position, checkpoint.input, checkpoint.path};
}

std::unique_ptr<Solver> make_solver(const model::Model& model, std::int64_t cells,
                                    int refinements, const Settings& settings, MPI_Comm comm) {
  using errors::require;
  require(!model.causal, "--causal: the mean-field PDE has no causal mask; drop the option");
  require(!model.stochastic(),
          "--common-noise/--independent-noise: the continuum solver has no Brownian noise (its "
          "noise is the MLP field, --mlp); set both to 0");
  require(!model.mlp || (std::isfinite(settings.layer_length) && settings.layer_length > 0),
          "--layers: the SPDE with an MLP block needs the layer length: give --layers L > 0 "
          "(h = final-time / L)");
  require(std::isfinite(settings.cfl) && settings.cfl > 0 && settings.cfl <= 1,
          "--cfl: must be in (0, 1] (positivity needs <= 0.5 with MUSCL on the circle)");
  // The circle's forward-Euler limit dx / max|X| assumes first-order face values; MUSCL face
  // values reach 2 rho_i, so only cfl <= 1/2 keeps the density >= 0 (the sphere's limit already
  // carries its reconstruction factor).
  require(model.dimension != 2 || settings.limiter == Limiter::first_order || settings.cfl <= 0.5,
          "--cfl: must be <= 0.5 on the circle with the " + limiter_name(settings.limiter) +
              " limiter (MUSCL face values reach 2 rho_i); use <= 0.5 or --limiter first-order");
  require(std::isfinite(settings.max_time_step) && settings.max_time_step > 0,
          "--max-time-step: must be a finite number > 0");
  if (model.dimension == 2) return make_circle_solver(model, cells, settings, comm);
  require(model.dimension == 3, "--dimension: the continuum solver supports 2 (circle) and 3 "
                                "(sphere), got " + std::to_string(model.dimension));
  require(refinements >= 0 && refinements <= 7,
          "--refine: must be in 0..7 (20 * 4^r cells), got " + std::to_string(refinements));
  return make_sphere_solver(model, refinements, settings, comm);
}

}  // namespace attnflow::continuum

#pragma once
// The interaction engine: for every target x_i it returns the weighted kernel sums
//   numerator_i  = sum_j w_j e^{beta <Q x_i, K y_j> - shift_i} V y_j,
//   normaliser_i = sum_j w_j e^{beta <Q x_i, K y_j> - shift_i},
// over a source set distributed across the ranks (particles: y = x, w = 1/N; the continuum
// solver: cell centres with cell masses). Implementations are selected by name: direct
// (all-gather), ring (O(N/P) memory, same bits as direct), spectral (circle and S^2 moments),
// large-beta (cut-off near-field sums on a spatial grid, spatial decomposition over the ranks).
#include <mpi.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "parallel/timers.hpp"

namespace attnflow::config {
class OptionSet;
}

namespace attnflow::interaction {

// What a kernel sum needs from the model.
struct Kernel {
  int dimension = 3;
  double beta = 1.0;
  bool normalised = true;   // SA: the shift cancels in numerator / normaliser
  bool causal = false;      // sums run over global source index j <= target index i
  model::Matrix query_key;  // K^T Q, so that <Q x, K y> = <K^T Q x, y>
  model::Matrix value;
  // USA: the constant shift s = beta |Q| |K| (the time rescaling t' = e^s t). SA with Q = K = I:
  // beta (exact when the target is among the sources); SA otherwise: the exact per-target max.
  double constant_shift = 0.0;
  static Kernel from_model(const model::Model& model);
  bool identity_query_key() const { return query_key.is_identity(); }
};

struct KernelSums {
  std::vector<double> numerator;   // count x dimension, row-major
  std::vector<double> normaliser;  // count
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  // One line for run summaries and output metadata (approximate engines state their accuracy).
  virtual std::string summary() const { return name(); }
  // Collective over the engine's communicator. `targets` are this rank's targets (count x d,
  // row-major); `sources` and `weights` are this rank's block of the distributed sources (the
  // global order is the rank order). With a causal kernel the targets must be the sources.
  virtual void evaluate(std::span<const double> targets, std::span<const double> sources,
                        std::span<const double> weights, KernelSums& sums) = 0;
  // True when evaluate() only accepts the sources themselves as targets (the ring engine).
  virtual bool targets_must_be_sources() const { return false; }
  // Kernel evaluations (pairs) this rank performed in the last evaluate().
  double pairs_last_call() const { return pairs_; }
  void set_timers(parallel::Timers* timers) { timers_ = timers; }

 protected:
  double pairs_ = 0;
  parallel::Timers* timers_ = nullptr;
};

// Settings of the approximate engines (the direct engine ignores them).
struct EngineOptions {
  // spectral, large-beta: bound on every kernel sum's error relative to the largest possible
  // sum (total weight x largest kernel value); see spectral_engine.hpp, large_beta_engine.hpp.
  double tolerance = 1e-10;
  // direct, ring: "double", or "float" (single-precision kernel with float partial sums flushed
  // into double every 256 sources; dimensions 2 and 3).
  std::string precision = "double";
};

// Where an app evaluates the velocity: at the sources themselves (the particles), or at any
// points (the continuum's cell faces), which the ring engine cannot do (targets_must_be_sources).
enum class Targets { sources, any_points };
// Names accepted by make_engine, for help texts and error messages; for Targets::any_points only
// the engines that can evaluate at any points.
std::vector<std::string> engine_names(Targets targets = Targets::sources);
// Throws errors::InputError for an unknown name or settings the engine cannot handle.
std::unique_ptr<Engine> make_engine(const std::string& name, const Kernel& kernel, MPI_Comm comm);
std::unique_ptr<Engine> make_engine(const std::string& name, const Kernel& kernel, MPI_Comm comm,
                                    const EngineOptions& options);

// Registers --engine, --engine-tolerance and --engine-precision, with the engines `targets`
// allows in the help; engine_options() reads them.
void add_engine_options(config::OptionSet& options, Targets targets = Targets::sources);
EngineOptions engine_options(const config::OptionSet& options);

// The attention output a_i = numerator_i / normaliser_i (SA) or numerator_i (USA, in the
// rescaled time), before the tangent projection. `output` has count x d entries.
void attention_output(const Kernel& kernel, const KernelSums& sums, std::span<double> output);

}  // namespace attnflow::interaction

#pragma once
// What the run driver (simulation/driver.hpp) needs from a solver, in the spirit of MFEM's
// TimeDependentOperator: advance one step, report time and step, describe itself, produce a
// diagnostics row, own its output file and write snapshots into it, and write and restore a
// checkpoint. Implemented by the particle system (simulation/particle_system.hpp) and by the
// continuum solver (continuum/solver.hpp). Every member function is collective over comm().
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_file.hpp"
#include "output/run_file.hpp"
#include "parallel/timers.hpp"

namespace attnflow::simulation {

// How a simulation presents itself in the run summary and the scaling record.
struct Description {
  std::string program;              // "attnflow-particles"
  std::vector<std::string> header;  // printed by rank 0 before the run
  std::int64_t items = 0;           // tokens or cells
  int dimension = 0;
  double beta = 0;
  std::string engine;               // the interaction engine's name
};

class Simulation {
 public:
  virtual ~Simulation() = default;
  virtual MPI_Comm comm() const = 0;

  // --- The dynamics.
  virtual double time() const = 0;
  virtual std::int64_t step_count() const = 0;
  // One step. A simulation with adaptive steps never passes `time_limit` and lands on it exactly
  // when it gets close; fixed-step simulations take their step whatever the limit.
  virtual void advance(double time_limit) = 0;

  // --- Describing and observing it.
  virtual Description describe() const = 0;
  virtual std::vector<std::string> diagnostic_columns() const = 0;
  // One row of the diagnostics table for the current state (same order as the columns).
  virtual std::vector<double> diagnostic_row() = 0;
  // Lines printed by rank 0 after a finished run, given the last diagnostics row.
  virtual std::vector<std::string> summary(const std::vector<double>& last_row) const = 0;

  // --- Output. The simulation creates (new run) or reopens (restart) its run file and keeps it;
  // the driver writes diagnostics, flushes and finishes it through the returned reference.
  virtual output::RunFile& create_output(const std::string& path,
                                         const std::string& resolved_input_ini,
                                         bool overwrite) = 0;
  virtual output::RunFile& resume_output(const std::string& path,
                                         const checkpoint::RunPosition& position) = 0;
  virtual void write_snapshot() = 0;

  // --- Checkpoints (checkpoint/checkpoint_file.hpp conventions): keep > 0 removes all but the
  // newest `keep` checkpoints of the directory afterwards. Returns the written file.
  virtual std::string write_checkpoint(const std::string& directory,
                                       const checkpoint::RunPosition& position,
                                       const std::string& resolved_input_ini, int keep) const = 0;
  // Replaces the state by the checkpoint's (after checking that it belongs to this simulation:
  // shapes, domain); returns what the driver needs to continue. Throws errors::InputError naming
  // the file otherwise.
  struct Restored {
    checkpoint::RunPosition position;
    std::string input;  // the resolved input of the run that wrote it
    std::string path;   // the file actually read
  };
  virtual Restored restore(const std::string& path_or_directory) = 0;

  // --- Accounting for the timing table: kernel pairs this rank evaluated since construction,
  // and the per-section wall-clock timers the solver fills.
  virtual double pairs_evaluated() const = 0;
  virtual parallel::Timers& timers() = 0;
};

}  // namespace attnflow::simulation

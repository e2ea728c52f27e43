#pragma once
// The one run loop of every solver (LAMMPS's run command, MFEM's ODESolver loop): restart or a
// new output file, the observers on their schedules (diagnostics rows, snapshots, checkpoints,
// progress, and any extra observer; the output is flushed at every output step so that it can be
// read while the run goes), stop signals and --stop-after-steps (checkpoint, exit
// status 75), the end-of-run summary, the scaling-study row and the LAMMPS-style timing table.
// The solver-specific parts live behind simulation::Simulation; run/particle_run.cpp and
// run/continuum_run.cpp only assemble a Simulation and a RunControl from the options.
#include <cstdint>
#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "simulation/schedule.hpp"
#include "simulation/simulation.hpp"

namespace attnflow::simulation {

// Exit status of a run that stopped early (signal or --stop-after-steps) after a checkpoint:
// EX_TEMPFAIL, "try again": restart it with --restart.
inline constexpr int stopped_for_restart = 75;

// Where a run ends: after `steps` steps when steps > 0 (fixed-step solvers), otherwise at
// simulated time `time`.
struct Horizon {
  std::int64_t steps = 0;
  double time = 0;
  bool reached(const Simulation& simulation) const;
  // Fraction of the horizon reached from time or step 0 (for progress and ETA).
  double fraction(const Simulation& simulation) const;
  // The time the next step may not pass (infinity for a step horizon).
  double time_limit() const;
};

struct RunControl {
  Horizon horizon;
  // Diagnostics and snapshots are also recorded at the last step; checkpoints never are (the run
  // is complete then).
  Schedule diagnostics = Schedule::every_steps(1);
  Schedule snapshots = Schedule::every_steps(1);
  Schedule checkpoints = Schedule::never();
  std::string output;
  bool overwrite = false;
  std::string restart;               // checkpoint file or directory; empty for a new run
  std::string checkpoint_directory;
  int checkpoint_keep = 0;           // > 0: keep only the newest K checkpoints
  std::int64_t stop_after_steps = 0;  // 0: run to the horizon
  bool quiet = false;
  double progress_interval = 60;     // seconds between plain progress lines (not a terminal)
  std::string timing_csv;            // append a scaling-study row (simulation/scaling_record.hpp)
  std::string input_file;            // recorded in the scaling row
  std::string resolved_input;        // echoed into the output and checkpoints
  std::set<std::string> restart_free_keys;  // simulation/restart_check.hpp
};

// Something that looks at the simulation after every step (and once at the start of a new run),
// besides the built-in diagnostics, snapshot and progress observers: e.g. an event log.
class Observer {
 public:
  virtual ~Observer() = default;
  // `last`: the run has reached its horizon. Collective.
  virtual void observe(Simulation& simulation, bool last) = 0;
};

// Runs the simulation as `control` says and prints to `out` on rank 0 (nothing with quiet but
// errors). Throws errors::InputError before writing anything when the restart does not belong
// to this run. Returns 0 when the run reached its horizon, stopped_for_restart after a stop
// checkpoint. Collective.
int drive(Simulation& simulation, RunControl control, std::ostream& out,
          const std::vector<Observer*>& observers = {});

}  // namespace attnflow::simulation

#pragma once
// Wall-clock accounting per section (compute, communication, output, other), reduced to
// min/avg/max over ranks for the end-of-run table in the style of LAMMPS. When PETSc is
// initialised (the continuum), the scopes are PETSc log events as well ("attnflow communication",
// "attnflow output" and the phases a scope names, e.g. "attnflow velocity"), so that -log_view
// attributes attnflow's own time.
#include <mpi.h>

#include <array>
#include <iosfwd>
#include <string>

namespace attnflow::parallel {

enum class Section { compute = 0, communication = 1, output = 2, other = 3 };
inline constexpr int section_count = 4;
const char* section_name(Section section);

// A PETSc log event "attnflow <name>", registered at its first use after PetscInitialize; begin
// and end do nothing while PETSc is not initialised (the particle apps).
class LogEvent {
 public:
  explicit LogEvent(const char* name) : name_(name) {}
  void begin();
  void end();

 private:
  const char* name_;
  int event_ = -1;
  bool begun_ = false;
};

// The events of the sections (communication, output; none for compute and other) and of phases.
LogEvent* section_event(Section section);
LogEvent& velocity_event();
LogEvent& reconstruction_event();

class Timers {
 public:
  void add(Section section, double seconds) { totals_[static_cast<int>(section)] += seconds; }
  double total(Section section) const { return totals_[static_cast<int>(section)]; }
  void reset() { totals_.fill(0.0); }

  // Adds the elapsed time between construction and destruction to one section.
  class Scope {
   public:
    Scope(Timers* timers, Section section, LogEvent* event = nullptr)
        : timers_(timers), section_(section),
          event_(event ? event : section_event(section)), start_(MPI_Wtime()) {
      if (event_) event_->begin();
    }
    ~Scope() {
      if (event_) event_->end();
      if (timers_) timers_->add(section_, MPI_Wtime() - start_);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Timers* timers_;
    Section section_;
    LogEvent* event_;
    double start_;
  };

  struct Summary {
    std::array<double, section_count> minimum{}, average{}, maximum{};
  };
  // Collective.
  Summary summarise(MPI_Comm comm) const;

 private:
  std::array<double, section_count> totals_{};
};

// Prints the LAMMPS-style table on rank 0: loop time, steps/s, pairs/s and per-section
// min/avg/max over ranks with the percentage of loop time. Collective.
void print_timing_table(std::ostream& out, const Timers& timers, double loop_seconds,
                        long long steps, double pairs_per_step, MPI_Comm comm);

}  // namespace attnflow::parallel

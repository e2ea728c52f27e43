#include "parallel/timers.hpp"

#include <cstdio>
#include <ostream>

#include <petsclog.h>

#include <string>

#include "parallel/partition.hpp"

namespace attnflow::parallel {

namespace {
bool petsc_running() {
  PetscBool initialized = PETSC_FALSE, finalized = PETSC_FALSE;
  PetscInitialized(&initialized);
  PetscFinalized(&finalized);
  return initialized && !finalized;
}
}  // namespace

void LogEvent::begin() {
  begun_ = petsc_running();
  if (!begun_) return;
  if (event_ < 0) {
    PetscLogEvent event = 0;
    if (PetscLogEventRegister((std::string("attnflow ") + name_).c_str(), PETSC_OBJECT_CLASSID,
                              &event) != 0) {
      begun_ = false;
      return;
    }
    event_ = event;
  }
  (void)PetscLogEventBegin(event_, 0, 0, 0, 0);
}

void LogEvent::end() {
  if (begun_) (void)PetscLogEventEnd(event_, 0, 0, 0, 0);
  begun_ = false;
}

LogEvent* section_event(Section section) {
  static LogEvent communication("communication"), output("output");
  if (section == Section::communication) return &communication;
  if (section == Section::output) return &output;
  return nullptr;
}

LogEvent& velocity_event() {
  static LogEvent event("velocity");
  return event;
}

LogEvent& reconstruction_event() {
  static LogEvent event("reconstruction");
  return event;
}

const char* section_name(Section section) {
  static const char* names[] = {"Compute", "Comm", "Output", "Other"};
  return names[static_cast<int>(section)];
}

Timers::Summary Timers::summarise(MPI_Comm comm) const {
  Summary s;
  const int size = size_of(comm);
  MPI_Allreduce(totals_.data(), s.minimum.data(), section_count, MPI_DOUBLE, MPI_MIN, comm);
  MPI_Allreduce(totals_.data(), s.maximum.data(), section_count, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(totals_.data(), s.average.data(), section_count, MPI_DOUBLE, MPI_SUM, comm);
  for (auto& a : s.average) a /= size;
  return s;
}

void print_timing_table(std::ostream& out, const Timers& timers, double loop_seconds,
                        long long steps, double pairs_per_step, MPI_Comm comm) {
  Timers copy = timers;
  double accounted = 0;
  for (int i = 0; i < 3; ++i) accounted += timers.total(static_cast<Section>(i));
  copy.add(Section::other, std::max(0.0, loop_seconds - accounted) - timers.total(Section::other));
  const auto s = copy.summarise(comm);
  if (rank_of(comm) != 0) return;
  const int ranks = size_of(comm);
  char line[256];
  std::snprintf(line, sizeof line, "Loop time of %.6g on %d procs for %lld steps\n", loop_seconds,
                ranks, steps);
  out << line;
  const double rate = loop_seconds > 0 ? steps / loop_seconds : 0.0;
  std::snprintf(line, sizeof line, "Performance: %.6g steps/s, %.6g pairs/s, %.6g pairs/s/proc\n",
                rate, rate * pairs_per_step, rate * pairs_per_step / ranks);
  out << line << "\nSection |  min time  |  avg time  |  max time  | %total\n"
      << "--------------------------------------------------------\n";
  for (int i = 0; i < section_count; ++i) {
    const double percent = loop_seconds > 0 ? 100.0 * s.average[i] / loop_seconds : 0.0;
    std::snprintf(line, sizeof line, "%-7s | %10.4g | %10.4g | %10.4g | %6.2f\n",
                  section_name(static_cast<Section>(i)), s.minimum[i], s.average[i], s.maximum[i],
                  percent);
    out << line;
  }
}

}  // namespace attnflow::parallel

#pragma once
// Wall-clock accounting per section (compute, communication, output, other), reduced to
// min/avg/max over ranks for the end-of-run table in the style of LAMMPS.
#include <mpi.h>

#include <array>
#include <iosfwd>
#include <string>

namespace attnflow::parallel {

enum class Section { compute = 0, communication = 1, output = 2, other = 3 };
inline constexpr int section_count = 4;
const char* section_name(Section section);

class Timers {
 public:
  void add(Section section, double seconds) { totals_[static_cast<int>(section)] += seconds; }
  double total(Section section) const { return totals_[static_cast<int>(section)]; }
  void reset() { totals_.fill(0.0); }

  // Adds the elapsed time between construction and destruction to one section.
  class Scope {
   public:
    Scope(Timers* timers, Section section)
        : timers_(timers), section_(section), start_(MPI_Wtime()) {}
    ~Scope() {
      if (timers_) timers_->add(section_, MPI_Wtime() - start_);
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Timers* timers_;
    Section section_;
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

#pragma once
// What one attnflow-longcontext run does, read from its options: for each key count n, exponent a
// and scale c one beta = c n^a, all betas of a key count in one pass over its keys; the rows and
// distributions it produces, and the terminal summary.
#include <mpi.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "longcontext/attention_study.hpp"
#include "longcontext/study_output.hpp"

namespace attnflow::config {
class OptionSet;
}
namespace attnflow::parallel {
class Timers;
}

namespace attnflow::longcontext {

struct StudyPlan {
  StudySetup setup;                    // keys and betas are set per key count
  std::vector<double> key_counts;      // n (poisson: none)
  std::vector<double> exponents;       // a (poisson: the critical exponent, for the record)
  std::vector<double> scales;          // c
  bool independent_counts = false;     // key count number i uses seed + i
  bool poisson_references = true;      // the quadratures of PoissonReferences
  int bins = 40;                       // histogram bins of the distributions
  bool with_distributions = false;
};

// Registers every option of attnflow-longcontext except output and overwrite.
void add_study_options(config::OptionSet& options);
// Throws errors::InputError naming the option for any invalid input (before anything runs).
StudyPlan plan_from_options(const config::OptionSet& options);

struct PlanResult {
  std::vector<SummaryRow> rows;
  std::vector<DistributionBlock> distributions;  // empty unless plan.with_distributions
  long long queries = 0;                         // over all key counts
  double keys_per_query = 0;                     // mean keys entering the sums (n or M)
};
// Runs every key count (collective); every rank returns the same result.
PlanResult run_plan(const StudyPlan& plan, MPI_Comm comm, parallel::Timers* timers = nullptr);

// The terminal table: per row n, a, c, c_n, regime, largest weight and critical deficit with
// standard errors next to their Poisson references, keys used per query.
void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, int top_count);

}  // namespace attnflow::longcontext

#pragma once
// One CSV row per run for scaling studies (--timing-csv): git revision, input, N, d, beta, engine,
// ranks, nodes, wall time split into compute / communication / output (average over ranks),
// pairs/s per core and peak resident memory per rank. Appended by rank 0; the header is written
// when the file is new.
#include <mpi.h>

#include <string>

#include "parallel/timers.hpp"

namespace attnflow::simulation {

struct ScalingRecord {
  std::string input;
  long long tokens = 0;
  int dimension = 0;
  double beta = 0;
  std::string engine;
  long long steps = 0;
  double loop_seconds = 0;
  double pairs_per_step = 0;
};

// Number of distinct nodes (shared-memory domains) in comm. Collective.
int node_count(MPI_Comm comm);
// Largest peak resident set size over the ranks, in MiB. Collective.
double peak_memory_mebibytes(MPI_Comm comm);
// Collective; rank 0 appends the row to `path`. Throws errors::IoError on every rank when it
// cannot.
void append_scaling_record(const std::string& path, const ScalingRecord& record,
                           const parallel::Timers& timers, MPI_Comm comm);

}  // namespace attnflow::simulation

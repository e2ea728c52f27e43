#include "simulation/scaling_record.hpp"

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "version/version.hpp"
#include "text/number_format.hpp"

namespace attnflow::simulation {

using parallel::check_mpi;

int node_count(MPI_Comm comm) {
  MPI_Comm node;
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type(node)");
  int leader = parallel::rank_of(node) == 0 ? 1 : 0, nodes = 0;
  check_mpi(MPI_Comm_free(&node), "MPI_Comm_free(node)");
  check_mpi(MPI_Allreduce(&leader, &nodes, 1, MPI_INT, MPI_SUM, comm), "MPI_Allreduce(nodes)");
  return nodes;
}

double peak_memory_mebibytes(MPI_Comm comm) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double local = usage.ru_maxrss / 1024.0, peak = 0;  // ru_maxrss is in KiB on Linux
  check_mpi(MPI_Allreduce(&local, &peak, 1, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce(memory)");
  return peak;
}

void append_scaling_record(const std::string& path, const ScalingRecord& r,
                           const parallel::Timers& timers, MPI_Comm comm) {
  const auto summary = timers.summarise(comm);
  const int ranks = parallel::size_of(comm), nodes = node_count(comm);
  const double memory = peak_memory_mebibytes(comm);
  // Rank 0 appends; every rank learns whether it could, so that a failure ends all of them the
  // same way (an I/O error naming the file) instead of leaving them in the next collective.
  int written = 1;
  if (parallel::rank_of(comm) == 0) {
    const bool fresh = !std::filesystem::exists(path);
    std::ofstream out(path, std::ios::app);
    if (out && fresh)
      out << "git_revision,input,tokens,dimension,beta,engine,ranks,nodes,steps,wall_seconds,"
             "compute_seconds,communication_seconds,output_seconds,pairs_per_second_per_core,"
             "peak_memory_mib_per_rank\n";
    const auto average = [&](parallel::Section s) { return summary.average[static_cast<int>(s)]; };
    const double rate =
        r.loop_seconds > 0 ? r.steps * r.pairs_per_step / r.loop_seconds / ranks : 0.0;
    using text::format_number;
    out << version::git_revision() << "," << (r.input.empty() ? "-" : r.input) << "," << r.tokens
        << "," << r.dimension << "," << format_number(r.beta) << "," << r.engine << "," << ranks
        << "," << nodes << "," << r.steps << "," << format_number(r.loop_seconds) << ","
        << format_number(average(parallel::Section::compute)) << ","
        << format_number(average(parallel::Section::communication)) << ","
        << format_number(average(parallel::Section::output)) << "," << format_number(rate) << ","
        << format_number(memory) << "\n";
    out.flush();
    written = out ? 1 : 0;
  }
  check_mpi(MPI_Bcast(&written, 1, MPI_INT, 0, comm), "MPI_Bcast(timing csv)");
  if (!written) throw errors::IoError("--timing-csv: cannot append to", path, "");
}

}  // namespace attnflow::simulation

#include "run/scaling_record.hpp"

#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "version/version.hpp"
#include "text/number_format.hpp"

namespace attnflow::run {

int node_count(MPI_Comm comm) {
  MPI_Comm node;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int leader = parallel::rank_of(node) == 0 ? 1 : 0, nodes = 0;
  MPI_Comm_free(&node);
  MPI_Allreduce(&leader, &nodes, 1, MPI_INT, MPI_SUM, comm);
  return nodes;
}

double peak_memory_mebibytes(MPI_Comm comm) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double local = usage.ru_maxrss / 1024.0, peak = 0;  // ru_maxrss is in KiB on Linux
  MPI_Allreduce(&local, &peak, 1, MPI_DOUBLE, MPI_MAX, comm);
  return peak;
}

void append_scaling_record(const std::string& path, const ScalingRecord& r,
                           const parallel::Timers& timers, MPI_Comm comm) {
  const auto summary = timers.summarise(comm);
  const int ranks = parallel::size_of(comm), nodes = node_count(comm);
  const double memory = peak_memory_mebibytes(comm);
  if (parallel::rank_of(comm) != 0) return;
  const bool fresh = !std::filesystem::exists(path);
  std::ofstream out(path, std::ios::app);
  if (!out) throw errors::InputError("--timing-csv: cannot append to '" + path + "'");
  if (fresh)
    out << "git_revision,input,tokens,dimension,beta,engine,ranks,nodes,steps,wall_seconds,"
           "compute_seconds,communication_seconds,output_seconds,pairs_per_second_per_core,"
           "peak_memory_mib_per_rank\n";
  const auto average = [&](parallel::Section s) { return summary.average[static_cast<int>(s)]; };
  const double rate =
      r.loop_seconds > 0 ? r.steps * r.pairs_per_step / r.loop_seconds / ranks : 0.0;
  out << version::git_revision() << "," << (r.input.empty() ? "-" : r.input) << "," << r.tokens
      << "," << r.dimension << "," << text::format_number(r.beta) << "," << r.engine << ","
      << ranks << "," << nodes << "," << r.steps << "," << r.loop_seconds << ","
      << average(parallel::Section::compute) << ","
      << average(parallel::Section::communication) << "," << average(parallel::Section::output)
      << "," << rate << "," << memory << "\n";
}

}  // namespace attnflow::run

#pragma once
// The particle run's output file: snapshots of all token positions, a diagnostics table and the
// resolved input, in one parallel HDF5 file written under path + ".partial" and renamed into place
// by finish(), with an XDMF sidecar (ParaView) and a CSV of the diagnostics next to it.
//
// Layout of run.h5 (format attribute "attnflow-particles 1"):
//   /positions    snapshots x N x d  float64 (chunked, extendable; token i = global index i)
//   /time         snapshots          float64 (simulated time of each snapshot)
//   /step         snapshots          int64
//   /diagnostics  records x columns  float64, attribute "columns" (fixed-length strings)
//   /input        the resolved input file (string); each "key = value" line also as an attribute
//   root attributes: format, version, git_revision, dimension, token_count and the metadata pairs.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "output/hdf5.hpp"
#include "output/run_file.hpp"
#include "particles/state.hpp"

namespace attnflow::output {

inline constexpr const char* particle_format = "attnflow-particles 1";

class RunWriter {
 public:
  // Checks the path (see check_output_path) before creating anything, then creates path.partial.
  RunWriter(const std::string& path, MPI_Comm comm, int dimension, std::int64_t token_count,
            std::vector<std::string> diagnostic_columns, const std::string& resolved_input_ini,
            const std::vector<std::pair<std::string, std::string>>& metadata, bool overwrite);
  // Restart: reopens path.partial, checks dimension, token count and columns, and truncates the
  // snapshots and diagnostics to the counts a checkpoint recorded (rows written after it are
  // dropped). Throws InputError when the partial file is missing, unreadable or does not match.
  static RunWriter resume(const std::string& path, MPI_Comm comm, int dimension,
                          std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                          std::int64_t snapshot_count, std::int64_t diagnostic_count);
  RunWriter(RunWriter&&) = default;
  ~RunWriter();  // without finish(): closes path.partial and leaves it for a restart

  // Collective: appends this rank's block of positions, the time and the step.
  void write_snapshot(const particles::State& state);
  // Collective: appends one row (rank 0's values are written).
  void write_diagnostics(const std::vector<double>& row);
  // Collective: flushes to disk (call before writing a checkpoint that records the counts).
  void flush();
  // Collective: closes, renames path.partial to path, writes path.xdmf and path.csv (stem of the
  // path with those extensions), all atomically. The XDMF geometry is XY on the circle and the
  // first three coordinates for d >= 3 (ParaView has no higher-dimensional points); the CSV starts
  // with the resolved input as '#' lines, then the column names, then one line per record.
  void finish();

  std::int64_t snapshot_count() const { return snapshots_; }
  std::int64_t diagnostic_count() const { return diagnostics_; }
  const std::string& path() const { return path_; }
  std::string partial_path() const { return output::partial_path(path_); }

 private:
  RunWriter() = default;
  void open_datasets();

  std::string path_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int dimension_ = 0;
  std::int64_t token_count_ = 0;
  std::vector<std::string> columns_;
  std::int64_t snapshots_ = 0, diagnostics_ = 0;
  Handle file_, positions_, time_, step_, diagnostics_table_;
  bool finished_ = false;
};

// Reads snapshot `snapshot_index` (-1 = the last) of a particle run file into a block partition
// of comm (State.time and .step from the file). Throws InputError naming the file when it is
// unreadable, not an attnflow particle file, has no snapshots, the index is out of range, or its
// dimension differs from expected_dimension.
particles::State read_snapshot(const std::string& path, MPI_Comm comm, int expected_dimension,
                               std::int64_t snapshot_index);

}  // namespace attnflow::output

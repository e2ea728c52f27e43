#pragma once
// The particle run file: snapshots of all token positions on top of the common run file
// (output/run_file.hpp: time, step, diagnostics, input, partial/resume/publish), and the one
// reader of such files (initial states, the continuum's particle histogram, attnflow-compare).
//
// Layout (format attribute "attnflow-particles 1"):
//   /positions     snapshots x N x d  float64 (chunked, extendable; token i = global index i),
//                  units "1" (unit vectors)
//   /cluster_label snapshots x N      int32: token i's cluster at that snapshot (clusters as in
//                  the diagnostics: connected components of <x_i, x_j> > 1 - cluster tolerance,
//                  numbered 0, 1, ... in the order of their smallest global index); only in runs
//                  with the pair diagnostics (not with --skip-pair-diagnostics)
//   /token_index   N int64: 0, 1, ..., N-1 (the global index, as a field to colour by)
//   /views/positions/<s> (N x min(d, 3)), /views/cluster_label/<s>: virtual views of snapshot s
//   /time, /step, /diagnostics, /input as in every run file
//   root attributes: format, version, git_revision, dimension, token_count and the metadata.
// XDMF: a temporal collection of Polyvertex grids over /token_index, XY on the circle and the
// first three coordinates for d >= 3 (ParaView has no higher-dimensional points), with the point
// fields token_index and cluster_label.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "output/run_file.hpp"
#include "particles/state.hpp"

namespace attnflow::particles {

inline constexpr const char* particle_format = "attnflow-particles 1";

class RunWriter final : public output::RunFile {
 public:
  // Checks the path (output::check_output_path) before creating anything, then creates
  // path.partial.
  // `time_units`: of /time (output::time_units); `cluster_labels`: the file holds
  // /cluster_label (write_snapshot then needs the labels).
  RunWriter(const std::string& path, MPI_Comm comm, int dimension, std::int64_t token_count,
            std::vector<std::string> diagnostic_columns, const std::string& resolved_input_ini,
            const std::vector<output::Attribute>& metadata, bool overwrite,
            const std::string& time_units = "1", bool cluster_labels = false);
  // Restart: reopens path.partial, checks dimension, token count and columns, and truncates the
  // snapshots and diagnostics to the counts a checkpoint recorded (rows written after it are
  // dropped). Throws errors::InputError when the partial file is missing, unreadable or does not
  // match.
  static RunWriter resume(const std::string& path, MPI_Comm comm, int dimension,
                          std::int64_t token_count, std::vector<std::string> diagnostic_columns,
                          std::int64_t snapshot_count, std::int64_t diagnostic_count,
                          bool cluster_labels = false);
  // The same as a constructor (for owners that hold it by pointer).
  struct Resumed {};
  RunWriter(Resumed, const std::string& path, MPI_Comm comm, int dimension,
            std::int64_t token_count, std::vector<std::string> diagnostic_columns,
            output::ResumeCounts counts, bool cluster_labels = false);
  // Collective: appends this rank's block of positions, the time and the step, and, when the
  // file holds cluster labels, `labels` (this rank's block of them).
  void write_snapshot(const State& state, const std::vector<std::int32_t>* labels = nullptr);
  bool has_cluster_labels() const { return cluster_labels_; }

 private:
  std::string xdmf(const std::string& file_name, const std::vector<double>& times) const override;

  void write_token_index();

  int dimension_;
  std::int64_t token_count_;
  bool cluster_labels_;
};

// An attnflow particle file opened for reading over `comm` (MPI_COMM_SELF for one process).
class ParticleFile {
 public:
  // Throws errors::InputError naming the file (as `role`, e.g. "--initial-file") when it is
  // missing, not a regular file, not HDF5, not an attnflow particle file, has no snapshots,
  // datasets of the wrong shape or stored type (/positions and /time floating point, /step
  // integer) or a non-finite time; errors::IoError when the system refuses to read it (exit 1).
  // Collective.
  ParticleFile(const std::string& path, MPI_Comm comm, const std::string& role = "particle file");
  int dimension() const { return dimension_; }
  std::int64_t token_count() const { return token_count_; }
  std::int64_t snapshot_count() const { return std::int64_t(times_.size()); }
  const std::vector<double>& times() const { return times_; }
  const std::string& path() const { return path_; }
  // The snapshot index for `index` (negative counts from the end: -1 = the last); throws
  // errors::InputError naming the file when there is none.
  std::int64_t snapshot(std::int64_t index) const;
  // Collective: snapshot `index` (-1 = the last) in a block partition of the communicator, with
  // the snapshot's time and step. Both readers refuse (errors::InputError naming the file, the
  // snapshot and the first bad token) a position that is not finite or not a unit vector within
  // output::unit_norm_tolerance (output/input_check.hpp).
  State read_state(std::int64_t index) const;
  // All N x d positions of snapshot `index` on this process (a file opened over MPI_COMM_SELF:
  // the read is collective over the file's communicator).
  std::vector<double> read_positions(std::int64_t index) const;
  output::DiagnosticsTable diagnostics() const;

 private:
  std::string path_, what_;
  MPI_Comm comm_;
  output::Handle file_;
  int dimension_ = 0;
  std::int64_t token_count_ = 0;
  std::vector<double> times_;
  std::vector<std::int64_t> steps_;
};

// Snapshot `snapshot_index` (-1 = the last) of a particle file as the block partition of comm, for
// a run of `expected_dimension`. Throws errors::InputError naming the file ("initial-state file")
// for every problem ParticleFile names, another dimension, or no such snapshot. Collective.
State read_snapshot(const std::string& path, MPI_Comm comm, int expected_dimension,
                    std::int64_t snapshot_index);

}  // namespace attnflow::particles

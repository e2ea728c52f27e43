#pragma once
// Restart files of the continuum solver: the cell averages in canonical cell order (row i is the
// cell of canonical index i, whatever partition wrote it: on the sphere PETSc's storage order
// depends on the rank count), the domain and time stepper they belong to, the run's position and
// the resolved input (file names, `latest` pointer and checksum: checkpoint_file.hpp). The CFL step
// is a function of the density alone, so time and density continue the run exactly.
//
// Layout (format attribute "attnflow-continuum-checkpoint 1"): /density cells x 1 float64 in
// canonical order; root attributes domain ("circle" or "sphere"), dimension, cell_count,
// time_stepper (PETSc TSSSP type, stages), density_checksum and the common ones (time, step,
// snapshots_written, diagnostics_written, version, git_revision); /input the resolved input.
#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_file.hpp"

namespace attnflow::checkpoint {

inline constexpr const char* density_checkpoint_format = "attnflow-continuum-checkpoint 1";

// What a density checkpoint belongs to; a restart needs all of it to match.
struct DensityDomain {
  std::string name;  // "circle" or "sphere"
  int dimension = 0;
  std::int64_t cell_count = 0;
  std::string time_stepper;  // e.g. "rks3, 4 stages, SSP coefficient 2"
  bool operator==(const DensityDomain&) const = default;
  std::string describe() const;  // "circle (d = 2), 64 cells, rks3, ..."
};

struct DensityCheckpoint {
  DensityDomain domain;
  std::vector<double> density;  // the requested cells, in the order of their global indices
  RunPosition position;
  std::string input;  // the resolved input of the run that wrote it
  std::string path;   // the file actually read
};

// Collective. `density` holds this rank's cells in the order of `global_indices` (canonical
// indices; every cell on exactly one rank). Returns the path of the written file.
std::string write_density(const std::string& directory, const DensityDomain& domain,
                          std::span<const double> density,
                          std::span<const std::int64_t> global_indices,
                          const RunPosition& position, const std::string& resolved_input_ini,
                          MPI_Comm comm, int keep = 0);

// Collective. Reads a checkpoint file or directory (`latest`) and returns the density of the cells
// `global_indices` (this rank's cells in the reader's partition). Throws errors::InputError naming
// the file when it is missing, damaged, not a continuum checkpoint, or of another domain than
// `expected` (domain, dimension, cell count or time stepper).
DensityCheckpoint read_density(const std::string& path_or_directory,
                               const DensityDomain& expected,
                               std::span<const std::int64_t> global_indices, MPI_Comm comm);

}  // namespace attnflow::checkpoint

#include "checkpoint/density_checkpoint.hpp"

#include "errors/errors.hpp"
#include "output/hdf5.hpp"
#include "parallel/partition.hpp"

namespace attnflow::checkpoint {

std::string DensityDomain::describe() const {
  return name + " (d = " + std::to_string(dimension) + "), " + std::to_string(cell_count) +
         " cells, time stepper " + time_stepper;
}

std::string write_density(const std::string& directory, const DensityDomain& domain,
                          std::span<const double> density,
                          std::span<const std::int64_t> global_indices,
                          const RunPosition& position, const std::string& resolved_input_ini,
                          MPI_Comm comm, int keep) {
  // Canonical order: every rank writes its block of the canonical numbering.
  const auto block = parallel::block_partition(domain.cell_count, comm);
  const auto rows = parallel::rows_to_blocks(density, global_indices, 1, domain.cell_count, comm);
  return write_file(directory, density_checkpoint_format, position, resolved_input_ini, comm,
                    [&](hid_t file) {
                      output::write_string_attribute(file, "domain", domain.name);
                      output::write_attribute(file, "dimension", std::int64_t(domain.dimension));
                      output::write_attribute(file, "cell_count", domain.cell_count);
                      output::write_string_attribute(file, "time_stepper", domain.time_stepper);
                      write_rows(file, "density", domain.cell_count, 1, block.first, rows, comm);
                    },
                    keep);
}

DensityCheckpoint read_density(const std::string& path_or_directory,
                               const DensityDomain& expected,
                               std::span<const std::int64_t> global_indices, MPI_Comm comm) {
  const OpenedFile opened = open_file(path_or_directory, density_checkpoint_format, comm);
  DensityCheckpoint result;
  DensityDomain& stored = result.domain;
  std::int64_t dimension = 0;
  bool has_domain = false, has_stepper = false;
  stored.name = output::read_string_attribute(opened.file, "domain", &has_domain);
  stored.time_stepper = output::read_string_attribute(opened.file, "time_stepper", &has_stepper);
  const bool complete = has_domain && has_stepper &&
                        output::read_attribute(opened.file, "dimension", dimension) &&
                        output::read_attribute(opened.file, "cell_count", stored.cell_count);
  errors::require(output::all_true(complete, comm),
                  opened.what() + " lacks a domain attribute (domain, dimension, cell_count, "
                                  "time_stepper)");
  stored.dimension = int(dimension);
  errors::require(stored == expected,
                  opened.what() + " holds " + stored.describe() + "; the input asks for " +
                      expected.describe());
  const auto block = read_rows(opened, "density", stored.cell_count, 1, comm);
  result.density =
      parallel::rows_from_blocks(block, global_indices, 1, stored.cell_count, comm);
  result.position = opened.position;
  result.input = opened.input;
  result.path = opened.path;
  return result;
}

}  // namespace attnflow::checkpoint

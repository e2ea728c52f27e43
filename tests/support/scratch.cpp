#include <filesystem>

#include "support/mpi_test.hpp"

namespace attnflow::testing {

std::string scratch_directory(const std::string& name) {
  const char* build = std::getenv("ATTNFLOW_BUILD_DIR");
  std::filesystem::path dir = std::filesystem::path(build ? build : ".") / "test-scratch" /
                              (name + "_np" + std::to_string(world_size()));
  if (world_rank() == 0) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return dir.string();
}

}  // namespace attnflow::testing

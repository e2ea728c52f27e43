// Writes two small run files (circle.h5, sphere.h5) with RunWriter and real diagnostics, for the
// plot_run.py test: tokens contracting towards 3 points on the circle and 2 poles of the sphere.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include "diagnostics/diagnostics.hpp"
#include "particles/particle_file.hpp"
#include "parallel/partition.hpp"

using namespace attnflow;

namespace {

void write_sample(const std::string& path, int d, std::int64_t n) {
  model::Model model;
  model.dimension = d;
  model.beta = 4.0;
  model.query = model.key = model.value = model::Matrix::identity(d);
  particles::RunWriter writer(path, MPI_COMM_WORLD, d, n, diagnostics::column_names(d),
                           "# plot sample\ntokens = " + std::to_string(n) + "\nbeta = 4\n",
                           {{"model", "sa"}, {"beta", "4"}, {"engine", "direct"}}, true);
  particles::State state;
  state.dimension = d;
  state.partition = parallel::block_partition(n, MPI_COMM_WORLD);
  state.positions.resize(state.partition.count * d);
  for (int snapshot = 0; snapshot < 5; ++snapshot) {
    const double spread = std::exp(-1.2 * snapshot);  // shrinks towards the cluster centres
    for (std::int64_t i = 0; i < state.partition.count; ++i) {
      const std::int64_t g = state.partition.first + i;
      const double offset = spread * std::sin(2.3 * double(g) + 0.7);
      if (d == 2) {
        const double t = 2 * std::numbers::pi * double(g % 3) / 3 + 1.5 * offset;
        state.positions[i * 2] = std::cos(t);
        state.positions[i * 2 + 1] = std::sin(t);
      } else {
        const double polar = (g % 2 == 0 ? 0.0 : std::numbers::pi) + 1.2 * offset;
        const double azimuth = 0.37 * double(g);
        state.positions[i * 3] = std::sin(polar) * std::cos(azimuth);
        state.positions[i * 3 + 1] = std::sin(polar) * std::sin(azimuth);
        state.positions[i * 3 + 2] = std::cos(polar);
      }
    }
    state.time = 0.5 * snapshot;
    state.step = 10 * snapshot;
    writer.write_snapshot(state);
    writer.write_diagnostics(diagnostics::compute(state, model, 1e-3, nullptr));
  }
  writer.finish();
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_plot_sample DIRECTORY\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const std::string directory = argv[1];
  write_sample(directory + "/circle.h5", 2, 90);
  write_sample(directory + "/sphere.h5", 3, 120);
  MPI_Finalize();
  return 0;
}

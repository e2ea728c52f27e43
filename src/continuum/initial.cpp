#include "continuum/initial.hpp"

#include "parallel/partition.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <sstream>

#include "config/options.hpp"
#include "continuum/solver.hpp"
#include "domain/domain.hpp"
#include "geometry/triangles.hpp"
#include "particles/particle_file.hpp"
#include "random/counter_random.hpp"

namespace attnflow::continuum {

void add_initial_options(config::OptionSet& options) {
  options.add<std::string>("initial", "uniform-mode", "",
                           "initial density: uniform-mode, vmf (von Mises-Fisher mixture), "
                           "circle-density, noise or particles (histogram of a particle file)");
  options.add<int>("degree", 1, "",
                   "uniform-mode: Fourier mode k (circle) or harmonic degree l (sphere)");
  options.add<int>("order", 0, "",
                   "uniform-mode: sphere: order m of the real Y_lm (m > 0 cos, m < 0 sin); "
                   "circle: >= 0 for cos(k theta), < 0 for sin(k theta)");
  options.add<double>("amplitude", 0.01, "",
                      "uniform-mode and noise: relative amplitude of the perturbation");
  density::add_mixture_options(options);
  density::add_circle_density_options(options);
  options.add<int>("seed", 1, "",
                   "seed of the counter-based generator: the noise initial density and, with "
                   "--mlp, the layers' weights (the particle run's --seed)");
  options.add_optional("initial-file", "path", "particles: attnflow particle HDF5 file");
  options.add<long long>("initial-snapshot", -1, "",
                         "particles: snapshot of initial-file (-1 = the last)");
}

InitialDensity initial_from_options(const config::OptionSet& options, int dimension) {
  using errors::require;
  InitialDensity initial;
  initial.kind = options.get<std::string>("initial");
  require(initial.kind == "uniform-mode" || initial.kind == "vmf" ||
              initial.kind == "circle-density" || initial.kind == "noise" ||
              initial.kind == "particles",
          "--initial: unknown initial density '" + initial.kind +
              "'; accepted: uniform-mode, vmf, circle-density, noise, particles");
  initial.degree = options.get<int>("degree");
  initial.order = options.get<int>("order");
  initial.amplitude = options.get<double>("amplitude");
  const int seed = options.get<int>("seed");
  require(seed >= 0, "--seed: must be >= 0");
  initial.seed = static_cast<std::uint64_t>(seed);
  require(std::isfinite(initial.amplitude) && std::abs(initial.amplitude) <= 1,
          "--amplitude: must be in [-1, 1] so that the density stays >= 0");
  if (initial.kind == "uniform-mode") {
    require(initial.degree >= 0, "--degree: must be >= 0");
    if (dimension == 3)
      require(std::abs(initial.order) <= initial.degree,
              "--order: must satisfy |m| <= l (degree " + std::to_string(initial.degree) + ")");
  }
  if (initial.kind == "vmf") initial.mixture = density::mixture_from_options(options, dimension);
  if (initial.kind == "circle-density") {
    require(dimension == 2, "--initial circle-density: needs --dimension 2 (got " +
                                std::to_string(dimension) + ")");
    initial.circle = density::circle_density_from_options(options);
  }
  if (initial.kind == "particles") {
    initial.particle_file = options.get<std::string>("initial-file");
    initial.particle_snapshot = options.get<long long>("initial-snapshot");
    require(!initial.particle_file.empty(),
            "--initial-file: --initial particles needs an attnflow particle HDF5 file");
  }
  return initial;
}

std::vector<double> initial_cell_averages(const Solver& solver, const InitialDensity& initial) {
  const int d = solver.dimension();
  const auto& domain = solver.domain();
  const double uniform = 1.0 / domain.measure();
  std::vector<double> rho;
  if (initial.kind == "uniform-mode") {
    const int k = initial.degree, m = initial.order;
    const double a = initial.amplitude;
    rho = solver.cell_averages(
        [&](std::span<const double> x) { return uniform * (1 + a * domain.mode(x, k, m)); });
  } else if (initial.kind == "vmf") {
    rho = solver.cell_averages(
        [&](std::span<const double> x) { return density::mixture_density(initial.mixture, x); });
  } else if (initial.kind == "circle-density") {
    rho = solver.cell_averages([&](std::span<const double> x) {
      return density::circle_density(initial.circle, std::atan2(x[1], x[0]));
    });
  } else if (initial.kind == "particles") {
    const auto particles =
        particles::read_snapshot(initial.particle_file, solver.comm(), d, initial.particle_snapshot);
    rho = particle_histogram(solver, particles.positions, particles.partition.global_count);
  } else {
    random::CounterRandom generator(initial.seed, random::Stream::initial_state);
    for (std::int64_t index : solver.global_indices()) {
      const double u = generator.uniforms(static_cast<std::uint64_t>(index), 0)[0];
      rho.push_back(uniform * (1 + initial.amplitude * (2 * u - 1)));
    }
  }
  std::vector<double> masses(rho.size());
  for (std::size_t i = 0; i < rho.size(); ++i) masses[i] = rho[i] * solver.measures()[i];
  const double mass = parallel::ordered_sum(masses, solver.comm());
  double local_min = rho.empty() ? HUGE_VAL : *std::min_element(rho.begin(), rho.end());
  double global_min = 0;
  MPI_Allreduce(&local_min, &global_min, 1, MPI_DOUBLE, MPI_MIN, solver.comm());
  errors::require(global_min >= 0 && mass > 0,
                  "--amplitude: the initial density is negative in some cell; reduce it");
  for (double& r : rho) r /= mass;
  return rho;
}

std::vector<double> particle_histogram(const Solver& solver, std::span<const double> positions,
                                       std::int64_t particle_count) {
  const int d = solver.dimension();
  const std::int64_t cells = solver.global_cells();
  std::vector<std::int64_t> counts(cells, 0);
  // Every rank needs every cell (in canonical order) to locate its particles.
  std::vector<double> centres, vertices;
  if (!solver.cell_vertices().empty()) {
    centres = parallel::all_rows(solver.centres(), solver.global_indices(), d, cells, solver.comm());
    vertices =
        parallel::all_rows(solver.cell_vertices(), solver.global_indices(), 9, cells, solver.comm());
  }
  const auto location = solver.domain().locate(positions, {cells, centres, vertices});
  for (std::int64_t cell : location.cells) ++counts[cell];
  std::int64_t unlocated = 0;
  parallel::check_mpi(MPI_Allreduce(&location.unlocated, &unlocated, 1, MPI_INT64_T, MPI_SUM,
                                    solver.comm()),
                      "MPI_Allreduce(unlocated)");
  if (unlocated > 0 && parallel::rank_of(solver.comm()) == 0)
    std::cerr << "attnflow: warning: " << unlocated << " of " << particle_count
              << " particles lay in no triangle around their nearest cell centre and were "
                 "binned by nearest centre\n";
  parallel::check_mpi(MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(cells),
                                    MPI_INT64_T, MPI_SUM, solver.comm()),
                      "MPI_Allreduce(histogram)");
  std::vector<double> rho;
  const auto index = solver.global_indices();
  for (std::size_t i = 0; i < index.size(); ++i)
    rho.push_back(static_cast<double>(counts[index[i]]) /
                  (static_cast<double>(particle_count) * solver.measures()[i]));
  return rho;
}

}  // namespace attnflow::continuum

// The sphere solver (see make_sphere_solver in solver.hpp).
#include <petscdmplex.h>
#include <petscsf.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "config/error.hpp"
#include "continuum/petsc_error.hpp"
#include "continuum/solver.hpp"
#include "diagnostics/harmonics.hpp"
#include "parallel/partition.hpp"

namespace attnflow::continuum {

namespace {

using Vector3 = std::array<double, 3>;

Vector3 cross(const Vector3& a, const Vector3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot3(const Vector3& a, const Vector3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vector3 normalised(const Vector3& a) {
  const double n = std::sqrt(dot3(a, a));
  return {a[0] / n, a[1] / n, a[2] / n};
}
// Spherical excess of the triangle abc on the unit sphere (Van Oosterom and Strackee 1983).
double spherical_area(const Vector3& a, const Vector3& b, const Vector3& c) {
  const double numerator = std::abs(dot3(a, cross(b, c)));
  const double denominator = 1 + dot3(a, b) + dot3(b, c) + dot3(c, a);
  return 2 * std::atan2(numerator, denominator);
}

class SphereSolver final : public Solver {
 public:
  SphereSolver(const model::Model& model, int refinements, const Settings& settings,
               MPI_Comm comm)
      : Solver(model, settings, comm) {
    DM serial = nullptr;
    check_petsc(DMPlexCreateSphereMesh(comm, 2, PETSC_TRUE, 1.0, &serial), "DMPlexCreateSphereMesh");
    check_petsc(DMSetOptionsPrefix(serial, settings.options_prefix.c_str()), "DMSetOptionsPrefix");
    // Refinement must happen before distribution (PLATFORM.md): through the options database,
    // under this solver's prefix only.
    // DMSetFromOptions would also distribute (without overlap, losing the serial numbering that
    // keys the canonical cell index): switch that off and distribute below.
    const std::string refine = "-" + settings.options_prefix + "dm_refine_pre";
    const std::string distribute = "-" + settings.options_prefix + "dm_distribute";
    check_petsc(PetscOptionsSetValue(nullptr, refine.c_str(), std::to_string(refinements).c_str()),
                "PetscOptionsSetValue");
    check_petsc(PetscOptionsSetValue(nullptr, distribute.c_str(), "0"), "PetscOptionsSetValue");
    check_petsc(DMSetFromOptions(serial), "DMSetFromOptions");
    check_petsc(PetscOptionsClearValue(nullptr, refine.c_str()), "PetscOptionsClearValue");
    check_petsc(PetscOptionsClearValue(nullptr, distribute.c_str()), "PetscOptionsClearValue");
    PetscInt serial_start = 0, serial_end = 0;
    check_petsc(DMPlexGetChart(serial, &serial_start, &serial_end), "DMPlexGetChart");
    PetscSF migration = nullptr;
    DM distributed = nullptr;
    check_petsc(DMPlexDistribute(serial, 1, &migration, &distributed), "DMPlexDistribute");
    PetscInt start = 0, end = 0;
    std::vector<PetscInt> original;
    if (distributed) {
      check_petsc(DMPlexGetChart(distributed, &start, &end), "DMPlexGetChart");
      // The point number of every local point in the serial mesh: the canonical cell index.
      std::vector<PetscInt> identity(serial_end - serial_start);
      for (PetscInt p = serial_start; p < serial_end; ++p) identity[p - serial_start] = p;
      original.assign(end - start, -1);
      check_petsc(PetscSFBcastBegin(migration, MPIU_INT, identity.data(), original.data(), MPI_REPLACE),
                  "PetscSFBcastBegin");
      check_petsc(PetscSFBcastEnd(migration, MPIU_INT, identity.data(), original.data(), MPI_REPLACE),
                  "PetscSFBcastEnd");
      check_petsc(PetscSFDestroy(&migration), "PetscSFDestroy");
      check_petsc(DMDestroy(&serial), "DMDestroy");
      dm_ = distributed;
    } else {
      dm_ = serial;
      start = serial_start;
      end = serial_end;
      original.resize(end - start);
      for (PetscInt p = start; p < end; ++p) original[p - start] = p;
    }
    PetscInt cell_start = 0, cell_end = 0, edge_start = 0, edge_end = 0, vertex_start = 0,
             vertex_end = 0;
    check_petsc(DMPlexGetHeightStratum(dm_, 0, &cell_start, &cell_end), "DMPlexGetHeightStratum");
    check_petsc(DMPlexGetHeightStratum(dm_, 1, &edge_start, &edge_end), "DMPlexGetHeightStratum");
    check_petsc(DMPlexGetDepthStratum(dm_, 0, &vertex_start, &vertex_end), "DMPlexGetDepthStratum");
    // Cells come first in a DMPlex chart: on the serial mesh (rank 0) their numbers are 0..C-1.
    const PetscInt serial_cell_start = 0;
    cell_start_ = cell_start;
    // One density value per cell.
    PetscSection section = nullptr;
    check_petsc(PetscSectionCreate(comm, &section), "PetscSectionCreate");
    check_petsc(PetscSectionSetChart(section, start, end), "PetscSectionSetChart");
    for (PetscInt c = cell_start; c < cell_end; ++c)
      check_petsc(PetscSectionSetDof(section, c, 1), "PetscSectionSetDof");
    check_petsc(PetscSectionSetUp(section), "PetscSectionSetUp");
    check_petsc(DMSetLocalSection(dm_, section), "DMSetLocalSection");
    check_petsc(PetscSectionDestroy(&section), "PetscSectionDestroy");
    PetscSection local_section = nullptr, global_section = nullptr;
    check_petsc(DMGetLocalSection(dm_, &local_section), "DMGetLocalSection");
    check_petsc(DMGetGlobalSection(dm_, &global_section), "DMGetGlobalSection");

    // Vertex coordinates, projected onto the sphere (refinement should already have snapped).
    Vec coordinates = nullptr;
    PetscSection coordinate_section = nullptr;
    check_petsc(DMGetCoordinatesLocal(dm_, &coordinates), "DMGetCoordinatesLocal");
    check_petsc(DMGetCoordinateSection(dm_, &coordinate_section), "DMGetCoordinateSection");
    const PetscScalar* xyz = nullptr;
    check_petsc(VecGetArrayRead(coordinates, &xyz), "VecGetArrayRead");
    auto vertex = [&](PetscInt v) {
      PetscInt offset = 0;
      check_petsc(PetscSectionGetOffset(coordinate_section, v, &offset), "PetscSectionGetOffset");
      return normalised({xyz[offset], xyz[offset + 1], xyz[offset + 2]});
    };
    const PetscInt local_cell_count = cell_end - cell_start;
    cell_centre_.resize(local_cell_count);
    cell_area_.resize(local_cell_count);
    cell_vertices_.resize(local_cell_count);
    local_offset_.resize(local_cell_count);
    owned_position_.assign(local_cell_count, -1);
    PetscInt first_global = 0, owned = 0;
    for (PetscInt c = cell_start; c < cell_end; ++c) {
      PetscInt size = 0, *closure = nullptr;
      check_petsc(DMPlexGetTransitiveClosure(dm_, c, PETSC_TRUE, &size, &closure),
                  "DMPlexGetTransitiveClosure");
      std::array<Vector3, 3> corners{};
      int found = 0;
      for (PetscInt k = 0; k < size; ++k) {
        const PetscInt p = closure[2 * k];
        if (p >= vertex_start && p < vertex_end && found < 3) corners[found++] = vertex(p);
      }
      check_petsc(DMPlexRestoreTransitiveClosure(dm_, c, PETSC_TRUE, &size, &closure),
                  "DMPlexRestoreTransitiveClosure");
      if (found != 3) throw std::runtime_error("sphere mesh: a cell is not a triangle");
      const PetscInt i = c - cell_start;
      cell_vertices_[i] = corners;
      cell_area_[i] = spherical_area(corners[0], corners[1], corners[2]);
      cell_centre_[i] = normalised({corners[0][0] + corners[1][0] + corners[2][0],
                                    corners[0][1] + corners[1][1] + corners[2][1],
                                    corners[0][2] + corners[1][2] + corners[2][2]});
      PetscInt offset = 0, global_offset = 0;
      check_petsc(PetscSectionGetOffset(local_section, c, &offset), "PetscSectionGetOffset");
      check_petsc(PetscSectionGetOffset(global_section, c, &global_offset), "PetscSectionGetOffset");
      local_offset_[i] = offset;
      if (global_offset >= 0) {
        if (owned == 0) first_global = global_offset;
        owned_position_[i] = owned++;
        global_indices_.push_back(original[c - start] - serial_cell_start);
        for (double x : cell_centre_[i]) centres_.push_back(x);
        measures_.push_back(cell_area_[i]);
      }
    }
    storage_offset_ = first_global;
    std::int64_t owned_count = owned;
    parallel::check_mpi(MPI_Allreduce(&owned_count, &global_cells_, 1, MPI_INT64_T, MPI_SUM, comm),
                        "MPI_Allreduce(cells)");
    // Edges with both neighbours present and at least one owned: their flux is needed here.
    for (PetscInt e = edge_start; e < edge_end; ++e) {
      PetscInt support_size = 0;
      const PetscInt* support = nullptr;
      check_petsc(DMPlexGetSupportSize(dm_, e, &support_size), "DMPlexGetSupportSize");
      if (support_size != 2) continue;
      check_petsc(DMPlexGetSupport(dm_, e, &support), "DMPlexGetSupport");
      const PetscInt a = support[0] - cell_start, b = support[1] - cell_start;
      if (owned_position_[a] < 0 && owned_position_[b] < 0) continue;
      const PetscInt* cone = nullptr;
      check_petsc(DMPlexGetCone(dm_, e, &cone), "DMPlexGetCone");
      const Vector3 v0 = vertex(cone[0]), v1 = vertex(cone[1]);
      const Vector3 midpoint = normalised({v0[0] + v1[0], v0[1] + v1[1], v0[2] + v1[2]});
      // The tangent unit normal at the midpoint, perpendicular to the great circle through v0, v1
      // (whose plane normal is v0 x v1), oriented from cell a to cell b.
      Vector3 normal = normalised(cross(v0, v1));
      const Vector3& ca = cell_centre_[a];
      const Vector3& cb = cell_centre_[b];
      const Vector3 difference = {cb[0] - ca[0], cb[1] - ca[1], cb[2] - ca[2]};
      if (dot3(normal, difference) < 0) normal = {-normal[0], -normal[1], -normal[2]};
      edges_.push_back({a, b, std::atan2(std::sqrt(dot3(cross(v0, v1), cross(v0, v1))), dot3(v0, v1)),
                        normal});
      for (double x : midpoint) edge_points_.push_back(x);
    }
    check_petsc(VecRestoreArrayRead(coordinates, &xyz), "VecRestoreArrayRead");
    set_up_time_stepper(dm_);
  }

  std::string domain_name() const override { return "sphere"; }

  std::vector<double> cell_averages(
      const std::function<double(std::span<const double>)>& density) const override {
    // The degree-2 three-point rule at barycentric (2/3, 1/6, 1/6), projected onto the sphere.
    std::vector<double> out;
    for (std::size_t i = 0; i < cell_vertices_.size(); ++i) {
      if (owned_position_[i] < 0) continue;
      const auto& v = cell_vertices_[i];
      double sum = 0;
      for (int q = 0; q < 3; ++q) {
        Vector3 p{};
        for (int r = 0; r < 3; ++r)
          p[r] = (2.0 / 3) * v[q][r] + (1.0 / 6) * v[(q + 1) % 3][r] + (1.0 / 6) * v[(q + 2) % 3][r];
        sum += density(normalised(p)) / 3;
      }
      out.push_back(sum);
    }
    return out;
  }

 protected:
  double compute_velocities(Vec density) override {
    const std::size_t count = measures_.size();
    const PetscScalar* rho = nullptr;
    check_petsc(VecGetArrayRead(density, &rho), "VecGetArrayRead");
    masses_.resize(count);
    for (std::size_t i = 0; i < count; ++i) masses_[i] = rho[i] * measures_[i];
    check_petsc(VecRestoreArrayRead(density, &rho), "VecRestoreArrayRead");
    attention_at(edge_points_, masses_, attention_);
    face_velocities_.resize(edges_.size());
    outflow_rate_.assign(count, 0.0);
    for (std::size_t e = 0; e < edges_.size(); ++e) {
      // The normal is tangent at the midpoint, so <a, n> is already the normal component of P_m a.
      const auto& edge = edges_[e];
      double u = 0;
      for (int r = 0; r < 3; ++r) u += attention_[3 * e + r] * edge.normal[r];
      face_velocities_[e] = u;
      for (PetscInt cell : {edge.a, edge.b}) {
        const PetscInt position = owned_position_[cell];
        if (position >= 0) outflow_rate_[position] += edge.length * std::abs(u) / measures_[position];
      }
    }
    double local_max = 0, global_max = 0;
    for (double r : outflow_rate_) local_max = std::max(local_max, r);
    parallel::check_mpi(MPI_Allreduce(&local_max, &global_max, 1, MPI_DOUBLE, MPI_MAX, comm_),
                        "MPI_Allreduce(outflow)");
    return global_max > 0 ? 1.0 / global_max : std::numeric_limits<double>::infinity();
  }

  void compute_rate(Vec density, Vec rate) override {
    Vec local = nullptr;
    check_petsc(DMGetLocalVector(dm_, &local), "DMGetLocalVector");
    check_petsc(DMGlobalToLocalBegin(dm_, density, INSERT_VALUES, local), "DMGlobalToLocalBegin");
    check_petsc(DMGlobalToLocalEnd(dm_, density, INSERT_VALUES, local), "DMGlobalToLocalEnd");
    const PetscScalar* rho = nullptr;
    PetscScalar* out = nullptr;
    check_petsc(VecGetArrayRead(local, &rho), "VecGetArrayRead");
    check_petsc(VecGetArray(rate, &out), "VecGetArray");
    std::fill(out, out + measures_.size(), 0.0);
    for (std::size_t e = 0; e < edges_.size(); ++e) {
      const auto& edge = edges_[e];
      const double u = face_velocities_[e];
      const double upwind = u >= 0 ? rho[local_offset_[edge.a]] : rho[local_offset_[edge.b]];
      const double flux = edge.length * u * upwind;  // mass per unit time from a to b
      const PetscInt pa = owned_position_[edge.a], pb = owned_position_[edge.b];
      if (pa >= 0) out[pa] -= flux / measures_[pa];
      if (pb >= 0) out[pb] += flux / measures_[pb];
    }
    check_petsc(VecRestoreArray(rate, &out), "VecRestoreArray");
    check_petsc(VecRestoreArrayRead(local, &rho), "VecRestoreArrayRead");
    check_petsc(DMRestoreLocalVector(dm_, &local), "DMRestoreLocalVector");
  }

  std::vector<double> moments(std::span<const double> masses, double mass,
                              int max_moment) const override {
    const int harmonics = (max_moment + 1) * (max_moment + 1);
    std::vector<double> local(harmonics, 0.0), global(harmonics), values(harmonics);
    for (std::size_t i = 0; i < masses.size(); ++i) {
      diagnostics::real_spherical_harmonics(std::span<const double>(centres_.data() + 3 * i, 3),
                                            max_moment, values);
      for (int h = 0; h < harmonics; ++h) local[h] += masses[i] * values[h];
    }
    parallel::check_mpi(MPI_Allreduce(local.data(), global.data(), harmonics, MPI_DOUBLE, MPI_SUM,
                                      comm_),
                        "MPI_Allreduce(harmonic moments)");
    std::vector<double> power(max_moment + 1, 0.0);
    for (int l = 0; l <= max_moment; ++l) {
      for (int m = -l; m <= l; ++m) {
        const double a = global[l * l + l + m] / mass;
        power[l] += a * a;
      }
      power[l] /= 2 * l + 1;
    }
    return power;
  }

 private:
  struct Edge {
    PetscInt a, b;  // local cell numbers (point - cell_start) on either side
    double length;  // great-circle length
    Vector3 normal; // unit tangent normal at the midpoint, from a to b
  };
  PetscInt cell_start_ = 0;
  std::vector<Vector3> cell_centre_;
  std::vector<double> cell_area_;
  std::vector<std::array<Vector3, 3>> cell_vertices_;
  std::vector<PetscInt> local_offset_, owned_position_;
  std::vector<Edge> edges_;
  std::vector<double> edge_points_, masses_, attention_, outflow_rate_;
};

}  // namespace

std::unique_ptr<Solver> make_sphere_solver(const model::Model& model, int refinements,
                                           const Settings& settings, MPI_Comm comm) {
  config::require(model.dimension == 3, "--dimension: the sphere solver needs dimension 3");
  return std::make_unique<SphereSolver>(model, refinements, settings, comm);
}

}  // namespace attnflow::continuum

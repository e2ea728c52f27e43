// The sphere solver (see make_sphere_solver in solver.hpp).
#include <petscdmplex.h>
#include <petscsf.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <utility>

#include "errors/errors.hpp"
#include "continuum/petsc_error.hpp"
#include "continuum/solver.hpp"
#include "geometry/triangles.hpp"
#include "parallel/partition.hpp"

namespace attnflow::continuum {

namespace {

using Vector3 = geometry::Point3;
using geometry::cross;
using geometry::dot3;
using geometry::normalised;
// The point p in geodesic normal coordinates at c: the tangent vector at c pointing along the
// great circle to p, as long as the arc (the logarithmic map of the sphere). Linear functions of
// these coordinates are the second-order Taylor model of a smooth density around c.
Vector3 logarithm(const Vector3& c, const Vector3& p) {
  const double cosine = dot3(c, p);
  const Vector3 chord = {p[0] - cosine * c[0], p[1] - cosine * c[1], p[2] - cosine * c[2]};
  const double sine = std::sqrt(dot3(chord, chord));
  if (sine == 0) return {0, 0, 0};
  const double scale = std::atan2(sine, cosine) / sine;
  return {scale * chord[0], scale * chord[1], scale * chord[2]};
}
// Where the reconstruction of a cell is evaluated for its three edges (edge k joins corners k and
// k + 1): the geodesic coordinates of the edge midpoints at the centre, shifted by their mean so
// that they sum to zero. On a planar triangle the centroid is the mean of the edge midpoints and
// the shift vanishes; on the sphere it is O(h^3) (at most 2.7e-4 h at refine 2, 1.7e-5 h at
// refine 4, h the mean edge length) and moves a face value by O(h^3), below the scheme's O(h^2).
// With it the three face values of a linear reconstruction average to the cell value exactly:
// being >= 0 (limiter), each is <= 3 rho_i, which gives the positivity bound.
std::array<Vector3, 3> face_offsets(const std::array<Vector3, 3>& corners, const Vector3& centre) {
  std::array<Vector3, 3> offsets{};
  Vector3 mean{};
  for (int k = 0; k < 3; ++k) {
    const Vector3& p = corners[k];
    const Vector3& q = corners[(k + 1) % 3];
    offsets[k] = logarithm(centre, normalised({p[0] + q[0], p[1] + q[1], p[2] + q[2]}));
    for (int r = 0; r < 3; ++r) mean[r] += offsets[k][r] / 3;
  }
  for (auto& offset : offsets)
    for (int r = 0; r < 3; ++r) offset[r] -= mean[r];
  return offsets;
}

class SphereSolver final : public Solver {
 public:
  SphereSolver(const model::Model& model, int refinements, const Settings& settings,
               MPI_Comm comm)
      : Solver(model, settings, comm) {
    PetscInt start = 0, end = 0;
    const auto original = distribute_mesh(refinements, start, end);
    const Mesh mesh(dm_);
    set_up_cells(mesh, original, start, end);
    set_up_edges(mesh);
    if (settings.limiter != Limiter::first_order) set_up_reconstruction(start, end);
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
    velocity_at(density, edge_points_, velocity_vectors_);
    face_velocities_.resize(edges_.size());
    // Forward Euler keeps rho_i >= 0 when dt * outflow_rate_i <= 1 (see solver.hpp). Upwind:
    // rho_i loses at most dt / A_i sum_e L_e |u_e| rho_i. Reconstructed: the outflow face values
    // are >= 0 and the three of them sum to 3 rho_i (face_offsets), so the loss is at most
    // dt / A_i max_e (L_e |u_e|) 3 rho_i.
    const bool reconstructed = settings_.limiter != Limiter::first_order;
    outflow_rate_.assign(count, 0.0);
    for (std::size_t e = 0; e < edges_.size(); ++e) {
      // The normal component of the tangent velocity at the midpoint.
      const auto& edge = edges_[e];
      double u = 0;
      for (int r = 0; r < 3; ++r) u += velocity_vectors_[3 * e + r] * edge.normal[r];
      face_velocities_[e] = u;
      for (PetscInt cell : {edge.a, edge.b}) {
        const PetscInt position = owned_position_[cell];
        if (position < 0) continue;
        const double rate = edge.length * std::abs(u) / measures_[position];
        if (reconstructed)
          outflow_rate_[position] = std::max(outflow_rate_[position], 3 * rate);
        else
          outflow_rate_[position] += rate;
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
    Vec local_gradient = nullptr;
    const PetscScalar* gradient = nullptr;
    if (gradient_dm_) {
      compute_gradients(rho);
      check_petsc(DMGetLocalVector(gradient_dm_, &local_gradient), "DMGetLocalVector");
      check_petsc(DMGlobalToLocalBegin(gradient_dm_, gradient_, INSERT_VALUES, local_gradient),
                  "DMGlobalToLocalBegin");
      check_petsc(DMGlobalToLocalEnd(gradient_dm_, gradient_, INSERT_VALUES, local_gradient),
                  "DMGlobalToLocalEnd");
      check_petsc(VecGetArrayRead(local_gradient, &gradient), "VecGetArrayRead");
    }
    // The density on edge `side` of `cell`: the cell average (first order) or the limited linear
    // reconstruction at the edge midpoint.
    auto face_value = [&](PetscInt cell, int side) {
      const double value = rho[local_offset_[cell]];
      if (!gradient) return value;
      const PetscScalar* g = gradient + gradient_local_offset_[cell];
      return value + dot3({g[0], g[1], g[2]}, face_offsets_[cell][side]);
    };
    check_petsc(VecGetArray(rate, &out), "VecGetArray");
    std::fill(out, out + measures_.size(), 0.0);
    for (std::size_t e = 0; e < edges_.size(); ++e) {
      const auto& edge = edges_[e];
      const double u = face_velocities_[e];
      const double upwind =
          u >= 0 ? face_value(edge.a, edge.side_a) : face_value(edge.b, edge.side_b);
      const double flux = edge.length * u * upwind;  // mass per unit time from a to b
      const PetscInt pa = owned_position_[edge.a], pb = owned_position_[edge.b];
      if (pa >= 0) out[pa] -= flux / measures_[pa];
      if (pb >= 0) out[pb] += flux / measures_[pb];
    }
    check_petsc(VecRestoreArray(rate, &out), "VecRestoreArray");
    if (local_gradient) {
      check_petsc(VecRestoreArrayRead(local_gradient, &gradient), "VecRestoreArrayRead");
      check_petsc(DMRestoreLocalVector(gradient_dm_, &local_gradient), "DMRestoreLocalVector");
    }
    check_petsc(VecRestoreArrayRead(local, &rho), "VecRestoreArrayRead");
    check_petsc(DMRestoreLocalVector(dm_, &local), "DMRestoreLocalVector");
  }



 private:
  struct Edge {
    PetscInt a, b;  // local cell numbers (point - cell_start) on either side
    double length;  // great-circle length
    Vector3 normal; // unit tangent normal at the midpoint, from a to b
    int side_a, side_b;  // which edge (0..2, see face_offsets) this is of cell a and of cell b
  };

  // The mesh's strata and vertex coordinates (projected onto the sphere; refinement should
  // already have snapped them), read while the solver sets itself up.
  struct Mesh {
    explicit Mesh(DM dm) {
      check_petsc(DMPlexGetHeightStratum(dm, 0, &cell_start, &cell_end), "DMPlexGetHeightStratum");
      check_petsc(DMPlexGetHeightStratum(dm, 1, &edge_start, &edge_end), "DMPlexGetHeightStratum");
      check_petsc(DMPlexGetDepthStratum(dm, 0, &vertex_start, &vertex_end), "DMPlexGetDepthStratum");
      check_petsc(DMGetCoordinatesLocal(dm, &coordinates), "DMGetCoordinatesLocal");
      check_petsc(DMGetCoordinateSection(dm, &coordinate_section), "DMGetCoordinateSection");
      check_petsc(VecGetArrayRead(coordinates, &xyz), "VecGetArrayRead");
    }
    ~Mesh() { VecRestoreArrayRead(coordinates, &xyz); }
    Mesh(const Mesh&) = delete;
    Mesh& operator=(const Mesh&) = delete;
    Vector3 vertex(PetscInt v) const {
      PetscInt offset = 0;
      check_petsc(PetscSectionGetOffset(coordinate_section, v, &offset), "PetscSectionGetOffset");
      return normalised({xyz[offset], xyz[offset + 1], xyz[offset + 2]});
    }
    PetscInt cell_start = 0, cell_end = 0, edge_start = 0, edge_end = 0, vertex_start = 0,
             vertex_end = 0;
    Vec coordinates = nullptr;
    PetscSection coordinate_section = nullptr;
    const PetscScalar* xyz = nullptr;
  };

  // The icosahedron refined on one rank, then distributed with one layer of overlap into dm_.
  // Returns, for every local point (chart [start, end)), its point number in the serial mesh:
  // the canonical cell index (cells come first in a DMPlex chart, numbered 0..C-1 on rank 0).
  std::vector<PetscInt> distribute_mesh(int refinements, PetscInt& start, PetscInt& end) {
    DMHandle serial;
    check_petsc(DMPlexCreateSphereMesh(comm_, 2, PETSC_TRUE, 1.0, serial.address()),
                "DMPlexCreateSphereMesh");
    check_petsc(DMSetOptionsPrefix(serial, settings_.options_prefix.c_str()), "DMSetOptionsPrefix");
    // Refinement must happen before distribution (docs/platform.md): through the options
    // database, under this solver's prefix only. DMSetFromOptions would also distribute (without
    // overlap, losing the serial numbering that keys the canonical cell index): switch that off
    // and distribute below.
    const std::string refine = "-" + settings_.options_prefix + "dm_refine_pre";
    const std::string distribute = "-" + settings_.options_prefix + "dm_distribute";
    check_petsc(PetscOptionsSetValue(nullptr, refine.c_str(), std::to_string(refinements).c_str()),
                "PetscOptionsSetValue");
    check_petsc(PetscOptionsSetValue(nullptr, distribute.c_str(), "0"), "PetscOptionsSetValue");
    check_petsc(DMSetFromOptions(serial), "DMSetFromOptions");
    check_petsc(PetscOptionsClearValue(nullptr, refine.c_str()), "PetscOptionsClearValue");
    check_petsc(PetscOptionsClearValue(nullptr, distribute.c_str()), "PetscOptionsClearValue");
    PetscInt serial_start = 0, serial_end = 0;
    check_petsc(DMPlexGetChart(serial, &serial_start, &serial_end), "DMPlexGetChart");
    // PTScotch, PETSc's mesh partitioner by default here, partitions the sphere differently from
    // one process to the next (its random state is not fixed), and the engine sums in the order
    // of the partition: two identical runs at 2-4 ranks, or a run and its restart, would differ
    // by rounding. PETSc's simple partitioner is deterministic and costs nothing here (the engine
    // all-gathers the sources; the partition only shapes the one-cell halo). A partitioner chosen
    // with -petscpartitioner_type still wins.
    PetscBool partitioner_given = PETSC_FALSE;
    check_petsc(PetscOptionsHasName(nullptr, nullptr, "-petscpartitioner_type", &partitioner_given),
                "PetscOptionsHasName");
    if (!partitioner_given) {
      PetscPartitioner partitioner = nullptr;
      check_petsc(DMPlexGetPartitioner(serial, &partitioner), "DMPlexGetPartitioner");
      check_petsc(PetscPartitionerSetType(partitioner, PETSCPARTITIONERSIMPLE),
                  "PetscPartitionerSetType");
    }
    StarForestHandle migration;
    DM distributed = nullptr;
    check_petsc(DMPlexDistribute(serial, 1, migration.address(), &distributed), "DMPlexDistribute");
    std::vector<PetscInt> original;
    if (!distributed) {  // one rank: the serial mesh is the mesh
      start = serial_start;
      end = serial_end;
      for (PetscInt p = start; p < end; ++p) original.push_back(p);
      dm_ = std::move(serial);
      return original;
    }
    dm_.reset(distributed);
    check_petsc(DMPlexGetChart(dm_, &start, &end), "DMPlexGetChart");
    std::vector<PetscInt> identity(serial_end - serial_start);
    for (PetscInt p = serial_start; p < serial_end; ++p) identity[p - serial_start] = p;
    original.assign(end - start, -1);
    check_petsc(PetscSFBcastBegin(migration, MPIU_INT, identity.data(), original.data(), MPI_REPLACE),
                "PetscSFBcastBegin");
    check_petsc(PetscSFBcastEnd(migration, MPIU_INT, identity.data(), original.data(), MPI_REPLACE),
                "PetscSFBcastEnd");
    return original;
  }

  // One density value per cell (the section of dm_), and every local cell's corners, spherical
  // area, centre and storage offsets; the owned ones also fill the Solver's canonical indices,
  // centres, measures and exposed triangles.
  void set_up_cells(const Mesh& mesh, const std::vector<PetscInt>& original, PetscInt start,
                    PetscInt end) {
    cell_start_ = mesh.cell_start;
    {
      SectionHandle section;
      check_petsc(PetscSectionCreate(comm_, section.address()), "PetscSectionCreate");
      check_petsc(PetscSectionSetChart(section, start, end), "PetscSectionSetChart");
      for (PetscInt c = mesh.cell_start; c < mesh.cell_end; ++c)
        check_petsc(PetscSectionSetDof(section, c, 1), "PetscSectionSetDof");
      check_petsc(PetscSectionSetUp(section), "PetscSectionSetUp");
      check_petsc(DMSetLocalSection(dm_, section), "DMSetLocalSection");
    }
    PetscSection local_section = nullptr, global_section = nullptr;
    check_petsc(DMGetLocalSection(dm_, &local_section), "DMGetLocalSection");
    check_petsc(DMGetGlobalSection(dm_, &global_section), "DMGetGlobalSection");
    const PetscInt local_cell_count = mesh.cell_end - mesh.cell_start;
    cell_centre_.resize(local_cell_count);
    cell_area_.resize(local_cell_count);
    cell_vertices_.resize(local_cell_count);
    cell_corner_points_.resize(local_cell_count);
    local_offset_.resize(local_cell_count);
    owned_position_.assign(local_cell_count, -1);
    PetscInt first_global = 0, owned = 0;
    for (PetscInt c = mesh.cell_start; c < mesh.cell_end; ++c) {
      PetscInt size = 0, *closure = nullptr;
      check_petsc(DMPlexGetTransitiveClosure(dm_, c, PETSC_TRUE, &size, &closure),
                  "DMPlexGetTransitiveClosure");
      std::array<Vector3, 3> corners{};
      std::array<PetscInt, 3> corner_points{};
      int found = 0;
      for (PetscInt k = 0; k < size; ++k) {
        const PetscInt p = closure[2 * k];
        if (p >= mesh.vertex_start && p < mesh.vertex_end && found < 3) {
          corner_points[found] = p;
          corners[found++] = mesh.vertex(p);
        }
      }
      check_petsc(DMPlexRestoreTransitiveClosure(dm_, c, PETSC_TRUE, &size, &closure),
                  "DMPlexRestoreTransitiveClosure");
      if (found != 3) throw errors::InternalError("sphere mesh: a cell is not a triangle");
      const PetscInt i = c - mesh.cell_start;
      cell_vertices_[i] = corners;
      cell_corner_points_[i] = corner_points;
      cell_area_[i] = geometry::spherical_triangle_area(corners[0], corners[1], corners[2]);
      cell_centre_[i] = normalised({corners[0][0] + corners[1][0] + corners[2][0],
                                    corners[0][1] + corners[1][1] + corners[2][1],
                                    corners[0][2] + corners[1][2] + corners[2][2]});
      PetscInt offset = 0, global_offset = 0;
      check_petsc(PetscSectionGetOffset(local_section, c, &offset), "PetscSectionGetOffset");
      check_petsc(PetscSectionGetOffset(global_section, c, &global_offset), "PetscSectionGetOffset");
      local_offset_[i] = offset;
      if (global_offset < 0) continue;  // a ghost
      if (owned == 0) first_global = global_offset;
      owned_position_[i] = owned++;
      owned_cells_.push_back(i);
      global_indices_.push_back(original[c - start]);
      for (double x : cell_centre_[i]) centres_.push_back(x);
      measures_.push_back(cell_area_[i]);
      // Exposed counter-clockwise seen from outside; the solver keeps DMPlex's corner order (its
      // edge numbering and face offsets follow it).
      const bool clockwise = geometry::orientation(corners[0], corners[1], corners[2]) < 0;
      for (int k : {0, clockwise ? 2 : 1, clockwise ? 1 : 2})
        for (double x : corners[k]) vertices_.push_back(x);
    }
    storage_offset_ = first_global;
    std::int64_t owned_count = owned;
    parallel::check_mpi(MPI_Allreduce(&owned_count, &global_cells_, 1, MPI_INT64_T, MPI_SUM, comm_),
                        "MPI_Allreduce(cells)");
  }

  // Edges with both neighbours present and at least one owned (their flux is needed here): the
  // two cells, the great-circle length, the tangent unit normal at the midpoint from a to b, and
  // the midpoint where the velocity is evaluated.
  void set_up_edges(const Mesh& mesh) {
    for (PetscInt e = mesh.edge_start; e < mesh.edge_end; ++e) {
      PetscInt support_size = 0;
      const PetscInt* support = nullptr;
      check_petsc(DMPlexGetSupportSize(dm_, e, &support_size), "DMPlexGetSupportSize");
      if (support_size != 2) continue;
      check_petsc(DMPlexGetSupport(dm_, e, &support), "DMPlexGetSupport");
      const PetscInt a = support[0] - mesh.cell_start, b = support[1] - mesh.cell_start;
      if (owned_position_[a] < 0 && owned_position_[b] < 0) continue;
      const PetscInt* cone = nullptr;
      check_petsc(DMPlexGetCone(dm_, e, &cone), "DMPlexGetCone");
      const Vector3 v0 = mesh.vertex(cone[0]), v1 = mesh.vertex(cone[1]);
      const Vector3 midpoint = normalised({v0[0] + v1[0], v0[1] + v1[1], v0[2] + v1[2]});
      // Perpendicular to the great circle through v0, v1 (whose plane normal is v0 x v1).
      Vector3 normal = normalised(cross(v0, v1));
      const Vector3& ca = cell_centre_[a];
      const Vector3& cb = cell_centre_[b];
      const Vector3 difference = {cb[0] - ca[0], cb[1] - ca[1], cb[2] - ca[2]};
      if (dot3(normal, difference) < 0) normal = {-normal[0], -normal[1], -normal[2]};
      edges_.push_back({a, b, std::atan2(std::sqrt(dot3(cross(v0, v1), cross(v0, v1))), dot3(v0, v1)),
                        normal, edge_number(a, cone[0], cone[1]),
                        edge_number(b, cone[0], cone[1])});
      for (double x : midpoint) edge_points_.push_back(x);
    }
  }

  // The k with corners k, k + 1 of `cell` equal to the edge's vertices p, q.
  int edge_number(PetscInt cell, PetscInt p, PetscInt q) const {
    const auto& corners = cell_corner_points_[cell];
    for (int k = 0; k < 3; ++k) {
      const PetscInt first = corners[k], second = corners[(k + 1) % 3];
      if ((first == p && second == q) || (first == q && second == p)) return k;
    }
    throw errors::InternalError("sphere mesh: an edge is not a side of its cell");
  }

  // Geometry of the limited reconstruction and the DM that carries the gradients. A gradient
  // needs the cell's three edge neighbours, which overlap 1 provides for owned cells only (a
  // ghost's far neighbours live on another rank): owned cells compute theirs, ghosts receive them
  // through a clone of the mesh DM with three dofs per cell (the same point SF).
  void set_up_reconstruction(PetscInt start, PetscInt end) {
    const std::size_t local_cell_count = cell_centre_.size();
    face_offsets_.resize(local_cell_count);
    for (std::size_t i = 0; i < local_cell_count; ++i)
      face_offsets_[i] = face_offsets(cell_vertices_[i], cell_centre_[i]);
    // Least squares over the edge neighbours j in geodesic coordinates d_j at the centre:
    // minimise sum_j |d_j|^-2 (rho_j - rho_i - g.d_j)^2 over tangent g (exact for linear
    // densities; the weights make the normal matrix O(1)). Solved once in an orthonormal tangent
    // basis; the gradient is then sum_j gradient_weights_j (rho_j - rho_i).
    std::vector<int> found(local_cell_count, 0);
    neighbours_.assign(owned_cells_.size(), {});
    gradient_weights_.assign(owned_cells_.size(), {});
    std::vector<std::array<Vector3, 3>> displacement(owned_cells_.size());
    for (const auto& edge : edges_) {
      for (auto [cell, other] : {std::pair{edge.a, edge.b}, std::pair{edge.b, edge.a}}) {
        const PetscInt position = owned_position_[cell];
        if (position < 0) continue;
        if (found[cell] == 3) throw errors::InternalError("sphere mesh: a cell has more than 3 edges");
        neighbours_[position][found[cell]] = other;
        displacement[position][found[cell]++] = logarithm(cell_centre_[cell], cell_centre_[other]);
      }
    }
    for (std::size_t position = 0; position < owned_cells_.size(); ++position) {
      const PetscInt cell = owned_cells_[position];
      if (found[cell] != 3)
        throw errors::InternalError("sphere mesh: an owned cell lacks an edge neighbour");
      const Vector3& centre = cell_centre_[cell];
      const Vector3 first = normalised(displacement[position][0]);
      const Vector3 second = cross(centre, first);
      std::array<double, 3> x{}, y{}, weight{};
      double xx = 0, xy = 0, yy = 0;
      for (int j = 0; j < 3; ++j) {
        x[j] = dot3(displacement[position][j], first);
        y[j] = dot3(displacement[position][j], second);
        weight[j] = 1 / (x[j] * x[j] + y[j] * y[j]);
        xx += weight[j] * x[j] * x[j];
        xy += weight[j] * x[j] * y[j];
        yy += weight[j] * y[j] * y[j];
      }
      const double determinant = xx * yy - xy * xy;
      for (int j = 0; j < 3; ++j) {
        const double gx = weight[j] * (yy * x[j] - xy * y[j]) / determinant;
        const double gy = weight[j] * (xx * y[j] - xy * x[j]) / determinant;
        for (int r = 0; r < 3; ++r)
          gradient_weights_[position][j][r] = gx * first[r] + gy * second[r];
      }
    }
    check_petsc(DMClone(dm_, gradient_dm_.address()), "DMClone");
    {
      SectionHandle section;
      check_petsc(PetscSectionCreate(comm_, section.address()), "PetscSectionCreate");
      check_petsc(PetscSectionSetChart(section, start, end), "PetscSectionSetChart");
      for (std::size_t i = 0; i < local_cell_count; ++i)
        check_petsc(PetscSectionSetDof(section, cell_start_ + static_cast<PetscInt>(i), 3),
                    "PetscSectionSetDof");
      check_petsc(PetscSectionSetUp(section), "PetscSectionSetUp");
      check_petsc(DMSetLocalSection(gradient_dm_, section), "DMSetLocalSection");
    }
    check_petsc(DMCreateGlobalVector(gradient_dm_, gradient_.address()), "DMCreateGlobalVector");
    PetscSection local_section = nullptr, global_section = nullptr;
    check_petsc(DMGetLocalSection(gradient_dm_, &local_section), "DMGetLocalSection");
    check_petsc(DMGetGlobalSection(gradient_dm_, &global_section), "DMGetGlobalSection");
    PetscInt first_global = 0;
    check_petsc(VecGetOwnershipRange(gradient_, &first_global, nullptr), "VecGetOwnershipRange");
    gradient_local_offset_.resize(local_cell_count);
    gradient_owned_offset_.resize(owned_cells_.size());
    for (std::size_t i = 0; i < local_cell_count; ++i) {
      const PetscInt point = cell_start_ + static_cast<PetscInt>(i);
      check_petsc(PetscSectionGetOffset(local_section, point, &gradient_local_offset_[i]),
                  "PetscSectionGetOffset");
      if (owned_position_[i] < 0) continue;
      PetscInt offset = 0;
      check_petsc(PetscSectionGetOffset(global_section, point, &offset), "PetscSectionGetOffset");
      gradient_owned_offset_[owned_position_[i]] = offset - first_global;
    }
  }

  // The limited gradient of every owned cell into gradient_ (rho: the local density with ghosts):
  // least-squares gradient g, scaled by phi = min over the three edge midpoints of
  // limited_fraction (limiter.hpp) with the bounds min / max of the cell and its edge
  // neighbours, so that every face value lies in [min, max] and is >= 0 when the averages are.
  void compute_gradients(const PetscScalar* rho) {
    PetscScalar* out = nullptr;
    check_petsc(VecGetArray(gradient_, &out), "VecGetArray");
    for (std::size_t position = 0; position < owned_cells_.size(); ++position) {
      const PetscInt cell = owned_cells_[position];
      const double value = rho[local_offset_[cell]];
      double lowest = value, highest = value;
      Vector3 g{};
      for (int j = 0; j < 3; ++j) {
        const double neighbour = rho[local_offset_[neighbours_[position][j]]];
        lowest = std::min(lowest, neighbour);
        highest = std::max(highest, neighbour);
        for (int r = 0; r < 3; ++r) g[r] += gradient_weights_[position][j][r] * (neighbour - value);
      }
      double fraction = 1;
      for (const auto& offset : face_offsets_[cell])
        fraction = std::min(fraction, face_fraction(settings_.limiter, value, lowest, highest,
                                                    dot3(g, offset)));
      for (int r = 0; r < 3; ++r) out[gradient_owned_offset_[position] + r] = fraction * g[r];
    }
    check_petsc(VecRestoreArray(gradient_, &out), "VecRestoreArray");
  }

  PetscInt cell_start_ = 0;
  std::vector<Vector3> cell_centre_;
  std::vector<double> cell_area_;
  std::vector<std::array<Vector3, 3>> cell_vertices_;
  std::vector<std::array<PetscInt, 3>> cell_corner_points_;
  std::vector<PetscInt> local_offset_, owned_position_, owned_cells_;
  std::vector<Edge> edges_;
  std::vector<double> edge_points_, velocity_vectors_, outflow_rate_;
  // Reconstruction (limiter other than first order): per local cell, and per owned cell.
  std::vector<std::array<Vector3, 3>> face_offsets_;
  std::vector<std::array<PetscInt, 3>> neighbours_;
  std::vector<std::array<Vector3, 3>> gradient_weights_;
  std::vector<PetscInt> gradient_local_offset_, gradient_owned_offset_;
  DMHandle gradient_dm_;
  VecHandle gradient_;
};

}  // namespace

std::unique_ptr<Solver> make_sphere_solver(const model::Model& model, int refinements,
                                           const Settings& settings, MPI_Comm comm) {
  errors::require(model.dimension == 3, "--dimension: the sphere solver needs dimension 3");
  return std::make_unique<SphereSolver>(model, refinements, settings, comm);
}

}  // namespace attnflow::continuum

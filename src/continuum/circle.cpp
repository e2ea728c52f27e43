// The circle solver (see make_circle_solver in solver.hpp).
#include <petscdmda.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "errors/errors.hpp"
#include "continuum/petsc_error.hpp"
#include "continuum/solver.hpp"
#include "parallel/partition.hpp"

namespace attnflow::continuum {

namespace {

constexpr double two_pi = 2 * std::numbers::pi;

class CircleSolver final : public Solver {
 public:
  CircleSolver(const model::Model& model, std::int64_t cells, const Settings& settings,
               MPI_Comm comm)
      : Solver(model, settings, comm) {
    const int ranks = parallel::size_of(comm);
    errors::require(cells >= 2 * ranks && cells <= std::numeric_limits<int>::max(),
                    "--cells: must be at least 2 per rank (" + std::to_string(2 * ranks) +
                        " here), got " + std::to_string(cells));
    // Stencil width 2: the MUSCL slopes of cells i-1 and i+2 enter the flux at face i+1/2.
    check_petsc(DMDACreate1d(comm, DM_BOUNDARY_PERIODIC, static_cast<PetscInt>(cells), 1, 2,
                             nullptr, dm_.address()),
                "DMDACreate1d");
    check_petsc(DMSetOptionsPrefix(dm_, settings.options_prefix.c_str()), "DMSetOptionsPrefix");
    check_petsc(DMSetFromOptions(dm_), "DMSetFromOptions");
    check_petsc(DMSetUp(dm_), "DMSetUp");
    PetscInt global = 0, first = 0, count = 0;
    check_petsc(DMDAGetInfo(dm_, nullptr, &global, nullptr, nullptr, nullptr, nullptr, nullptr,
                            nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
                "DMDAGetInfo");
    check_petsc(DMDAGetCorners(dm_, &first, nullptr, nullptr, &count, nullptr, nullptr),
                "DMDAGetCorners");
    global_cells_ = global;
    first_ = first;
    storage_offset_ = first;
    width_ = two_pi / static_cast<double>(global);
    for (PetscInt i = first; i < first + count; ++i) {
      const double theta = (static_cast<double>(i) + 0.5) * width_;
      global_indices_.push_back(i);
      centres_.push_back(std::cos(theta));
      centres_.push_back(std::sin(theta));
      measures_.push_back(width_);
    }
    // Faces i+1/2 for i = first-1 .. first+count-1. The angle uses the face index modulo M, so
    // that a face shared by two ranks (or the periodic face 0 = 2 pi) has bitwise the same
    // target everywhere: the two adjacent cells then see the same flux and mass is conserved.
    for (PetscInt i = first - 1; i < first + count; ++i) {
      const std::int64_t face = (i + 1) % global;
      const double theta = static_cast<double>(face) * width_;
      face_points_.push_back(std::cos(theta));
      face_points_.push_back(std::sin(theta));
    }
    set_up_time_stepper(dm_);
  }

  std::string domain_name() const override { return "circle"; }

  std::vector<double> cell_averages(
      const std::function<double(std::span<const double>)>& density) const override {
    // 4-point Gauss-Legendre per cell: exact for trigonometric modes well below the grid scale
    // to ~ (k dx)^8, far below the truncation error of the scheme.
    static constexpr std::array<double, 4> nodes = {-0.8611363115940526, -0.3399810435848563,
                                                    0.3399810435848563, 0.8611363115940526};
    static constexpr std::array<double, 4> weights = {0.3478548451374538, 0.6521451548625461,
                                                      0.6521451548625461, 0.3478548451374538};
    std::vector<double> out;
    for (std::int64_t i : global_indices_) {
      const double centre = (static_cast<double>(i) + 0.5) * width_;
      double sum = 0;
      for (int q = 0; q < 4; ++q) {
        const double theta = centre + 0.5 * width_ * nodes[q];
        const std::array<double, 2> x = {std::cos(theta), std::sin(theta)};
        sum += 0.5 * weights[q] * density(x);
      }
      out.push_back(sum);
    }
    return out;
  }

 protected:
  double compute_velocities(Vec density) override {
    const std::size_t count = measures_.size();
    velocity_at(density, face_points_, velocity_vectors_);
    const std::size_t faces = count + 1;
    face_velocities_.resize(faces);
    double local_max = 0;
    for (std::size_t j = 0; j < faces; ++j) {
      // X = <v, tangent> with tangent (-sin, cos) = (-y, x) of the tangent velocity v.
      const double x = face_points_[2 * j], y = face_points_[2 * j + 1];
      face_velocities_[j] = -y * velocity_vectors_[2 * j] + x * velocity_vectors_[2 * j + 1];
      local_max = std::max(local_max, std::abs(face_velocities_[j]));
    }
    double max_speed = 0;
    parallel::check_mpi(MPI_Allreduce(&local_max, &max_speed, 1, MPI_DOUBLE, MPI_MAX, comm_),
                        "MPI_Allreduce(max speed)");
    return max_speed > 0 ? width_ / max_speed : std::numeric_limits<double>::infinity();
  }

  void compute_rate(Vec density, Vec rate) override {
    Vec local = nullptr;
    check_petsc(DMGetLocalVector(dm_, &local), "DMGetLocalVector");
    check_petsc(DMGlobalToLocalBegin(dm_, density, INSERT_VALUES, local), "DMGlobalToLocalBegin");
    check_petsc(DMGlobalToLocalEnd(dm_, density, INSERT_VALUES, local), "DMGlobalToLocalEnd");
    const PetscScalar* rho = nullptr;  // indexed by global cell index, ghosts included
    PetscScalar* out = nullptr;
    check_petsc(DMDAVecGetArrayRead(dm_, local, &rho), "DMDAVecGetArrayRead");
    check_petsc(DMDAVecGetArray(dm_, rate, &out), "DMDAVecGetArray");
    const Limiter limiter = settings_.limiter;
    const std::int64_t count = static_cast<std::int64_t>(measures_.size());
    fluxes_.resize(count + 1);
    for (std::int64_t j = 0; j <= count; ++j) {
      const std::int64_t left = first_ - 1 + j, right = left + 1;
      const double velocity = face_velocities_[j];
      double upwind;
      if (velocity >= 0) {
        upwind = rho[left] + 0.5 * limited_slope(limiter, rho[left] - rho[left - 1],
                                                  rho[right] - rho[left]);
      } else {
        upwind = rho[right] - 0.5 * limited_slope(limiter, rho[right] - rho[left],
                                                   rho[right + 1] - rho[right]);
      }
      fluxes_[j] = velocity * upwind;
    }
    for (std::int64_t i = 0; i < count; ++i)
      out[first_ + i] = -(fluxes_[i + 1] - fluxes_[i]) / width_;
    check_petsc(DMDAVecRestoreArray(dm_, rate, &out), "DMDAVecRestoreArray");
    check_petsc(DMDAVecRestoreArrayRead(dm_, local, &rho), "DMDAVecRestoreArrayRead");
    check_petsc(DMRestoreLocalVector(dm_, &local), "DMRestoreLocalVector");
  }

 private:
  std::int64_t first_ = 0;
  double width_ = 0;
  std::vector<double> face_points_, velocity_vectors_, fluxes_;
};

}  // namespace

std::unique_ptr<Solver> make_circle_solver(const model::Model& model, std::int64_t cells,
                                           const Settings& settings, MPI_Comm comm) {
  errors::require(model.dimension == 2, "--dimension: the circle solver needs dimension 2");
  return std::make_unique<CircleSolver>(model, cells, settings, comm);
}

}  // namespace attnflow::continuum

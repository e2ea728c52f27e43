#pragma once
// The manifold the tokens live on, S^{d-1}, with what the solvers, the diagnostics and the output
// need of it (PETSc keeps DM apart from TS; here the domain is apart from the solvers): its
// measure, the spectral moments of weighted points that the diagnostics report (the circle's
// Fourier moduli, the sphere's harmonic power; docs/mathematics.md section 4), where points lie
// in the cells of a continuum mesh, and how ParaView shows points. One implementation per domain:
// the circle (d = 2), the sphere S^2 (d = 3) and the general S^{d-1} (d >= 4, particles only).
// The dimension switch happens once, in make_domain.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace attnflow::domain {

inline constexpr int fourier_modes = 16;     // |m_k|, k = 1..16 on the circle
inline constexpr int harmonic_degrees = 16;  // C_l, l = 0..16 on S^2

// The cells of a continuum mesh in canonical order: the circle's M arcs [i 2 pi / M,
// (i + 1) 2 pi / M) need only the count; the sphere's spherical triangles need their centres
// (cells x 3) and corners (cells x 3 x 3, geometry/triangles.hpp).
struct Cells {
  std::int64_t count = 0;
  std::span<const double> centres, vertices;
};

class Domain {
 public:
  virtual ~Domain() = default;
  int dimension() const { return dimension_; }
  virtual std::string name() const = 0;  // "circle", "sphere", "S^{d-1}"
  // |S^{d-1}| = 2 pi^{d/2} / Gamma(d/2): 2 pi, 4 pi, 2 pi^2, ...
  double measure() const;

  // --- Spectral moments of weighted points (diagnostics columns of both solvers).
  virtual std::vector<std::string> moment_columns() const = 0;
  // Sums over points that the moments need (add the sums of every process, in any fixed order,
  // then call moments()): `sums` has moment_sum_size() entries and is added to. Empty `weights`
  // means weight 1 for every point.
  virtual std::size_t moment_sum_size() const = 0;
  virtual void add_moment_sums(std::span<const double> points, std::span<const double> weights,
                               std::span<double> sums) const = 0;
  // The moment columns' values from the summed sums and the total weight (N or the mass).
  virtual std::vector<double> moments(std::span<const double> sums, double total_weight) const = 0;
  // How many leading moment values go up to order `order` (the circle's K moduli k = 1..K, the
  // sphere's L + 1 powers l = 0..L).
  virtual std::size_t moment_count(int order) const { return 0; }

  // --- The harmonic basis, as the initial densities rho = (1 + a f) / |S| use it: f = cos(k theta)
  // (order >= 0) or sin(k theta) (order < 0) on the circle, f = sqrt(4 pi) Y_km on the sphere
  // (domain/harmonics.hpp). Circle and sphere only.
  virtual double mode(std::span<const double> x, int degree, int order) const;

  // --- Points in cells: the canonical index of the cell holding each point (rows of d), or -1
  // for a point in none (the sphere's location falls back to the nearest centre for those and
  // counts them in `unlocated`). Circle and sphere only.
  struct Location {
    std::vector<std::int64_t> cells;
    std::int64_t unlocated = 0;
  };
  virtual Location locate(std::span<const double> points, const Cells& cells) const;

  // --- ParaView: "XY" on the circle, "XYZ" (the first three coordinates) otherwise.
  std::string xdmf_geometry() const { return dimension_ == 2 ? "XY" : "XYZ"; }
  int shown_coordinates() const { return dimension_ == 2 ? 2 : 3; }

 protected:
  explicit Domain(int dimension) : dimension_(dimension) {}

 private:
  int dimension_;
};

// Throws errors::InputError for d < 2.
std::unique_ptr<Domain> make_domain(int dimension);

}  // namespace attnflow::domain

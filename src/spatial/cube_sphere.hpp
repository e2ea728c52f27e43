#pragma once
// A fixed grid of cells on the sphere S^{d-1}, 2 <= d <= 64: the equiangular cube sphere. Each of
// the 2d faces of the cube [-1, 1]^d (face f, sign s: the points whose largest |x_k| is s x_f)
// is cut into m^{d-1} cells of equal width pi / (2m) in the angles atan(x_k / |x_f|), k != f.
// Cells are named by 64-bit keys: the face, then the Morton interleave of the face indices, so
// that a range of keys is a compact region of the sphere (spatial/key_decomposition.hpp splits
// key ranges among the ranks). The grid depends on d and m only; which cell holds a point is a
// function of the point alone, the same on every rank.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::spatial {

using CellKey = std::uint64_t;

// A spherical cap: the unit vectors within `radius` (an angle) of `centre`.
struct CellCap {
  std::vector<double> centre;
  double radius = 0;
};

class CubeSphereGrid {
 public:
  // Throws errors::InputError for a dimension outside [2, 64] or m outside [1, max_cells_per_edge(d)].
  CubeSphereGrid(int dimension, int cells_per_edge);
  // The largest m whose keys fit in 62 bits (and whose indices stay exact in a double).
  static int max_cells_per_edge(int dimension);

  int dimension() const { return dimension_; }
  int cells_per_edge() const { return cells_per_edge_; }
  // Number of cells, 2d m^{d-1} (as a double: it can exceed 2^64 for large d).
  double cell_count() const;
  // Angular width of a cell in the face angles, pi / (2m).
  double cell_angle() const { return cell_angle_; }

  // The cell of a nonzero point (it need not be normalised). Points on a cell boundary go to
  // one side, always the same.
  CellKey key(const double* point) const;
  void keys(std::span<const double> points, std::span<CellKey> keys) const;

  // A cap containing the whole cell: centre the normalised gnomonic centre of the cell, radius
  // the largest angle to its corners (d <= 9; the farthest point of a cell bounded by great
  // spheres is a corner) or the gnomonic half-diagonal (d > 9, a bound since the inverse
  // gnomonic map is 1-Lipschitz), plus a margin for rounding (cap_margin).
  CellCap cap(CellKey key) const;
  // Bounds every cell's cap radius.
  double largest_cap_radius() const { return largest_cap_radius_; }

  // Keys, in increasing order, of every cell whose cap meets the cap (centre, radius), i.e.
  // angle(centre, cell centre) <= radius + cell radius: a superset of the cells holding a point
  // within `radius` of `centre`. `centre` must be a unit vector. Candidates come from the range
  // of each face angle over the cap (the cap's projection onto the plane of e_f and e_k spans
  // the angles phi +- asin(sin radius / rho)), so the cost is proportional to the cells met.
  void cells_meeting_cap(const double* centre, double radius, std::vector<CellKey>& keys) const;

  // Angle added to every cap radius: covers the rounding of the cell assignment and of the
  // inner products that test caps (~1e-16), and nothing else.
  static constexpr double cap_margin = 1e-9;

 private:
  struct Cell {
    int face = 0;                  // 2 f + (s < 0)
    std::vector<int> index;        // d - 1 face indices
  };
  Cell decode(CellKey key) const;
  CellKey encode(int face, const int* index) const;
  // Fills centre (d entries) and returns the radius of the cell (without the test).
  double cell_cap(int face, const int* index, double* centre) const;

  int dimension_;
  int cells_per_edge_;
  int index_bits_;  // bits per face index in the Morton interleave
  double cell_angle_;
  std::vector<double> boundaries_;  // tan(-pi/4 + j pi/(2m)), j = 0..m: cell edges in x_k/|x_f|
  double largest_cap_radius_ = 0;
};

// Fraction of the area of S^{d-1} within angle theta of a point: (1 - cos theta)/2 on S^2,
// theta/pi on the circle; in general int_0^theta sin^{d-2} / int_0^pi sin^{d-2}.
double cap_area_fraction(int dimension, double theta);

}  // namespace attnflow::spatial

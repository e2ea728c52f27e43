#include "spatial/cube_sphere.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <string>

#include "errors/errors.hpp"

namespace attnflow::spatial {

namespace {

constexpr double quarter_pi = std::numbers::pi / 4;

int bit_width_of(std::uint64_t value) { return static_cast<int>(std::bit_width(value)); }

// Angle between unit vectors from their chord: accurate for small angles too.
double angle_between(const double* a, const double* b, int d) {
  double chord = 0;
  for (int k = 0; k < d; ++k) chord += (a[k] - b[k]) * (a[k] - b[k]);
  return 2 * std::asin(std::min(1.0, std::sqrt(chord) / 2));
}

// Radii of the cells of one face are tabulated below this many cells (all faces are congruent).
constexpr double tabulated_cells = 1 << 20;

}  // namespace

int CubeSphereGrid::max_cells_per_edge(int dimension) {
  if (dimension < 2) return 1;
  const int face_bits = bit_width_of(static_cast<std::uint64_t>(2 * dimension - 1));
  const int bits = std::min(24, (62 - face_bits) / (dimension - 1));
  return 1 << bits;
}

CubeSphereGrid::CubeSphereGrid(int dimension, int cells_per_edge)
    : dimension_(dimension), cells_per_edge_(cells_per_edge) {
  errors::require(dimension >= 2 && dimension <= 64,
                  "cube-sphere grid: dimension " + std::to_string(dimension) +
                      " is not supported; accepted: 2 <= d <= 64");
  errors::require(cells_per_edge >= 1 && cells_per_edge <= max_cells_per_edge(dimension),
                  "cube-sphere grid: " + std::to_string(cells_per_edge) +
                      " cells per face edge; accepted: 1 to " +
                      std::to_string(max_cells_per_edge(dimension)) + " in dimension " +
                      std::to_string(dimension));
  index_bits_ = bit_width_of(static_cast<std::uint64_t>(cells_per_edge - 1));
  cell_angle_ = 2 * quarter_pi / cells_per_edge;
  boundaries_.resize(cells_per_edge + 1);
  for (int j = 0; j <= cells_per_edge; ++j)
    boundaries_[j] = std::tan(-quarter_pi + j * cell_angle_);
  boundaries_.front() = -1.0;  // exact face edges
  boundaries_.back() = 1.0;
  if (cells_per_edge % 2 == 0) boundaries_[cells_per_edge / 2] = 0.0;
  const int axes = dimension - 1;
  if (std::pow(static_cast<double>(cells_per_edge), axes) <= tabulated_cells) {
    std::vector<int> index(axes, 0);
    std::vector<double> centre(dimension);
    for (;;) {
      largest_cap_radius_ = std::max(largest_cap_radius_, cell_cap(0, index.data(), centre.data()));
      int a = 0;
      while (a < axes && ++index[a] == cells_per_edge) index[a++] = 0;
      if (a == axes) break;
    }
    // The other faces' cells are congruent to face 0's: their radii equal these up to rounding,
    // which depends on the face's signs and on the optimisation (1 ulp apart at -O1 under the
    // sanitizers); 1e-12 covers it.
    largest_cap_radius_ += 1e-12;
  } else {
    // The corner cell has the largest gnomonic box; its half-diagonal bounds every cell's radius.
    const double side = 1.0 - boundaries_[cells_per_edge - 1];
    largest_cap_radius_ = 0.5 * side * std::sqrt(static_cast<double>(axes)) + cap_margin;
  }
}

double CubeSphereGrid::cell_count() const {
  return 2.0 * dimension_ * std::pow(static_cast<double>(cells_per_edge_), dimension_ - 1);
}

CellKey CubeSphereGrid::encode(int face, const int* index) const {
  const int axes = dimension_ - 1;
  CellKey morton = 0;
  for (int bit = 0; bit < index_bits_; ++bit)
    for (int a = 0; a < axes; ++a)
      morton |= static_cast<CellKey>((index[a] >> bit) & 1) << (bit * axes + a);
  return (static_cast<CellKey>(face) << (index_bits_ * axes)) | morton;
}

CubeSphereGrid::Cell CubeSphereGrid::decode(CellKey key) const {
  const int axes = dimension_ - 1;
  Cell cell;
  cell.face = static_cast<int>(key >> (index_bits_ * axes));
  cell.index.assign(axes, 0);
  for (int bit = 0; bit < index_bits_; ++bit)
    for (int a = 0; a < axes; ++a)
      cell.index[a] |= static_cast<int>((key >> (bit * axes + a)) & 1) << bit;
  return cell;
}

CellKey CubeSphereGrid::key(const double* x) const {
  const int d = dimension_;
  int f = 0;
  for (int k = 1; k < d; ++k)
    if (std::abs(x[k]) > std::abs(x[f])) f = k;
  const double scale = std::abs(x[f]);
  const int face = 2 * f + (x[f] < 0 ? 1 : 0);
  int index[64];
  for (int k = 0, a = 0; k < d; ++k) {
    if (k == f) continue;
    const double t = x[k] / scale;
    // Cell i holds boundaries_[i] <= t < boundaries_[i + 1]; t = 1 goes to the last cell.
    const auto upper = std::upper_bound(boundaries_.begin(), boundaries_.end(), t);
    index[a++] = std::clamp(static_cast<int>(upper - boundaries_.begin()) - 1, 0,
                            cells_per_edge_ - 1);
  }
  return encode(face, index);
}

void CubeSphereGrid::keys(std::span<const double> points, std::span<CellKey> result) const {
  const std::size_t count = points.size() / dimension_;
  for (std::size_t i = 0; i < count; ++i) result[i] = key(points.data() + i * dimension_);
}

double CubeSphereGrid::cell_cap(int face, const int* index, double* centre) const {
  const int d = dimension_, axes = d - 1;
  const int f = face / 2;
  const double sign = face % 2 == 0 ? 1.0 : -1.0;
  // Gnomonic coordinates t_a (x_k = t_a x_f); the centre is the middle of the gnomonic box.
  double norm = 1;
  double middle[64], half[64];
  for (int a = 0; a < axes; ++a) {
    const double low = boundaries_[index[a]], high = boundaries_[index[a] + 1];
    middle[a] = 0.5 * (low + high);
    half[a] = 0.5 * (high - low);
    norm += middle[a] * middle[a];
  }
  norm = std::sqrt(norm);
  for (int k = 0, a = 0; k < d; ++k) centre[k] = k == f ? sign / norm : middle[a++] / norm;
  if (axes > 8) {
    double diagonal = 0;
    for (int a = 0; a < axes; ++a) diagonal += half[a] * half[a];
    return std::sqrt(diagonal) + cap_margin;
  }
  double radius = 0, corner[9];
  for (int mask = 0; mask < (1 << axes); ++mask) {
    double corner_norm = 1;
    double t[8];
    for (int a = 0; a < axes; ++a) {
      t[a] = middle[a] + ((mask >> a) & 1 ? half[a] : -half[a]);
      corner_norm += t[a] * t[a];
    }
    corner_norm = std::sqrt(corner_norm);
    for (int k = 0, a = 0; k < d; ++k)
      corner[k] = k == f ? sign / corner_norm : t[a++] / corner_norm;
    radius = std::max(radius, angle_between(centre, corner, d));
  }
  return radius + cap_margin;
}

CellCap CubeSphereGrid::cap(CellKey key) const {
  const Cell cell = decode(key);
  CellCap result;
  result.centre.resize(dimension_);
  result.radius = cell_cap(cell.face, cell.index.data(), result.centre.data());
  return result;
}

void CubeSphereGrid::cells_meeting_cap(const double* c, double radius,
                                       std::vector<CellKey>& keys) const {
  keys.clear();
  const int d = dimension_, axes = d - 1, m = cells_per_edge_;
  const bool everything = radius + largest_cap_radius_ >= std::numbers::pi;
  const bool half_sphere = radius >= 2 * quarter_pi;
  const double sine = std::sin(std::min(radius, 2 * quarter_pi));
  int low[64], high[64], index[64];
  std::vector<double> centre(d);
  for (int face = 0; face < 2 * d; ++face) {
    const int f = face / 2;
    const double sign = face % 2 == 0 ? 1.0 : -1.0;
    bool empty = false;
    for (int k = 0, a = 0; k < d && !empty; ++k) {
      if (k == f) continue;
      low[a] = 0;
      high[a] = m - 1;
      const double along_face = sign * c[f], along_axis = c[k];
      const double rho = std::hypot(along_face, along_axis);
      if (!half_sphere && rho > sine) {
        // The cap's projection onto the (s e_f, e_k) plane lies in the sector phi +- alpha.
        const double phi = std::atan2(along_axis, along_face);
        const double alpha = std::asin(std::min(1.0, sine / rho));
        const double from = phi - alpha - cap_margin, to = phi + alpha + cap_margin;
        if (to < -quarter_pi || from > quarter_pi) {
          empty = true;
        } else {
          auto cell_of = [&](double angle) {
            return std::clamp(static_cast<int>(std::floor((angle + quarter_pi) / cell_angle_)), 0,
                              m - 1);
          };
          low[a] = cell_of(std::max(from, -quarter_pi));
          high[a] = cell_of(std::min(to, quarter_pi));
        }
      }
      ++a;
    }
    if (empty) continue;
    for (int a = 0; a < axes; ++a) index[a] = low[a];
    for (;;) {
      const double cell_radius = cell_cap(face, index, centre.data());
      if (everything || angle_between(c, centre.data(), d) <= radius + cell_radius)
        keys.push_back(encode(face, index));
      int a = 0;
      while (a < axes && index[a] == high[a]) {
        index[a] = low[a];
        ++a;
      }
      if (a == axes) break;
      ++index[a];
    }
  }
  std::sort(keys.begin(), keys.end());
}

double cap_area_fraction(int dimension, double theta) {
  if (theta <= 0) return 0;
  if (theta >= std::numbers::pi) return 1;
  if (dimension == 2) return theta / std::numbers::pi;
  if (dimension == 3) return 0.5 * (1 - std::cos(theta));
  // Simpson's rule on sin^{d-2}: smooth, and 2000 intervals are far more than the few digits
  // the callers (the choice between cut-off and fallback) need.
  auto integral = [&](double upper) {
    const int intervals = 2000;
    const double h = upper / intervals;
    double sum = 0;
    for (int i = 0; i <= intervals; ++i) {
      const double weight = i == 0 || i == intervals ? 1 : (i % 2 == 1 ? 4 : 2);
      sum += weight * std::pow(std::sin(i * h), dimension - 2);
    }
    return sum * h / 3;
  };
  return integral(theta) / integral(std::numbers::pi);
}

}  // namespace attnflow::spatial

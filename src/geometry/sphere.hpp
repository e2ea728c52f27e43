#pragma once
// Geometry of the unit sphere S^{d-1} in R^d: tangent projection, renormalisation, and uniform
// sampling from normal draws, nearest of a set of centres. Points are rows of length d in row-major arrays.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::geometry {

double dot(std::span<const double> a, std::span<const double> b);
double norm(std::span<const double> a);
// y <- P_x y = y - <x, y> x (x a unit vector).
void project_tangent(std::span<const double> x, std::span<double> y);
// x <- x / |x|; throws std::domain_error for a zero or non-finite vector.
void normalise(std::span<double> x);
// Normalises every row of a row-major (count x dimension) array.
void normalise_rows(std::span<double> points, int dimension);
// Largest | |x_i| - 1 | over the rows.
double max_norm_defect(std::span<const double> points, int dimension);
// For each of the `points` (count x d, unit vectors), the index of the centre (cells x d, unit
// vectors) with the largest inner product, i.e. the nearest in geodesic distance (ties: the
// smallest index). d = 3: a bucket grid, O(cells) set-up and O(1) per point for centres spread
// over the sphere; otherwise brute force, O(count cells). Throws errors::InputError when there
// are no centres.
std::vector<std::int64_t> nearest_centres(std::span<const double> points,
                                          std::span<const double> centres, int dimension);

}  // namespace attnflow::geometry

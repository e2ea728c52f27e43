#pragma once
// Spherical triangles on S^2 (the continuum's icosphere cells): area, orientation, the corners
// that triangles share, and the triangle that contains a point. Triangle arrays are row-major
// (cells x 3 corners x 3 coordinates), each triangle counter-clockwise seen from outside
// (det[a, b, c] > 0), corners on the unit sphere.
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::geometry {

using Point3 = std::array<double, 3>;

// Three-vector algebra shared by the triangle code and the sphere solver's geometry (inline: each
// caller's floating-point contraction rules apply, as when they were written out in place).
inline Point3 cross(const Point3& a, const Point3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double dot3(const Point3& a, const Point3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
inline Point3 normalised(const Point3& a) {
  const double n = std::sqrt(dot3(a, a));
  return {a[0] / n, a[1] / n, a[2] / n};
}

// det[a, b, c] = <a x b, c>: > 0 when a, b, c turn counter-clockwise seen from outside.
double orientation(const Point3& a, const Point3& b, const Point3& c);
// Spherical excess of the triangle abc on the unit sphere (Van Oosterom and Strackee 1983), for
// either orientation.
double spherical_triangle_area(const Point3& a, const Point3& b, const Point3& c);

// The distinct corners of a set of triangles (cells x 3 x 3): corners with exactly equal
// coordinates are one node (the icosphere's cells share the coordinates of one mesh vertex bit for
// bit). Nodes are numbered in the order of their first appearance, so the numbering depends only
// on the triangles and their order.
struct SharedVertices {
  std::vector<double> nodes;            // nodes x 3
  std::vector<std::int64_t> triangles;  // cells x 3 node numbers, corners in the given order
};
// Throws errors::InputError when the array is not cells x 3 x 3 or holds a non-finite value.
SharedVertices shared_vertices(std::span<const double> vertices);

// A point lies in a triangle when its signed sine distance to each edge's great circle,
// <v_k x v_{k+1} / |v_k x v_{k+1}|, x>, is >= -containment_tolerance: rounding (~1e-16) is far
// below it, and so is the area of the band it adds (1e-13 rad wide).
inline constexpr double containment_tolerance = 1e-13;

struct TriangleLocation {
  std::vector<std::int64_t> cells;  // per point: the containing triangle
  // Points no candidate contained, left in the nearest centre's cell (none on a mesh whose
  // nearest-centre regions lie inside the triangles around the centre's corners, like the
  // icosphere's; counted so that a caller can report it).
  std::int64_t unlocated = 0;
  // Points whose triangle is not their nearest centre's (what nearest-centre binning gets wrong).
  std::int64_t moved = 0;
};

// For each point (count x 3, unit vectors) the index of the spherical triangle (vertices: cells x
// 3 x 3, counter-clockwise; centres: cells x 3) containing it. Candidate: the nearest centre
// (nearest_centres); if the point is not strictly inside it, every triangle sharing a corner with
// it is tested too, and the one the point is deepest inside (largest smallest edge distance; ties:
// the smaller index) wins, so a point on an edge goes to one of its two triangles, always the same.
// Cost: nearest_centres plus O(1) per point. Throws errors::InputError on inconsistent sizes, a
// non-finite corner, or a triangle that is degenerate or clockwise.
TriangleLocation containing_triangles(std::span<const double> points,
                                      std::span<const double> centres,
                                      std::span<const double> vertices);

}  // namespace attnflow::geometry

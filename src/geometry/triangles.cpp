#include "geometry/triangles.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "errors/errors.hpp"
#include "geometry/sphere.hpp"

namespace attnflow::geometry {

namespace {

Point3 row(std::span<const double> values, std::size_t index) {
  return {values[3 * index], values[3 * index + 1], values[3 * index + 2]};
}

// Compressed lists: the items of list i are items[start[i] .. start[i + 1]).
struct Lists {
  std::vector<std::int64_t> start, items;
  std::span<const std::int64_t> operator[](std::size_t i) const {
    return std::span<const std::int64_t>(items).subspan(std::size_t(start[i]),
                                                        std::size_t(start[i + 1] - start[i]));
  }
};

// For every cell, the other cells that share at least one of its corners, in increasing order.
Lists corner_neighbours(const SharedVertices& shared, std::size_t cells) {
  const std::size_t nodes = shared.nodes.size() / 3;
  Lists node_cells;
  node_cells.start.assign(nodes + 1, 0);
  for (auto node : shared.triangles) ++node_cells.start[std::size_t(node) + 1];
  std::partial_sum(node_cells.start.begin(), node_cells.start.end(), node_cells.start.begin());
  node_cells.items.resize(shared.triangles.size());
  std::vector<std::int64_t> fill(node_cells.start.begin(), node_cells.start.end() - 1);
  for (std::size_t corner = 0; corner < shared.triangles.size(); ++corner)
    node_cells.items[std::size_t(fill[std::size_t(shared.triangles[corner])]++)] =
        std::int64_t(corner / 3);
  Lists ring;
  ring.start.push_back(0);
  std::vector<std::int64_t> around;
  for (std::size_t cell = 0; cell < cells; ++cell) {
    around.clear();
    for (int k = 0; k < 3; ++k)
      for (auto other : node_cells[std::size_t(shared.triangles[3 * cell + std::size_t(k)])])
        if (other != std::int64_t(cell)) around.push_back(other);
    std::sort(around.begin(), around.end());
    around.erase(std::unique(around.begin(), around.end()), around.end());
    ring.items.insert(ring.items.end(), around.begin(), around.end());
    ring.start.push_back(std::int64_t(ring.items.size()));
  }
  return ring;
}

}  // namespace

double orientation(const Point3& a, const Point3& b, const Point3& c) {
  return dot3(cross(a, b), c);
}

double spherical_triangle_area(const Point3& a, const Point3& b, const Point3& c) {
  const double numerator = std::abs(dot3(a, cross(b, c)));
  const double denominator = 1 + dot3(a, b) + dot3(b, c) + dot3(c, a);
  return 2 * std::atan2(numerator, denominator);
}

SharedVertices shared_vertices(std::span<const double> vertices) {
  errors::require(vertices.size() % 9 == 0,
                  "triangle vertices: need cells x 3 corners x 3 coordinates, got " +
                      std::to_string(vertices.size()) + " numbers");
  errors::require(std::all_of(vertices.begin(), vertices.end(),
                              [](double x) { return std::isfinite(x); }),
                  "triangle vertices: a corner has a non-finite coordinate");
  const std::size_t corners = vertices.size() / 3;
  // Sort the corners by their coordinates (ties by corner number): equal corners become adjacent
  // and the first of each run is the first appearance.
  std::vector<std::size_t> order(corners);
  std::iota(order.begin(), order.end(), std::size_t(0));
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < 3; ++k)
      if (vertices[3 * a + k] != vertices[3 * b + k]) return vertices[3 * a + k] < vertices[3 * b + k];
    return a < b;
  });
  std::vector<std::size_t> first(corners);
  for (std::size_t i = 0; i < corners; ++i) {
    const std::size_t corner = order[i];
    const bool same = i > 0 && row(vertices, corner) == row(vertices, order[i - 1]);
    first[corner] = same ? first[order[i - 1]] : corner;
  }
  SharedVertices shared;
  shared.triangles.resize(corners);
  std::vector<std::int64_t> node(corners, -1);
  for (std::size_t corner = 0; corner < corners; ++corner) {
    if (first[corner] == corner) {
      node[corner] = std::int64_t(shared.nodes.size() / 3);
      for (std::size_t k = 0; k < 3; ++k) shared.nodes.push_back(vertices[3 * corner + k]);
    }
    shared.triangles[corner] = node[first[corner]];  // first[corner] <= corner: numbered already
  }
  return shared;
}

TriangleLocation containing_triangles(std::span<const double> points,
                                      std::span<const double> centres,
                                      std::span<const double> vertices) {
  const std::size_t cells = centres.size() / 3;
  errors::require(centres.size() % 3 == 0 && vertices.size() == 9 * cells && points.size() % 3 == 0,
                  "containing triangles: need points and centres of 3 coordinates and 3 corners "
                  "per centre");
  const SharedVertices shared = shared_vertices(vertices);
  // Unit normals of the edge great circles, pointing into the triangle (counter-clockwise).
  std::vector<Point3> normals(3 * cells);
  for (std::size_t cell = 0; cell < cells; ++cell) {
    const Point3 a = row(vertices, 3 * cell), b = row(vertices, 3 * cell + 1),
                 c = row(vertices, 3 * cell + 2);
    errors::require(orientation(a, b, c) > 0,
                    "containing triangles: triangle " + std::to_string(cell) +
                        " is degenerate or not counter-clockwise seen from outside");
    const Point3 corners[3] = {a, b, c};
    for (int k = 0; k < 3; ++k) {
      Point3 n = cross(corners[k], corners[(k + 1) % 3]);
      normalise(n);
      normals[3 * cell + std::size_t(k)] = n;
    }
  }
  // The smallest signed sine distance of x to the cell's edges: >= 0 inside.
  auto depth = [&](std::size_t cell, const Point3& x) {
    return std::min({dot3(normals[3 * cell], x), dot3(normals[3 * cell + 1], x),
                     dot3(normals[3 * cell + 2], x)});
  };
  const Lists ring = corner_neighbours(shared, cells);
  TriangleLocation location;
  location.cells = nearest_centres(points, centres, 3);
  for (std::size_t i = 0; i < location.cells.size(); ++i) {
    const Point3 x = row(points, i);
    const auto nearest = std::size_t(location.cells[i]);
    std::size_t best = nearest;
    double best_depth = depth(nearest, x);
    // Strictly inside: every other triangle has a negative depth, nothing can win.
    if (best_depth > containment_tolerance) continue;
    for (auto other : ring[nearest]) {
      const double d = depth(std::size_t(other), x);
      if (d > best_depth || (d == best_depth && std::size_t(other) < best)) {
        best_depth = d;
        best = std::size_t(other);
      }
    }
    if (best_depth < -containment_tolerance) {
      ++location.unlocated;
      continue;
    }
    if (best != nearest) ++location.moved;
    location.cells[i] = std::int64_t(best);
  }
  return location;
}

}  // namespace attnflow::geometry

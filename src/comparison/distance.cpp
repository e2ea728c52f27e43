#include "comparison/distance.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "errors/errors.hpp"

namespace attnflow::comparison {

namespace {

constexpr double two_pi = 2 * std::numbers::pi;

double wrap(double angle, double origin) {
  double t = std::fmod(angle - origin, two_pi);
  if (t < 0) t += two_pi;
  return t;
}

double total(const CircleMeasure& m) {
  double sum = 0;
  for (double x : m.atom_masses) {
    errors::require(x >= 0 && std::isfinite(x), "circle measure: negative or non-finite atom mass");
    sum += x;
  }
  for (double x : m.cell_masses) {
    errors::require(x >= 0 && std::isfinite(x), "circle measure: negative or non-finite cell mass");
    sum += x;
  }
  errors::require(sum > 0, "circle measure: total mass must be positive");
  return sum;
}

// A change of D = F_mu - F_nu at position t: a jump and a change of slope.
struct Event {
  double position, jump, slope;
};

// Adds the events of measure m with sign (+1 mu, -1 nu), positions measured from origin in
// [0, 2 pi). A cell that wraps past the origin is split in two.
void add_events(const CircleMeasure& m, double sign, double origin, std::vector<Event>& events) {
  const double scale = sign / total(m);
  for (std::size_t i = 0; i < m.atom_angles.size(); ++i)
    events.push_back({wrap(m.atom_angles[i], origin), scale * m.atom_masses[i], 0});
  for (std::size_t i = 0; i < m.cell_masses.size(); ++i) {
    const double length = m.cell_ends[i] - m.cell_starts[i];
    errors::require(length > 0 && length <= two_pi + 1e-12, "circle measure: cell with bad length");
    const double density = scale * m.cell_masses[i] / length;
    const double start = wrap(m.cell_starts[i], origin);
    const double end = start + length;
    if (end <= two_pi) {
      events.push_back({start, 0, density});
      events.push_back({end, 0, -density});
    } else {  // wraps: [start, 2 pi) and [0, end - 2 pi)
      events.push_back({start, 0, density});
      events.push_back({two_pi, 0, -density});
      events.push_back({0, 0, density});
      events.push_back({end - two_pi, 0, -density});
    }
  }
}

// D on [0, 2 pi) as segments of a linear function: value y0 at the left end, y1 at the right.
struct Segment {
  double length, y0, y1;
};

// Lebesgue measure of {t in segment : D(t) <= a}.
double below(const Segment& s, double a) {
  if (s.y0 == s.y1) return s.y0 <= a ? s.length : 0;
  const double u = std::clamp((a - s.y0) / (s.y1 - s.y0), 0.0, 1.0);
  return s.y1 > s.y0 ? s.length * u : s.length * (1 - u);
}

// int over the segment of |D(t) - a| dt, exactly (D linear).
double absolute_integral(const Segment& s, double a) {
  const double u = s.y0 - a, v = s.y1 - a;
  if ((u >= 0 && v >= 0) || (u <= 0 && v <= 0)) return s.length * std::abs(u + v) / 2;
  return s.length * (u * u + v * v) / (2 * (std::abs(u) + std::abs(v)));
}

}  // namespace

CircleMeasure atoms(std::span<const double> angles) {
  CircleMeasure m;
  m.atom_angles.assign(angles.begin(), angles.end());
  m.atom_masses.assign(angles.size(), 1.0);
  return m;
}

CircleMeasure cells(std::span<const double> edges, std::span<const double> masses) {
  errors::require(edges.size() == masses.size() + 1, "circle cells: need one more edge than cells");
  CircleMeasure m;
  for (std::size_t i = 0; i < masses.size(); ++i) {
    m.cell_starts.push_back(edges[i]);
    m.cell_ends.push_back(edges[i + 1]);
  }
  m.cell_masses.assign(masses.begin(), masses.end());
  return m;
}

double circle_wasserstein(const CircleMeasure& mu, const CircleMeasure& nu) {
  // Any origin gives the same minimum over a (shifting the origin adds a constant to D).
  const double origin = 0;
  std::vector<Event> events;
  events.reserve(mu.atom_angles.size() + nu.atom_angles.size() + 4 * (mu.cell_masses.size() + nu.cell_masses.size()) + 2);
  add_events(mu, +1, origin, events);
  add_events(nu, -1, origin, events);
  events.push_back({two_pi, 0, 0});
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.position < b.position; });
  std::vector<Segment> segments;
  segments.reserve(events.size());
  double value = 0, slope = 0, position = 0;
  for (const Event& e : events) {
    if (e.position > position) {
      const double length = e.position - position;
      segments.push_back({length, value, value + slope * length});
      value += slope * length;
      position = e.position;
    }
    value += e.jump;
    slope += e.slope;
  }
  double low = 0, high = 0;
  for (const Segment& s : segments) {
    low = std::min({low, s.y0, s.y1});
    high = std::max({high, s.y0, s.y1});
  }
  // The objective is convex in a with derivative |{D < a}| - |{D > a}|: bisect for the median.
  const double half = std::numbers::pi;
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double middle = 0.5 * (low + high);
    if (middle <= low || middle >= high) break;
    double measure = 0;
    for (const Segment& s : segments) measure += below(s, middle);
    (measure < half ? low : high) = middle;
  }
  const double a = 0.5 * (low + high);
  double w1 = 0;
  for (const Segment& s : segments) w1 += absolute_integral(s, a);
  return w1;
}

double histogram_l1(std::span<const double> p, std::span<const double> q) {
  errors::require(p.size() == q.size(), "histogram L1: histograms have different numbers of cells");
  double sp = 0, sq = 0;
  for (double x : p) sp += x;
  for (double x : q) sq += x;
  errors::require(sp > 0 && sq > 0, "histogram L1: a histogram has no mass");
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += std::abs(p[i] / sp - q[i] / sq);
  return sum;
}

}  // namespace attnflow::comparison

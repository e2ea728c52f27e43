#include "random/counter_random.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace attnflow::random {

namespace {
// Maps 64 random bits to (0, 1): 53 significant bits, offset by half a unit so 0 never occurs.
double to_open_unit(std::uint64_t bits) { return ((bits >> 11) + 0.5) * 0x1.0p-53; }
}  // namespace

CounterRandom::CounterRandom(std::uint64_t seed, Stream stream)
    : seed_(seed), stream_(static_cast<std::uint64_t>(stream)) {}

std::array<double, 4> CounterRandom::uniforms(std::uint64_t index, std::uint64_t step,
                                              std::uint64_t block) const {
  r123::Philox4x64 generator;
  r123::Philox4x64::key_type key = {{seed_, stream_}};
  r123::Philox4x64::ctr_type counter = {{index, step, block, 0}};
  const auto bits = generator(counter, key);
  return {to_open_unit(bits[0]), to_open_unit(bits[1]), to_open_unit(bits[2]),
          to_open_unit(bits[3])};
}

void CounterRandom::uniforms(std::uint64_t index, std::uint64_t step,
                             std::span<double> out) const {
  for (std::size_t i = 0; i < out.size(); i += 4) {
    const auto u = uniforms(index, step, i / 4);
    for (std::size_t k = 0; k < 4 && i + k < out.size(); ++k) out[i + k] = u[k];
  }
}

void CounterRandom::normals(std::uint64_t index, std::uint64_t step,
                            std::span<double> out) const {
  for (std::size_t i = 0; i < out.size(); i += 4) {
    const auto u = uniforms(index, step, i / 4);
    const double r0 = std::sqrt(-2.0 * std::log(u[0])), r1 = std::sqrt(-2.0 * std::log(u[2]));
    const double a0 = 2.0 * std::numbers::pi * u[1], a1 = 2.0 * std::numbers::pi * u[3];
    const double z[4] = {r0 * std::cos(a0), r0 * std::sin(a0), r1 * std::cos(a1),
                         r1 * std::sin(a1)};
    for (std::size_t k = 0; k < 4 && i + k < out.size(); ++k) out[i + k] = z[k];
  }
}

}  // namespace attnflow::random

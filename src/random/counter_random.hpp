#pragma once
// Counter-based random numbers (Random123 Philox-4x64): every draw is a pure function of
// (seed, stream, index, step, block), so a token's initial state and noise are the same whatever
// the number of ranks, and every rank draws the same common noise without communication.
#include <array>
#include <cstdint>
#include <span>

namespace attnflow::random {

// Independent streams: one per purpose, so that adding a new use never shifts existing draws.
enum class Stream : std::uint64_t {
  initial_state = 1,
  common_noise = 2,
  independent_noise = 3,
  mixture_choice = 4,
  mlp_weights = 5,  // MLP blocks (docs/mathematics.md section 9): keyed by (part of the block, layer)
  long_context_keys = 20,  // longcontext study: keys keyed by (key index, query index)
  long_context_gaps = 21,        // longcontext nearest-key samplers: exponential spacings
  long_context_directions = 22,  // longcontext nearest-key samplers: tangential directions
  long_context_mixture = 23,     // longcontext von Mises-Fisher keys (Wood's sampler)
  long_context_component = 24,   // longcontext von Mises-Fisher keys: mixture component
  test = 99
};

class CounterRandom {
 public:
  CounterRandom(std::uint64_t seed, Stream stream);
  // Four uniforms in the open interval (0, 1).
  std::array<double, 4> uniforms(std::uint64_t index, std::uint64_t step,
                                 std::uint64_t block = 0) const;
  // out.size() uniforms in (0, 1) for (index, step).
  void uniforms(std::uint64_t index, std::uint64_t step, std::span<double> out) const;
  // out.size() independent standard normals (Box-Muller) for (index, step).
  void normals(std::uint64_t index, std::uint64_t step, std::span<double> out) const;

 private:
  std::uint64_t seed_;
  std::uint64_t stream_;
};

}  // namespace attnflow::random

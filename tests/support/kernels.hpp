#pragma once
// The Q = K = V = I model and kernel that most engine and continuum tests use.
#include "interaction/engine.hpp"

namespace attnflow::testing {

inline model::Model identity_model(int dimension, model::Attention attention, double beta) {
  model::Model m;
  m.dimension = dimension;
  m.beta = beta;
  m.attention = attention;
  m.query = m.key = m.value = model::Matrix::identity(dimension);
  return m;
}

inline interaction::Kernel identity_kernel(int dimension, double beta, bool normalised) {
  return interaction::Kernel::from_model(identity_model(
      dimension, normalised ? model::Attention::softmax : model::Attention::unnormalised, beta));
}

}  // namespace attnflow::testing

#pragma once
// The Q = K = V = I kernel that most engine tests use.
#include "interaction/engine.hpp"

namespace attnflow::testing {

inline interaction::Kernel identity_kernel(int dimension, double beta, bool normalised) {
  model::Model m;
  m.dimension = dimension;
  m.beta = beta;
  m.attention = normalised ? model::Attention::softmax : model::Attention::unnormalised;
  m.query = m.key = m.value = model::Matrix::identity(dimension);
  return interaction::Kernel::from_model(m);
}

}  // namespace attnflow::testing

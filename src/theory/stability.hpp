#pragma once
// Linear stability of the uniform token distribution on S^{d-1} (docs/mathematics.md section 4): growth rate
// of each spherical-harmonic degree, the winning degree and the clustering time, for SA and USA
// with Q = K = V = I, finite for beta up to 1e4.
#include "model/model.hpp"

namespace attnflow::theory {

// gamma_l: a degree-l perturbation of the uniform density grows like e^{gamma_l t}.
// USA: l(l+d-2) 2^{d/2-1} Gamma(d/2) beta^{-d/2} I_{l+d/2-1}(beta)  (overflows for beta >~ 700:
//      returns +inf there; use log_growth_rate or growth_rate_rescaled).
// SA:  l(l+d-2) I_{l+d/2-1}(beta) / (beta I_{d/2-1}(beta))   (always finite, < l(l+d-2)/beta).
// beta = 0 gives the limit: (d-1)/d for l = 1, 0 otherwise. Throws errors::InputError for
// dimension < 2, degree < 0 or beta negative / non-finite.
double growth_rate(model::Attention attention, int dimension, int degree, double beta);
// ln gamma_l (-infinity for l = 0 and for l >= 2 at beta = 0).
double log_growth_rate(model::Attention attention, int dimension, int degree, double beta);
// gamma_l e^{-s}: the rate in the time t' = e^{s} t that the particle solver integrates in, with
// s = beta for USA (Q = K = I) and s = 0 for SA (model::Model::log_time_scale). Always finite.
double growth_rate_rescaled(model::Attention attention, int dimension, int degree, double beta);
// The time-rescaling exponent s above.
double log_time_scale(model::Attention attention, double beta);

// l* = argmax_{l >= 1} l(l+d-2) I_{l+d/2-1}(beta): the fastest-growing degree, the same for SA
// and USA (their rates differ by an l-independent factor). 1 at beta = 0. For large beta
// l*(l*+d-2) ~ 2 beta.
int winning_degree(model::Attention attention, int dimension, double beta);

// t* = ln N / (2 gamma_max): the time at which clusters emerge from N iid uniform tokens, whose
// empirical moments start at size N^{-1/2}. Physical time; for USA at large beta it underflows
// to 0, and clustering_time_rescaled = ln N / (2 gamma_max e^{-s}) is the finite time t' at
// which the particle solver sees clustering. Throws errors::InputError for tokens < 1.
double clustering_time(model::Attention attention, int dimension, double beta, long long tokens);
double clustering_time_rescaled(model::Attention attention, int dimension, double beta,
                                long long tokens);

}  // namespace attnflow::theory

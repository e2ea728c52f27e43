#pragma once
// Run diagnostics of the particle system, one row per call: time, the two energies, order
// parameter, clusters, extreme and mean pairwise inner products, a tracked pair's distance, and
// the circle's Fourier moduli |m_k| (d = 2) or the sphere's harmonic power C_l (d = 3).
// Collective; the same numbers (bitwise) for any rank count.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "interaction/engine.hpp"
#include "model/model.hpp"
#include "particles/state.hpp"

namespace attnflow::diagnostics {

// Column names of compute()'s row for tokens on S^{dimension-1}:
//   time, energy_scaled, order_parameter, clusters, max_inner, min_inner,
//   energy_a_scaled, mean_cosine, mean_squared_cosine, pair_distance, log_pair_distance,
//   then the domain's moment columns (domain/domain.hpp): fourier_modulus_1..16 (d = 2) or
//   harmonic_power_0..16 (d = 3); nothing more for d >= 4.
std::vector<std::string> column_names(int dimension);

// The kernel of the energy: e^{beta <x, y>} with Q = K = V = I whatever the run's matrices
// (the energy of docs/mathematics.md section 3 is the Lyapunov function of that case), softmax-normalised so that the
// direct engine's normaliser is Z_i = (1/N) sum_j e^{beta (<x_i, x_j> - 1)}, no causal mask.
interaction::Kernel energy_kernel(int dimension, double beta);
// An engine for compute(): build it once per run and pass it to every call (saves the set-up).
// The direct engine (all-gathered sources: the continuum's cells).
std::unique_ptr<interaction::Engine> make_energy_engine(int dimension, double beta, MPI_Comm comm);
// The particle run's: the kind of the run's engine `run_engine` with the energy kernel, so that
// one energy evaluation costs about one evaluation of a step. direct or ring: the ring engine
// (bitwise the direct engine's sums, O(N/P) memory, O(N^2/P) work); spectral or large-beta: that
// engine at the run's --engine-tolerance eps in double precision, O(N/P) work: every normaliser
// Z_i is then within eps of the exact one (their contract: eps W e^{beta - shift}, W = 1, shift =
// beta), so energy_scaled is within eps / (2 beta) and energy_a_scaled within eps / 2 of the
// exact values.
std::unique_ptr<interaction::Engine> make_energy_engine(int dimension, double beta, MPI_Comm comm,
                                                        const std::string& run_engine,
                                                        const interaction::EngineOptions& options);

// One row of diagnostics (collective over state.comm):
// - energy_scaled = E e^{-beta} with E = (1/(2 beta)) sum_i sum_j w_i w_j e^{beta <x_i, x_j>},
//   w = 1/N, Q = K = V = I (E itself overflows for large beta). E e^{-beta} =
//   (1/(2 beta)) (1/N) sum_i Z_i with the energy kernel's normaliser. For beta = 0 (where E
//   diverges like 1/(2 beta)) it is defined as (1/2) sum_i sum_j w_i w_j = 1/2.
// - order_parameter = |(1/N) sum_i x_i|.
// - clusters: connected components of the graph linking i, j when <x_i, x_j> > 1 - cluster_tolerance.
//   (The values of clusters, max_inner and min_inner are those of the all-pairs scan; only the
//   rounding of a single product may differ from the earlier scan, by FMA contraction.)
// - max_inner, min_inner: the extreme <x_i, x_j> over i != j.
// - energy_a_scaled = E_A e^{-beta}, E_A = (1/2) int int (e^beta - e^{beta <x,y>}) dmu dmu the
//   energy of docs/mathematics.md section 9.6 (>= 0, zero exactly at one point mass), computed as
//   (1/(2N)) sum_i (1 - Z_i) from the same normalisers: E_A = e^beta (1/2 - beta energy_scaled)
//   itself overflows for large beta. Its absolute rounding error is a few ulps of 1/2 (1e-15),
//   so relative values below ~1e-13 are not resolved (the tracked pair's distance is). 0 at
//   beta = 0 (where E_A vanishes identically).
// - mean_cosine, mean_squared_cosine: the means of <x_i, x_j> and <x_i, x_j>^2 over the N(N-1)
//   pairs i != j (the diagonal excluded, as in arXiv 2604.26898), from the moments:
//   sum_{i,j} <x_i, x_j> = |sum_i x_i|^2 and sum_{i,j} <x_i, x_j>^2 = ||sum_i x_i x_i^T||_F^2,
//   minus the diagonal sum_i |x_i|^2 (|x_i|^4). O(N d^2) on every rank, no pair scan; NaN for
//   N < 2. One point: both 1; an antipodal pair of clusters holding fractions p and 1 - p:
//   mean_squared_cosine 1, mean_cosine (1 - 2p)^2 up to O(1/N) (docs/mathematics.md section 9.5).
// - pair_distance = |x_a - x_b| and log_pair_distance for tracked_pair = (a, b) (Lyapunov
//   estimates: E ln r changes at lambda_1 per unit time); NaN when a == b.
// `energy_engine` must come from make_energy_engine(state.dimension, model.beta, state.comm) (the
// run's own engine has the run's matrices, model and mask); null builds one for this call.
// Cost: the pair terms (clusters, max_inner, min_inner, the labels) come from the distributed
// dual-tree search of diagnostics/clusters.hpp (the all-pairs results, typically
// O((N/P) log N) per rank, O(N/P) memory: no rank holds all positions); the energy is one
// evaluation of `energy_engine` (the run's engine kind: make_energy_engine); the O(N) sums (order
// parameter, cosines, moments, the normalisers' sum) are fixed-point sums of this rank's tokens
// (parallel/exact_sum.hpp: exact to 2^-120 per term, then rounded once; rank-count independent
// bits without a gather), and
// the tracked pair's rows come from their owners. O(N d^2 / P + 289 N / P) for the sums.
// pair_terms = false is for runs whose N makes an all-pairs pass per output step too expensive.
// The O(N^2) columns (energy_scaled, energy_a_scaled, clusters, max_inner, min_inner) are NaN
// with pair_terms = false. `tracked_pair`: the two tokens whose distance is logged (equal: none).
// With `cluster_labels` non-null (and pair_terms), each rank also gets its block's clusters
// (pair_statistics' labels: the components the clusters column counts).
std::vector<double> compute(const particles::State& state, const model::Model& model,
                            double cluster_tolerance, interaction::Engine* energy_engine,
                            bool pair_terms = true,
                            std::array<std::int64_t, 2> tracked_pair = {0, 1},
                            std::vector<std::int32_t>* cluster_labels = nullptr);

// The clusters of this rank's block of tokens, as compute() gives them, without the other
// diagnostics: for a snapshot taken at a step without a diagnostics row. Collective, the pair
// search of clusters.hpp.
std::vector<std::int32_t> cluster_labels(const particles::State& state, double cluster_tolerance);

}  // namespace attnflow::diagnostics

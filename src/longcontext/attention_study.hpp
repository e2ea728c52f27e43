#pragma once
// Long-context attention study (docs/mathematics.md section 6): one query against n iid uniform keys on
// S^{d-1}, streamed in chunks and spread over the ranks of a communicator, with the softmax
// weights' largest value, effective number of keys and output error for many betas at once.
#include <mpi.h>

#include <cstdint>
#include <span>
#include <vector>

namespace attnflow::parallel {
class Timers;
}

namespace attnflow::longcontext {

struct StudySetup {
  int dimension = 3;
  std::int64_t keys = 1000;     // n
  std::int64_t queries = 100;   // independent repetitions, each with its own n keys
  std::uint64_t seed = 1;
  std::vector<double> betas;    // inverse temperatures, each >= 0, any order
  std::int64_t chunk_size = 4096;  // keys generated at once per rank (memory: chunk * d doubles)
};

// Throws errors::InputError naming the option for an invalid setup.
void validate(const StudySetup& setup);

// Key `key_index` of query `query`: uniform on S^{d-1}, a pure function of (seed, key index,
// query index) whatever the rank count. The first n keys of a query are the same for every n, so
// a longer context extends a shorter one.
void draw_key(std::uint64_t seed, std::int64_t key_index, std::int64_t query, std::span<double> key);

// Attention of the query q = e_1 (by rotation invariance of the key law any fixed q gives the
// same statistics) for each beta: a_j = e^{beta <q,k_j>} / sum_l e^{beta <q,k_l>}.
struct QueryOutcome {
  double largest_weight = 0;   // max_j a_j
  double effective_keys = 0;   // 1 / sum_j a_j^2 (inverse participation ratio)
  double output_distance = 0;  // |o - q| for the output o = sum_j a_j k_j: 0 when all mass sits on q
  // Angle between o and q: the direction error alone, without the shrinkage |o| < 1 of an
  // average over many keys (which makes |o - q| ~ 1/beta at small beta).
  double output_angle = 0;
};
// One query, all betas (in setup order). Collective over comm: each rank streams its block of
// the keys; one MPI_Allreduce of the minimum gap and one of the shifted sums.
std::vector<QueryOutcome> attend(const StudySetup& setup, std::int64_t query, MPI_Comm comm,
                                 parallel::Timers* timers = nullptr);

struct MeanEstimate {
  double mean = 0;
  double standard_error = 0;  // sample standard deviation / sqrt(queries)
};
struct BetaSummary {
  double beta = 0;
  MeanEstimate largest_weight, effective_keys, output_distance, output_angle;
  double dominant_fraction = 0;  // fraction of queries whose largest weight exceeds 1/2
};
// All setup.queries queries (indices 0..queries-1), summarised per beta. Collective.
std::vector<BetaSummary> run_study(const StudySetup& setup, MPI_Comm comm,
                                   parallel::Timers* timers = nullptr);

}  // namespace attnflow::longcontext

#pragma once
// Long-context attention study (docs/mathematics.md sections 6 and 11): many independent queries
// q = e_1 against n iid keys of a key law, with the softmax weights and the output for many betas
// at once. Three samplers of the keys of a query:
//   full     every key, streamed one at a time and spread over the ranks (O(n) per query);
//   nearest  the M nearest keys drawn directly in gap order (O(M) per query, n up to 1e18);
//   poisson  the n = inf Poisson-process limit at the critical scale, with beta read as c;
// nearest and poisson spread the queries over the ranks instead. Every draw is keyed by
// (seed, key index, query index), so the results do not depend on the rank count.
#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "longcontext/attention_sums.hpp"
#include "longcontext/key_law.hpp"

namespace attnflow::parallel {
class Timers;
}

namespace attnflow::longcontext {

enum class Sampler { full, nearest, poisson };
std::string name_of(Sampler sampler);
// Throws errors::InputError for an unknown name (accepted: full, nearest, poisson).
Sampler sampler_from_name(const std::string& name);

struct StudySetup {
  KeyLaw law;
  Sampler sampler = Sampler::full;
  std::int64_t keys = 1000;       // n (not used by the poisson sampler)
  std::int64_t queries = 100;     // independent repetitions, each with its own n keys
  std::uint64_t seed = 1;
  std::vector<double> betas;      // inverse temperatures (poisson: scales c), each >= 0
  int top_count = 5;              // K largest weights reported
  double tolerance = 1e-10;       // nearest, poisson: truncation eps
};

// Throws errors::InputError naming the option for an invalid setup, including a nearest or
// poisson run whose smallest beta would need more than maximum_nearest_keys keys per query.
void validate(const StudySetup& setup);

// One query, all betas (in setup order), full sampling. Collective over comm: each rank streams
// its block of the keys, then AttentionSums::combine.
std::vector<QueryOutcome> attend(const StudySetup& setup, std::int64_t query, MPI_Comm comm,
                                 parallel::Timers* timers = nullptr);

// outcomes[b][query] for every beta (setup order) and query 0..queries-1, the same on every rank.
using StudyOutcomes = std::vector<std::vector<QueryOutcome>>;
StudyOutcomes run_study(const StudySetup& setup, MPI_Comm comm,
                        parallel::Timers* timers = nullptr);

}  // namespace attnflow::longcontext

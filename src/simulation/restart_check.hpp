#pragma once
// The one restart rule of every solver: a restart continues the run its checkpoint came from, so
// every input key that shapes the continuation (model, matrices, beta, step, integrator, noise,
// seed, engine and its tolerance and precision, domain, scheme, output cadence) must equal the
// checkpoint's. Only the keys of `free_keys` may change: where output and checkpoints go, when to
// stop, and how the run began (its initial state now comes from the checkpoint).
#include <set>
#include <string>

namespace attnflow::simulation {

// The run-control keys every solver lets a restart change (output, overwrite, restart,
// checkpoint-every, checkpoint-directory, stop-after-steps, quiet, timing-csv, progress-interval).
std::set<std::string> run_control_keys();

// Throws errors::InputError naming the first key whose value differs between the resolved input
// of the run and the checkpoint's (or that one of them lacks), with both values. Pure: no
// collective calls.
void require_same_input(const std::string& checkpoint_input, const std::string& checkpoint_path,
                        const std::string& resolved_input, const std::set<std::string>& free_keys);

}  // namespace attnflow::simulation

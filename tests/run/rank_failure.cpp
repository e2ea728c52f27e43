// A particle run in which one rank fails alone at a given step (the others go on into the next
// step's collectives), or every rank fails with bad input: the house rule says the first must end
// every rank promptly with the failing rank named, the second must end cleanly with one line and
// status 2 (run/application.hpp). Usage: rank_failure KIND RANK STEP [particle options...], KIND
// one of input (errors::InputError on RANK), internal (a std::runtime_error on RANK), everywhere
// (errors::InputError on every rank).
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "config/options.hpp"
#include "errors/errors.hpp"
#include "parallel/partition.hpp"
#include "run/application.hpp"
#include "run/particle_run.hpp"

using namespace attnflow;

namespace {

class FailAt final : public simulation::Observer {
 public:
  FailAt(std::string kind, int rank, std::int64_t step) : kind_(kind), rank_(rank), step_(step) {}
  void observe(simulation::Simulation& simulation, bool) override {
    if (simulation.step_count() != step_) return;
    const int rank = parallel::rank_of(simulation.comm());
    if (kind_ == "everywhere") throw errors::InputError("injected: bad input seen by every rank");
    if (rank != rank_) return;
    if (kind_ == "input") throw errors::InputError("injected: bad input seen by one rank");
    throw std::runtime_error("injected: a failure on one rank");
  }

 private:
  std::string kind_;
  int rank_;
  std::int64_t step_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: rank_failure input|internal|everywhere RANK STEP [options...]\n";
    return 64;
  }
  FailAt failure(argv[1], std::atoi(argv[2]), std::atoll(argv[3]));
  return run::mpi_application(argc, argv, "rank_failure", [&] {
    config::OptionSet options("rank_failure", "particle run with an injected failure");
    run::add_particle_options(options);
    std::vector<const char*> arguments = {argv[0]};
    for (int i = 4; i < argc; ++i) arguments.push_back(argv[i]);
    std::ostringstream help;
    options.parse(static_cast<int>(arguments.size()), arguments.data(), help);
    return run::run_particles(options, MPI_COMM_WORLD, std::cout, {&failure});
  });
}

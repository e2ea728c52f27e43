#pragma once
// The particle app inside a test process: its options parsed from a word list and run on
// MPI_COMM_WORLD (what attnflow-particles does, without a new process), and a file's text.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "run/particle_run.hpp"

namespace attnflow::testing {

inline int run_particle_app(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "attnflow-particles");
  std::vector<const char*> argv;
  for (const auto& a : arguments) argv.push_back(a.c_str());
  config::OptionSet options("attnflow-particles", "test");
  run::add_particle_options(options);
  std::ostringstream ignored;
  options.parse(static_cast<int>(argv.size()), argv.data(), ignored);
  return run::run_particles(options, MPI_COMM_WORLD, ignored);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace attnflow::testing

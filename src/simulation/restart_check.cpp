#include "simulation/restart_check.hpp"

#include <map>

#include "errors/errors.hpp"
#include "output/run_file.hpp"

namespace attnflow::simulation {

std::set<std::string> run_control_keys() {
  return {"output",          "overwrite",        "restart", "checkpoint-every",
          "checkpoint-directory", "checkpoint-keep", "stop-after-steps", "quiet",
          "timing-csv",      "progress-interval"};
}

void require_same_input(const std::string& checkpoint_input, const std::string& checkpoint_path,
                        const std::string& resolved_input, const std::set<std::string>& free_keys) {
  std::map<std::string, std::string> stored, given;
  for (const auto& [key, value] : output::ini_pairs(checkpoint_input)) stored[key] = value;
  for (const auto& [key, value] : output::ini_pairs(resolved_input)) given[key] = value;
  auto shown = [](const std::string& value) { return value.empty() ? std::string("\"\"") : value; };
  auto refuse = [&](const std::string& key, const std::string& stored_value,
                    const std::string& given_value) {
    throw errors::InputError("--restart: checkpoint '" + checkpoint_path + "' was written with " +
                             key + " = " + shown(stored_value) + ", the input has " + key + " = " +
                             shown(given_value) + "; a restart may change only where output and checkpoints "
                             "go, when to stop and how the run began");
  };
  for (const auto& [key, value] : given) {
    if (free_keys.count(key)) continue;
    const auto it = stored.find(key);
    if (it == stored.end()) refuse(key, "(not set)", value);
    if (it->second != value) refuse(key, it->second, value);
  }
  for (const auto& [key, value] : stored)
    if (!free_keys.count(key) && !given.count(key)) refuse(key, value, "(not set)");
}

}  // namespace attnflow::simulation

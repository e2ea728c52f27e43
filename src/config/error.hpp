#pragma once
// Typed errors: InputError is a user's mistake (bad option, file or value); apps print its one-line
// message and exit with status 2 without writing anything.
#include <stdexcept>
#include <string>

namespace attnflow::config {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws InputError(message) unless condition holds.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw InputError(message);
}

// Shortest round-trip text of a number, for messages and echoed input.
std::string format_number(double value);

}  // namespace attnflow::config

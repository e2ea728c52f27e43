#include "text/number_format.hpp"

#include <charconv>

namespace attnflow::text {

std::string format_number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace attnflow::text

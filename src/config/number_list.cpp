#include "config/number_list.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "errors/errors.hpp"

namespace attnflow::config {

using errors::require;

namespace {

double parse_number(const std::string& word, const std::string& option_name,
                    const char* expected = "numbers such as '1 10 100' or a range "
                                           "'first:last:count'") {
  double value = 0;
  std::size_t used = 0;
  try {
    value = std::stod(word, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(used == word.size() && std::isfinite(value),
          "--" + option_name + ": '" + word +
              "' is not a finite number; expected " + expected);
  return value;
}

}  // namespace

std::vector<double> parse_numbers(const std::string& text, const std::string& option_name) {
  std::string cleaned = text;
  std::replace_if(cleaned.begin(), cleaned.end(), [](char c) { return c == ',' || c == ';'; },
                  ' ');
  std::istringstream in(cleaned);
  std::vector<double> values;
  std::string word;
  while (in >> word) values.push_back(parse_number(word, option_name, "plain numbers"));
  return values;
}

std::vector<double> parse_number_list(const std::string& text, const std::string& option_name) {
  std::string cleaned = text;
  std::replace(cleaned.begin(), cleaned.end(), ',', ' ');
  std::istringstream in(cleaned);
  std::vector<double> values;
  std::string word;
  while (in >> word) {
    const auto first_colon = word.find(':');
    if (first_colon == std::string::npos) {
      values.push_back(parse_number(word, option_name));
      continue;
    }
    const auto second_colon = word.find(':', first_colon + 1);
    const std::string message = "--" + option_name + ": range '" + word +
                                "' must read first:last:count with first, last > 0 and an "
                                "integer count >= 2";
    require(second_colon != std::string::npos, message);
    const double first = parse_number(word.substr(0, first_colon), option_name);
    const double last =
        parse_number(word.substr(first_colon + 1, second_colon - first_colon - 1), option_name);
    const double count = parse_number(word.substr(second_colon + 1), option_name);
    require(first > 0 && last > 0 && count >= 2 && count == std::floor(count) && count <= 1e6,
            message);
    const int points = static_cast<int>(count);
    for (int i = 0; i < points; ++i)
      values.push_back(i == points - 1
                           ? last
                           : first * std::pow(last / first, static_cast<double>(i) / (points - 1)));
  }
  return values;
}

}  // namespace attnflow::config

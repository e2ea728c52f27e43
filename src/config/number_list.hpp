#pragma once
// Lists of numbers given as one option value: "1 10 100", "1,10,100", or a geometric range
// "first:last:count" (count log-spaced values from first to last, both > 0); forms can be mixed.
#include <string>
#include <vector>

namespace attnflow::config {

// Throws InputError naming the option for a word that is not a finite number or a bad range.
std::vector<double> parse_number_list(const std::string& text, const std::string& option_name);

}  // namespace attnflow::config

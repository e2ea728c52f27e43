#pragma once
// The one CSV layout of attnflow's tables (run diagnostics, comparisons, sensor tables): comment
// lines first (the resolved input and notes, each prefixed "# "), then one line of column names,
// then one line per row with every number in the one number format (text/number_format.hpp).
#include <span>
#include <string>
#include <vector>

namespace attnflow::text {

// `comments`: lines of text; a line that already starts with '#' is kept as it is.
// `values`: rows x columns, row-major.
std::string csv_text(const std::string& comments, const std::vector<std::string>& columns,
                     std::span<const double> values);
std::string csv_text(const std::string& comments, const std::vector<std::string>& columns,
                     const std::vector<std::vector<double>>& rows);

}  // namespace attnflow::text

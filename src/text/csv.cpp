#include "text/csv.hpp"

#include <sstream>

#include "text/number_format.hpp"

namespace attnflow::text {

namespace {

void write_head(std::ostringstream& out, const std::string& comments,
                const std::vector<std::string>& columns) {
  std::istringstream lines(comments);
  std::string line;
  while (std::getline(lines, line)) out << (line.rfind('#', 0) == 0 ? "" : "# ") << line << "\n";
  for (std::size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << columns[c];
  out << "\n";
}

void write_row(std::ostringstream& out, std::span<const double> row) {
  for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << format_number(row[c]);
  out << "\n";
}

}  // namespace

std::string csv_text(const std::string& comments, const std::vector<std::string>& columns,
                     std::span<const double> values) {
  std::ostringstream out;
  write_head(out, comments, columns);
  const std::size_t width = columns.size();
  for (std::size_t r = 0; width > 0 && (r + 1) * width <= values.size(); ++r)
    write_row(out, values.subspan(r * width, width));
  return out.str();
}

std::string csv_text(const std::string& comments, const std::vector<std::string>& columns,
                     const std::vector<std::vector<double>>& rows) {
  std::ostringstream out;
  write_head(out, comments, columns);
  for (const auto& row : rows) write_row(out, row);
  return out.str();
}

}  // namespace attnflow::text

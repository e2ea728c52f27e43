#include "text/csv.hpp"

#include <filesystem>
#include <sstream>

#include "text/number_format.hpp"

namespace attnflow::text {

namespace {

void write_head(std::ostringstream& out, const std::vector<std::string>& columns) {
  for (std::size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << columns[c];
  out << "\n";
}

void write_row(std::ostringstream& out, std::span<const double> row) {
  for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << format_number(row[c]);
  out << "\n";
}

}  // namespace

std::string csv_text(const std::vector<std::string>& columns, std::span<const double> values) {
  std::ostringstream out;
  write_head(out, columns);
  const std::size_t width = columns.size();
  for (std::size_t r = 0; width > 0 && (r + 1) * width <= values.size(); ++r)
    write_row(out, values.subspan(r * width, width));
  return out.str();
}

std::string csv_text(const std::vector<std::string>& columns,
                     const std::vector<std::vector<double>>& rows) {
  std::ostringstream out;
  write_head(out, columns);
  for (const auto& row : rows) write_row(out, row);
  return out.str();
}

std::string input_sidecar_path(const std::string& path) {
  std::filesystem::path p(path);
  p.replace_extension(".input.ini");
  return p.string();
}

std::string input_with_notes(const std::string& resolved_input,
                             const std::vector<std::string>& notes) {
  std::string text = resolved_input;
  if (!text.empty() && text.back() != '\n') text += '\n';
  for (const auto& note : notes) text += (note.rfind('#', 0) == 0 ? "" : "# ") + note + "\n";
  return text;
}

}  // namespace attnflow::text

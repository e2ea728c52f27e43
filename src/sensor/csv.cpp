#include "sensor/csv.hpp"

#include "text/number_format.hpp"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace attnflow::sensor {

std::string table_path(const std::string& output, const std::string& name) {
  if (name.empty()) return output;
  const std::filesystem::path path(output);
  return (path.parent_path() / (path.stem().string() + "-" + name + path.extension().string()))
      .string();
}

std::string render_csv(const std::string& header, const CsvTable& table) {
  std::ostringstream out;
  std::istringstream lines(header);
  std::string line;
  while (std::getline(lines, line)) out << (line.rfind('#', 0) == 0 ? "" : "# ") << line << "\n";
  for (std::size_t i = 0; i < table.columns.size(); ++i)
    out << (i ? "," : "") << table.columns[i];
  out << "\n";
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << text::format_number(row[i]);
    out << "\n";
  }
  return out.str();
}

}  // namespace attnflow::sensor

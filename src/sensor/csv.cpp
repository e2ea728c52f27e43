#include "sensor/csv.hpp"

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
  out << "\n" << std::setprecision(10);
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << row[i];
    out << "\n";
  }
  return out.str();
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) throw std::runtime_error("cannot write '" + temporary + "'");
    file << contents;
    if (!file.flush()) throw std::runtime_error("write failed for '" + temporary + "'");
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace attnflow::sensor

#include "sensor/csv.hpp"

#include "text/csv.hpp"

#include <filesystem>

namespace attnflow::sensor {

std::string table_path(const std::string& output, const std::string& name) {
  if (name.empty()) return output;
  const std::filesystem::path path(output);
  return (path.parent_path() / (path.stem().string() + "-" + name + path.extension().string()))
      .string();
}

std::string render_csv(const CsvTable& table) { return text::csv_text(table.columns, table.rows); }

}  // namespace attnflow::sensor

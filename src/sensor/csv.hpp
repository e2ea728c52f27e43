#pragma once
// A numeric table written as CSV (text/csv.hpp: a plain table); every parameter of the run goes
// into the sidecar <stem>.input.ini of the main table, so that the output documents (and
// reproduces) itself.
#include <string>
#include <vector>

namespace attnflow::sensor {

struct CsvTable {
  std::string name;  // suffix added to the output path ("" for the main table)
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  void add_row(std::vector<double> row) { rows.push_back(std::move(row)); }
};

// Path of a table: the main table at output, others at <stem>-<name><extension>.
std::string table_path(const std::string& output, const std::string& name);
// Renders the table.
std::string render_csv(const CsvTable& table);

}  // namespace attnflow::sensor

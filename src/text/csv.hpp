#pragma once
// The one CSV layout of attnflow's tables (run diagnostics, comparisons, scaling rows, sensor
// tables): one line of column names, then one line per row with every number in the one number
// format (text/number_format.hpp), and nothing else, so that numpy.genfromtxt(path,
// delimiter=",", names=True) and pandas.read_csv(path) read it as it is. What produced a table
// (the resolved input, notes) goes into a sidecar INI beside it (input_sidecar_path).
#include <span>
#include <string>
#include <vector>

namespace attnflow::text {

// `values`: rows x columns, row-major.
std::string csv_text(const std::vector<std::string>& columns, std::span<const double> values);
std::string csv_text(const std::vector<std::string>& columns,
                     const std::vector<std::vector<double>>& rows);

// The sidecar of an output file that holds what produced it: <stem>.input.ini beside it
// (run.h5 -> run.input.ini, table.csv -> table.input.ini); `attnflow-<app> --input` reads it.
std::string input_sidecar_path(const std::string& path);

// An INI text of `resolved_input` (kept as it is) followed by `notes` as '#' comment lines:
// the sidecar of a table, which the app that wrote it reads back with --input.
std::string input_with_notes(const std::string& resolved_input, const std::vector<std::string>& notes);

}  // namespace attnflow::text

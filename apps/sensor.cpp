// attnflow-sensor: the digital-based potentiostat glucose sensor model (docs/sensor.md). Parses the
// options, runs the chosen mode, writes its CSV tables and prints a summary.
#include <cstdio>
#include <iostream>

#include "config/options.hpp"
#include "errors/errors.hpp"
#include "sensor/modes.hpp"
#include "text/csv.hpp"
#include "text/output_path.hpp"
#include "text/text_file.hpp"

int main(int argc, char** argv) {
  using namespace attnflow;
  try {
    config::OptionSet options("attnflow-sensor",
                              "Digital-based potentiostat glucose sensor model (docs/sensor.md)");
    sensor::add_sensor_options(options);
    options.add_flag("overwrite", "replace existing output tables");
    if (!options.parse(argc, argv, std::cout)) return 0;
    const sensor::SensorConfig config = sensor::sensor_from_options(options);
    const auto refuse_existing = [&](const std::string& path) {
      const auto problem = text::output_problem(text::table_output(path), options.flag("overwrite"),
                                                "output", {options.input_file()});
      errors::require(problem.empty(), problem);
    };
    refuse_existing(config.output);

    const sensor::ModeResult result = sensor::run_mode(config);
    for (const auto& table : result.tables)
      refuse_existing(sensor::table_path(config.output, table.name));

    // The tables are plain CSV; the inputs (rerunnable with --input) and the derived values (as
    // "#! name = value" comments) go into the main table's sidecar.
    std::vector<std::string> derived;
    for (const auto& line : result.derived) derived.push_back("#! " + line);
    std::vector<std::string> written;
    for (const auto& table : result.tables) {
      const std::string path = sensor::table_path(config.output, table.name);
      text::write_text_atomically(path, sensor::render_csv(table));
      written.push_back(path);
    }
    const std::string sidecar = text::input_sidecar_path(config.output);
    text::write_text_atomically(sidecar, text::input_with_notes(options.resolved_ini(), derived));
    written.push_back(sidecar);
    std::cout << "attnflow-sensor: mode " << sensor::mode_name(config.mode) << ", seed "
              << config.seed << "\n";
    for (const auto& [label, value] : result.summary)
      std::cout << "  " << label << ": " << value << "\n";
    for (const auto& path : written) std::cout << "  wrote " << path << "\n";
  } catch (const errors::InputError& error) {
    std::cerr << "attnflow-sensor: error: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "attnflow-sensor: error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

#include "config/options.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <cstdint>
#include <string_view>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "version/version.hpp"

namespace po = boost::program_options;

namespace attnflow::config {

namespace {

// A value as it may appear inside a one-line message: control characters escaped (\n, \r, \t,
// \0, \xNN) and long values cut.
std::string printable(const std::string& value) {
  constexpr std::size_t longest = 80;
  std::string out;
  for (std::size_t i = 0; i < value.size() && i < longest; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == 0) out += "\\0";
    else if (c < 0x20 || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "\\x%02x", c);
      out += code;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > longest) out += "...";
  return out;
}

bool breaks_line(const std::string& value) {
  return value.find_first_of(std::string("\n\r\0", 3)) != std::string::npos;
}

}  // namespace

OptionSet::OptionSet(std::string program, std::string description)
    : program_(std::move(program)), descriptions_(std::move(description), 100, 50) {
  descriptions_.add_options()("help,h", "print this help and exit")(
      "version", "print the version, the compiler and the MPI, PETSc and HDF5 versions and exit")(
      "input", po::value<std::string>(),
      "INI input file (key = value, one per line; the command line wins) [path]");
}

std::string OptionSet::decorate(const std::string& help, const std::string& unit) {
  return unit.empty() ? help : help + " [" + unit + "]";
}

void OptionSet::add_optional(const std::string& name, const std::string& unit,
                             const std::string& help) {
  descriptions_.add_options()(name.c_str(), po::value<std::string>()->default_value(""),
                              decorate(help, unit).c_str());
  register_formatter<std::string>(name);
}

void OptionSet::add_flag(const std::string& name, const std::string& help) {
  descriptions_.add_options()(name.c_str(), po::bool_switch()->default_value(false),
                              help.c_str());
  register_formatter<bool>(name);
}

bool OptionSet::parse(int argc, const char* const* argv, std::ostream& help_output) {
  try {
    const auto parsed = po::command_line_parser(argc, argv).options(descriptions_).run();
    // Boost keeps words without an option as positional arguments, which store() would drop.
    for (const auto& option : parsed.options)
      if (option.position_key >= 0 || option.string_key.empty()) {
        const std::string word = option.original_tokens.empty() ? "" : option.original_tokens[0];
        throw errors::InputError("argument '" + printable(word) +
                                 "': positional arguments are not accepted; give every value "
                                 "with its option (--name value, see --help)");
      }
    po::store(parsed, values_);
    if (values_.count("help")) {
      help_output << "Usage: " << program_ << " [options]\n" << descriptions_ << "\n";
      return false;
    }
    if (values_.count("version")) {
      help_output << version::describe(program_);
      return false;
    }
    if (values_.count("input")) read_input_file();
    po::notify(values_);
    refuse_multiline_values();
  } catch (const errors::InputError&) {
    throw;
  } catch (const po::error& error) {
    throw errors::InputError(printable(error.what()) + " (see --help for accepted options)");
  }
  return true;
}

void OptionSet::read_input_file() {
  input_file_ = values_["input"].as<std::string>();
  const std::string quoted = std::string(1, '\'') + printable(input_file_).append(1, '\'');
  require_one_line("input");
  std::error_code error;
  const auto status = std::filesystem::status(input_file_, error);
  if (status.type() == std::filesystem::file_type::directory)
    throw errors::InputError("--input: " + quoted +
                             " is a directory; accepted: an INI file (key = value lines)");
  if (!error && status.type() != std::filesystem::file_type::regular &&
      status.type() != std::filesystem::file_type::not_found)
    throw errors::InputError("--input: " + quoted +
                             " is not a regular file; accepted: an INI file (key = value lines)");
  std::ifstream file(input_file_, std::ios::binary);
  std::ostringstream content;
  if (file) content << file.rdbuf();
  if (!file || file.bad())
    throw errors::InputError("--input: cannot read input file " + quoted);
  const std::string text = content.str();
  if (text.find('\0') != std::string::npos)
    throw errors::InputError("--input: " + quoted +
                             " contains NUL bytes (a binary file?); accepted: a text INI file");
  std::istringstream lines(text);
  const auto parsed = po::parse_config_file(lines, descriptions_, false);
  for (const auto& option : parsed.options)
    if (option.string_key == "input" || option.string_key == "help" ||
        option.string_key == "version")
      throw errors::InputError("--input: " + quoted + " sets '" + option.string_key +
                               "', which an input file cannot (one input file per run, read "
                               "once); remove the key, or give that file with --input");
  // store() keeps values already present, so the command line wins over the file.
  po::store(parsed, values_);
}

void OptionSet::require_one_line(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return;
  const auto text = boost::any_cast<std::string>(&it->second.value());
  if (text && breaks_line(*text))
    throw errors::InputError("--" + name + ": the value '" + printable(*text) +
                             "' contains a line break or NUL; accepted: a value on one line "
                             "(it is echoed one key per line into the run's input record)");
}

void OptionSet::refuse_multiline_values() const {
  for (const auto& [name, value] : values_) require_one_line(name);
}

bool OptionSet::has(const std::string& name) const {
  return descriptions_.find_nothrow(name, false) != nullptr;
}

bool OptionSet::given(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.defaulted();
}

namespace {
template <class T>
bool print_as(std::ostream& out, const boost::any& value) {
  auto p = boost::any_cast<T>(&value);
  if (!p) return false;
  // Numbers as the shortest text that reads back to the same value, so the echoed input
  // reproduces the run.
  if constexpr (std::is_floating_point_v<T>) out << text::format_number(*p);
  else out << *p;
  return true;
}
}  // namespace

std::string format_value(const boost::any& value) {
  std::ostringstream out;
  if (auto text = boost::any_cast<std::string>(&value)) return *text;
  if (!print_as<double>(out, value) && !print_as<int>(out, value) && !print_as<long>(out, value) &&
      !print_as<long long>(out, value) && !print_as<unsigned long>(out, value) &&
      !print_as<unsigned long long>(out, value)) {
    if (auto flag = boost::any_cast<bool>(&value)) out << (*flag ? "true" : "false");
    else out << "?";
  }
  return out.str();
}

std::vector<std::string> OptionSet::names() const {
  std::vector<std::string> out;
  for (const auto& option : descriptions_.options()) out.push_back(option->long_name());
  return out;
}

std::string OptionSet::resolved_ini() const {
  std::ostringstream out;
  out << "# resolved input of " << program_ << " (command line and input file)\n";
  for (const auto& name : order_) {
    auto it = values_.find(name);
    if (it == values_.end()) continue;
    out << name << " = " << formatters_.at(name)(it->second.value()) << "\n";
  }
  return out.str();
}

namespace {
bool is_number(const char* text) {
  char* end = nullptr;
  std::strtod(text, &end);
  return end != text && *end == '\0';
}
}  // namespace

std::vector<bool> petsc_words(int argc, const char* const* argv) {
  std::vector<bool> petsc(static_cast<std::size_t>(argc), false);
  bool petsc_value = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool option = a[0] == '-' && a[1] != '\0' && !is_number(a);
    // -h is attnflow's short --help; PETSc's is -help.
    if (option && a[1] != '-' && std::string_view(a) != "-h") {
      petsc_value = true;  // a PETSc option: its values follow until the next option
      petsc[std::size_t(i)] = true;
      continue;
    }
    if (option) petsc_value = false;
    petsc[std::size_t(i)] = petsc_value;
  }
  return petsc;
}

std::vector<const char*> without_petsc_options(int argc, const char* const* argv) {
  const auto petsc = petsc_words(argc, argv);
  std::vector<const char*> kept = {argv[0]};
  for (int i = 1; i < argc; ++i)
    if (!petsc[std::size_t(i)]) kept.push_back(argv[i]);
  return kept;
}

std::vector<char*> petsc_options(int argc, char** argv) {
  const auto petsc = petsc_words(argc, argv);
  std::vector<char*> kept = {argv[0]};
  for (int i = 1; i < argc; ++i)
    if (petsc[std::size_t(i)]) kept.push_back(argv[i]);
  kept.push_back(nullptr);
  return kept;
}

}  // namespace attnflow::config

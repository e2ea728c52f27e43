#include "config/options.hpp"

#include <charconv>
#include <cstdlib>
#include <cstdint>
#include <string_view>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace attnflow::config {

OptionSet::OptionSet(std::string program, std::string description)
    : program_(std::move(program)), descriptions_(std::move(description), 100, 50) {
  descriptions_.add_options()("help,h", "print this help and exit")(
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
    po::store(po::command_line_parser(argc, argv).options(descriptions_).run(), values_);
    if (values_.count("help")) {
      help_output << "Usage: " << program_ << " [options]\n" << descriptions_ << "\n";
      return false;
    }
    if (values_.count("input")) {
      input_file_ = values_["input"].as<std::string>();
      std::ifstream file(input_file_);
      if (!file) throw errors::InputError("--input: cannot read input file '" + input_file_ + "'");
      // store() keeps values already present, so the command line wins over the file.
      po::store(po::parse_config_file(file, descriptions_, false), values_);
    }
    po::notify(values_);
  } catch (const errors::InputError&) {
    throw;
  } catch (const po::error& error) {
    throw errors::InputError(std::string(error.what()) + " (see --help for accepted options)");
  }
  return true;
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

std::vector<const char*> without_petsc_options(int argc, const char* const* argv) {
  std::vector<const char*> kept = {argv[0]};
  bool petsc_value = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool option = a[0] == '-' && !is_number(a);
    if (option && a[1] != '-') {
      petsc_value = true;  // a PETSc option: its values follow until the next option
      continue;
    }
    if (option) petsc_value = false;
    if (!petsc_value) kept.push_back(a);
  }
  return kept;
}

}  // namespace attnflow::config

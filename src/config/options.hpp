#pragma once
// OptionSet: every option of an app on the command line and in an INI input file (command line
// wins), each with a default, a unit and help text; --help lists them, --version prints
// version::describe, and resolved_ini() renders the full resolved input so that it can be echoed
// into output files and rerun as-is. parse() refuses (errors::InputError, one line) what the
// echo could not reproduce or what would be ignored: positional arguments, values with a line
// break or NUL, an input file that is not a regular text file or that names another input file.
#include <boost/program_options.hpp>

#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "errors/errors.hpp"
#include "text/number_format.hpp"

namespace attnflow::config {

class OptionSet {
 public:
  OptionSet(std::string program, std::string description);

  // An option with a default value; unit may be empty (shown in --help as [unit]).
  template <class T>
  void add(const std::string& name, const T& default_value, const std::string& unit,
           const std::string& help) {
    descriptions_.add_options()(name.c_str(),
                                boost::program_options::value<T>()->default_value(
                                    default_value, default_text(default_value)),
                                decorate(help, unit).c_str());
    register_formatter<T>(name);
  }
  // A string option without a default (empty when not given).
  void add_optional(const std::string& name, const std::string& unit, const std::string& help);
  // A switch (false unless given; "name = true" in an input file).
  void add_flag(const std::string& name, const std::string& help);

  // Parses the command line and, if --input FILE is given, the INI file. Returns false when
  // --help or --version was requested (the text has been printed to help_output). Throws
  // InputError.
  bool parse(int argc, const char* const* argv, std::ostream& help_output);

  template <class T>
  T get(const std::string& name) const {
    try {
      return values_.at(name).as<T>();
    } catch (const std::exception&) {
      throw errors::InternalError("option '" + name + "' is not registered with this type");
    }
  }
  bool flag(const std::string& name) const { return get<bool>(name); }
  // True when the app registered the option.
  bool has(const std::string& name) const;
  // True when the user gave the option (command line or input file), not just its default.
  bool given(const std::string& name) const;
  // "name = value" for every option in registration order: a valid input file.
  std::string resolved_ini() const;
  // The names of the registered options, in registration order (--input, --help and --version
  // included).
  std::vector<std::string> names() const;
  // The input file name, or empty.
  const std::string& input_file() const { return input_file_; }
  const std::string& program() const { return program_; }

 private:
  void read_input_file();
  void require_one_line(const std::string& name) const;
  void refuse_multiline_values() const;
  static std::string decorate(const std::string& help, const std::string& unit);
  template <class T>
  static std::string default_text(const T& value) {
    if constexpr (std::is_same_v<T, std::string>) return value;
    else if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
    else if constexpr (std::is_floating_point_v<T>) return text::format_number(value);
    else return std::to_string(value);
  }
  template <class T>
  void register_formatter(const std::string& name);

  std::string program_;
  boost::program_options::options_description descriptions_;
  boost::program_options::variables_map values_;
  std::vector<std::string> order_;
  std::map<std::string, std::function<std::string(const boost::any&)>> formatters_;
  std::string input_file_;
};

std::string format_value(const boost::any& value);

// The command line without PETSc-style options (a single dash and a name, e.g.
// -continuum_ts_ssp_type rks2) and their values, which PETSc reads from the full command line
// itself: what OptionSet::parse sees in an app that passes PETSc options through. Negative numbers
// are values, not options. argv[0] is kept.
// -h stays with the app (its short --help).
std::vector<const char*> without_petsc_options(int argc, const char* const* argv);
// The complement: argv[0], the PETSc options and their values, and a final nullptr (argv's
// layout), which is what PetscInitialize is given, so that PETSc's database holds PETSc options
// only (it would store --tokens 8 as an option "tokens") and unused ones can be refused.
std::vector<char*> petsc_options(int argc, char** argv);
// True for argv[i] when it is a PETSc option or one of its values.
std::vector<bool> petsc_words(int argc, const char* const* argv);

template <class T>
void OptionSet::register_formatter(const std::string& name) {
  order_.push_back(name);
  formatters_[name] = [](const boost::any& value) { return format_value(value); };
}

}  // namespace attnflow::config

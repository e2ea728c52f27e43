#include "text/output_path.hpp"

#include "text/csv.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>

namespace attnflow::text {

namespace fs = std::filesystem;

namespace {

// True when a and b name the same file, or would once written (weakly canonical paths: links
// resolved, ./ and ../ removed).
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (fs::exists(a, error) && fs::exists(b, error)) return fs::equivalent(a, b, error);
  const auto ca = fs::weakly_canonical(a, error), cb = fs::weakly_canonical(b, error);
  return !ca.empty() && ca == cb;
}

bool is_link(const std::string& path) {
  std::error_code error;
  return fs::is_symlink(fs::symlink_status(path, error));
}

}  // namespace

OutputFiles table_output(const std::string& path) {
  const std::string sidecar = input_sidecar_path(path);
  return {path, {sidecar}, {path, sidecar}};
}

std::string output_problem(const OutputFiles& files, bool overwrite, const std::string& option,
                           const std::vector<std::string>& inputs) {
  const std::string what = "--" + option + ": ";
  const std::string& path = files.path;
  if (path.empty()) return what + "the output path is empty; give a file name such as run.h5";
  std::error_code error;
  const fs::path file(path);
  if (fs::is_directory(file, error))
    return what + "'" + path + "' is a directory; give a file name such as run.h5";
  const std::string name = file.filename().string();
  if (name.empty() || name == "." || name == "..")
    return what + "'" + path + "' names no file; give a file name such as run.h5";
  std::vector<std::string> written = {path};
  written.insert(written.end(), files.companions.begin(), files.companions.end());
  for (const auto& companion : files.companions)
    if (same_file(companion, path))
      return what + "'" + path + "' is named like the file the run writes beside it; choose "
             "another name (for example run.h5)";
  for (const auto& output : written)
    for (const auto& input : inputs)
      if (!input.empty() && same_file(output, input))
        return what + "'" + output + "' is the run's input '" + input +
               "'; writing it would destroy the input: choose another output name";
  const std::string absolute = fs::absolute(file, error).string();
  for (const auto& temporary : files.temporaries)
    if (fs::absolute(temporary, error).string().size() > longest_output_path)
      return what + "'" + path + "' is too long (" + std::to_string(absolute.size()) +
             " characters as an absolute path); MPI-IO accepts paths up to about " +
             std::to_string(longest_output_path) + ": use a shorter name or directory";
  for (const auto& temporary : files.temporaries)
    if (is_link(temporary))
      return what + "'" + temporary + "' is a symbolic link; attnflow writes there first and would "
             "write through it: remove it";
  for (const auto& output : written)
    if (!overwrite && output.size() > 8 && output.substr(output.size() - 8) == ".partial" &&
        fs::exists(output, error))
      return what + "'" + output + "' of an interrupted run exists; restart from its checkpoint, "
             "remove it, or pass --overwrite";
  for (const auto& output : written)
    if (!overwrite && fs::exists(output, error))
      return what + "'" + output + "' exists" +
             (output == path ? "" : " (the run writes it beside '" + path + "')") +
             "; remove it, choose another name or pass --overwrite";
  const fs::path directory = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!fs::is_directory(directory, error))
    return what + "directory '" + directory.string() + "' of '" + path +
           "' does not exist; create it first";
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    return what + "directory '" + directory.string() + "' of '" + path + "' is not writable";
  return {};
}

std::string free_space_problem(const std::string& path) {
  std::error_code error;
  fs::path where = fs::weakly_canonical(fs::absolute(path, error), error);
  while (!where.empty() && !fs::is_directory(where, error)) where = where.parent_path();
  struct statvfs facts {};
  if (where.empty() || statvfs(where.c_str(), &facts) != 0) return "";
  const unsigned long long free = (unsigned long long)facts.f_bavail * facts.f_frsize;
  if (free >= (1ull << 20)) return "";
  return "the file system holding " + where.string() + " is full (" + std::to_string(free) +
         " bytes free)";
}

}  // namespace attnflow::text

#pragma once
// The one check that an output may be written (every app calls it before writing anything): the
// path is a plain file name in a writable directory, short enough for MPI-IO, not named like a
// companion file, not a symbolic link where attnflow writes under a temporary name, and no file
// that the run would replace exists unless the user said --overwrite; above all it is none of the
// run's inputs (symbolic links and ./ included), so that no output can destroy its own input.
#include <string>
#include <vector>

namespace attnflow::text {

struct OutputFiles {
  std::string path;                     // the output
  std::vector<std::string> companions;  // files written beside it (sidecars, the .partial file)
  std::vector<std::string> temporaries; // names written first and renamed (must not be links)
};

// A table (CSV) and its input sidecar (text::input_sidecar_path), both written atomically.
OutputFiles table_output(const std::string& path);

// The problem with writing `files` (a one-line message starting with "--<option>: "), or ""
// when there is none. `inputs` are the files the run reads (input file, initial state, ...).
// Serial; reads the file system only.
std::string output_problem(const OutputFiles& files, bool overwrite, const std::string& option,
                           const std::vector<std::string>& inputs);

// "the file system holding <path> is full (N bytes free)" when less than 1 MiB is free where
// `path` is (or would be) written, else "": the reason behind most write failures, said plainly.
std::string free_space_problem(const std::string& path);

// The longest absolute path an output may have: Open MPI 4.1's MPI-IO (the lockedfile component)
// formats lock-file names from it into a fixed buffer and aborts the job beyond about 230 bytes.
inline constexpr std::size_t longest_output_path = 200;

}  // namespace attnflow::text

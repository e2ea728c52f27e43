#pragma once
// The life cycle shared by the run output files (particle RunWriter, continuum Writer): checked
// so that nothing is overwritten, created as path + ".partial" with the resolved input echoed,
// reopened and truncated by a restart to the records its checkpoint counted, and finally renamed
// into place with an XDMF sidecar (ParaView) and a CSV of the diagnostics beside it.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "output/hdf5.hpp"

namespace attnflow::output {

// "key = value" pairs of an INI text ('#' comments and blank lines skipped).
std::vector<std::pair<std::string, std::string>> ini_pairs(const std::string& ini);

// Throws errors::InputError (one line, on every rank) when `path` or `path`.partial (an interrupted
// run that could be restarted) exists and !overwrite, or the directory does not exist or is not
// writable. Collective; creates nothing.
void check_output_path(const std::string& path, MPI_Comm comm, bool overwrite,
                       const std::string& option_name = "output");

std::string partial_path(const std::string& path);
// Sidecar names: the path with its extension replaced by `extension` (".xdmf", ".csv").
std::string sidecar_path(const std::string& path, const std::string& extension);

// Writes the resolved input as the string dataset /input, each "key = value" line also as an
// attribute of it (h5py: f["input"].attrs["beta"]). Collective.
void write_input(hid_t file, const std::string& resolved_input_ini);

// The extendable datasets of a run file and how many records each keeps on a restart.
using RecordCounts = std::vector<std::pair<std::string, std::int64_t>>;

// Restart: reopens path.partial for writing, checks its "format" attribute, runs `check` (returns
// a problem or "": dimensions and columns of the writer), and truncates every dataset of
// `records` to its count (rows written after the checkpoint belong to the lost part of the run).
// Throws errors::InputError naming the partial file when it is missing, unreadable, of another
// format or shape, lacks a dataset or holds fewer records. Collective.
Handle reopen_partial(const std::string& path, MPI_Comm comm, const std::string& format,
                      const std::function<std::string(hid_t file)>& check,
                      const RecordCounts& records);

// Collective, after the caller has flushed and closed every handle of path.partial: renames it to
// `path`, then rank 0 reads back /time, /diagnostics and /input and writes path.xdmf = xdmf(file
// name, snapshot times) and path.csv (the input as '#' lines, the column names, one line per
// row, 17 significant digits), both atomically.
void publish(const std::string& path, MPI_Comm comm, const std::vector<std::string>& columns,
             const std::function<std::string(const std::string& file_name,
                                             const std::vector<double>& times)>& xdmf);

}  // namespace attnflow::output

#pragma once
// The one run output file of every solver: a parallel HDF5 file written as path + ".partial"
// with the resolved input echoed, the simulated time and step of every snapshot, the diagnostics
// table, and the datasets of a solver's own state (one record per snapshot); reopened and
// truncated by a restart to the records its checkpoint counted; finally renamed into place with
// an XDMF sidecar (ParaView), a CSV of the diagnostics and the resolved input beside it. While the
// run goes, flush() makes everything written so far readable (h5py, ParaView) and keeps an XDMF
// of the partial file beside it. Solvers derive from RunFile to add their state and their XDMF
// (particles::RunWriter, continuum::Writer).
//
// Common layout: root attributes format, version, git_revision and the layout's attributes;
//   /time         snapshots          float64, attribute units
//   /step         snapshots          int64
//   /diagnostics  records x columns  float64, attributes "columns" and "units" (fixed-length
//                 strings, one per column)
//   /input        the resolved input file (string); each "key = value" line also an attribute
//   and one extendable dataset per entry of the layout's snapshot_datasets, with a virtual view
//   of each record under /views/<name>/<record> when the entry asks for one (output/xdmf.hpp).
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

// Throws errors::InputError (one line, on every rank) for every problem text::output_problem
// names (text/output_path.hpp): the output, its .partial file or a sidecar exists and !overwrite
// (a .partial file is an interrupted run that could be restarted), the path is empty, a
// directory, too long for MPI-IO, named like a sidecar, a temporary name is a symbolic link, or
// any of these files is one of `inputs`; or the directory does not exist or is not writable.
// Collective; creates nothing.
void check_output_path(const std::string& path, MPI_Comm comm, bool overwrite,
                       const std::string& option_name = "output",
                       const std::vector<std::string>& inputs = {});
// The same for an output that is one text table written atomically (no sidecars, no .partial).
void check_table_path(const std::string& path, MPI_Comm comm, bool overwrite,
                      const std::string& option_name, const std::vector<std::string>& inputs);
// The sidecars every run file gets beside it (path with the extension replaced).
std::vector<const char*> sidecar_extensions();

std::string partial_path(const std::string& path);
// Sidecar names: the path with its extension replaced by `extension` (".xdmf", ".csv").
std::string sidecar_path(const std::string& path, const std::string& extension);
// The units of a run's time, the same text in every run file (/time and the diagnostics' time
// column as attribute "units", the root attribute time_unit): "t" (the model's time) or, for USA
// runs, which are integrated in the rescaled time (docs/mathematics.md section 1),
// "rescaled t' = e^s t with s = log_time_scale".
std::string time_units(double log_time_scale);

// Throws errors::InputError (every rank) when the file name of `path` holds a character that
// XDMF readers take as a separator in "file:/dataset" references (':' or '|'). Collective.
void check_xdmf_file_name(const std::string& path, MPI_Comm comm,
                          const std::string& option_name = "output");

// Writes the resolved input as the string dataset /input, each "key = value" line also as an
// attribute of it (h5py: f["input"].attrs["beta"]). Collective.
void write_input(hid_t file, const std::string& resolved_input_ini);

// An extendable dataset with one record per snapshot (e.g. /positions: record shape N x d).
struct RecordDataset {
  std::string name;
  hid_t type = H5T_NATIVE_DOUBLE;
  std::vector<hsize_t> record_shape;
  std::vector<hsize_t> chunk;  // including the record dimension (usually 1)
  std::string units;           // the dataset's "units" attribute ("" for none)
  // Each record also as the virtual dataset /views/<name>/<record>, limited to the first
  // view_columns entries of its last dimension (0: all): what the XDMF sidecar reads.
  bool viewed = false;
  hsize_t view_columns = 0;
};

// What a solver's run file holds beyond the common part.
struct RunFileLayout {
  std::string format;                         // e.g. "attnflow-particles 1"
  std::vector<Attribute> attributes;          // root attributes (new files only)
  std::vector<RecordDataset> snapshot_datasets;
  std::vector<std::string> columns;           // of the diagnostics table
  std::vector<std::string> column_units;      // one per column ("1" for a pure number)
  std::string time_units;                     // of /time and the diagnostics' time column
};

// Where a restart resumes: the counts a checkpoint recorded.
struct ResumeCounts {
  std::int64_t snapshots = 0;
  std::int64_t diagnostics = 0;
};

class RunFile {
 public:
  RunFile(const RunFile&) = delete;
  RunFile& operator=(const RunFile&) = delete;
  virtual ~RunFile();  // without finish(): closes path.partial and leaves it for a restart

  // Collective: appends one row (rank 0's values are written).
  void write_diagnostics(const std::vector<double>& row);
  // When flush() rewrites the XDMF sidecar of the partial file: always (before a checkpoint or
  // a stop), or at an output step only when that costs little: unless the last rewrite was less
  // than 100 times its own duration ago (a run with many snapshots spends at most ~1% of its
  // time on rewriting a sidecar that grows with every snapshot).
  enum class SidecarUpdate { always, when_cheap };
  // Collective: writes everything to disk (H5Fflush) so that a reader opening path.partial now
  // sees every record written so far (h5py, ParaView; see README "Live output"), then (rank 0)
  // rewrites path.xdmf for path.partial when snapshots were added. Call at every output step
  // and before writing a checkpoint that records the counts.
  void flush(SidecarUpdate update = SidecarUpdate::always);
  // Collective: closes, renames path.partial to path, writes path.xdmf (xdmf()), path.csv (the
  // column names, then one line per record: a plain table) and the resolved input as
  // text::input_sidecar_path(path), each atomically.
  void finish();

  std::int64_t snapshot_count() const { return snapshots_; }
  std::int64_t diagnostic_count() const { return diagnostics_; }
  const std::string& path() const { return path_; }
  std::string partial_path() const { return output::partial_path(path_); }
  const std::vector<std::string>& columns() const { return layout_.columns; }
  MPI_Comm comm() const { return comm_; }

 protected:
  // A new run: checks the path (check_output_path) before creating anything, then creates
  // path.partial with the common part, the layout's attributes and datasets, and the input.
  RunFile(const std::string& path, MPI_Comm comm, RunFileLayout layout,
          const std::string& resolved_input_ini, bool overwrite);
  // A restart: reopens path.partial, checks its format, the diagnostics width and `check`
  // (returns a problem or "": the solver's own attributes), and truncates every record dataset
  // to the counts (records written after the checkpoint belong to the lost part of the run).
  // Throws errors::InputError naming the partial file when it is missing, unreadable, of another
  // format or shape, lacks a dataset or holds fewer records. Collective.
  RunFile(const std::string& path, MPI_Comm comm, RunFileLayout layout, ResumeCounts counts,
          const std::function<std::string(hid_t file)>& check);

  // Collective: grows /time, /step and every snapshot dataset by one record and writes time and
  // step (rank 0); returns the new record's index for the solver's own write_record calls.
  std::int64_t begin_snapshot(double time, std::int64_t step);
  hid_t file() const { return file_; }
  // A snapshot dataset of the layout, by name.
  hid_t dataset(const std::string& name) const;
  // The XDMF text for the published file (file name without directory, snapshot times).
  virtual std::string xdmf(const std::string& file_name, const std::vector<double>& times) const = 0;

 private:
  void open_datasets();

  std::string path_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  RunFileLayout layout_;
  std::int64_t snapshots_ = 0, diagnostics_ = 0;
  Handle file_, time_, step_, table_;
  std::vector<Handle> datasets_;  // layout_.snapshot_datasets, in order
  bool finished_ = false;
  std::vector<double> times_;             // of the snapshots written (rank 0 writes the XDMF)
  std::int64_t xdmf_snapshots_ = 0;       // snapshots in the partial file's XDMF
  double xdmf_finished_at_ = 0, xdmf_seconds_ = 0;  // wall clock of the last rewrite, its cost
  void create_view(std::size_t dataset, hsize_t record);
  void write_partial_xdmf();
};

// Reading run files back (serial or parallel readers share these): the diagnostics table of a
// run file, with its column names.
struct DiagnosticsTable {
  std::vector<std::string> columns;
  std::vector<double> values;  // rows x columns
  std::size_t rows() const { return columns.empty() ? 0 : values.size() / columns.size(); }
  // Index of the column, or -1.
  int column(const std::string& name) const;
  // The row whose "time" equals t within tolerance, or -1.
  long long row_at(double t, double tolerance) const;
};
// Reads /diagnostics of an open file (empty table when absent). Throws errors::InputError naming
// `path` when it is damaged. Any process may call it (no collective calls).
DiagnosticsTable read_diagnostics(hid_t file, const std::string& path);
// Reads a whole 1-D double dataset such as /time (any process; InputError when damaged).
std::vector<double> read_series(hid_t file, const std::string& name, const std::string& path);

}  // namespace attnflow::output

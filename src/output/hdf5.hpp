#pragma once
// Small collective helpers over the parallel HDF5 C API: files opened with MPI-IO, distributed 2-D
// row blocks written and read with hyperslabs and collective transfer (ranks without rows select
// nothing but still take part), fixed-length string attributes and datasets, and extendable
// chunked datasets that grow one record at a time. Every call is collective over the file's comm.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace attnflow::output {

// Owns an HDF5 identifier and closes it with the right H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle() { close(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void close();
  // Forgets the identifier without closing it (a rank that failed alone must not enter HDF5's
  // collective close: parallel/failure.hpp).
  void release() { id_ = H5I_INVALID_HID; }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// True once an H5Fclose has failed in this process (a full disk: the flush at close fails). HDF5
// then keeps a half-closed file that its own clean-up at MPI_Finalize crashes on (HDF5 1.10.8:
// a segmentation fault in H5F__close_cb); run::mpi_application ends such a process without it.
bool file_close_failed();

// Throws errors::IoError naming the call and HDF5's innermost reason when result < 0 (a full disk,
// a vanished file); a failure on one rank only ends the job (run/application.hpp).
hid_t check_hdf5(hid_t result, const char* what);
// The innermost description on HDF5's error stack (cleared), or "".
std::string hdf5_reason();

// Silences HDF5's automatic error stack printing (expected failures such as probing a foreign
// file are reported as InputError instead). Idempotent.
void silence_hdf5_errors();

// Creates (truncating) `path` for parallel access over comm; errors::IoError naming it on failure.
Handle create_file(const std::string& path, MPI_Comm comm);
// This rank's rank in the communicator the file of `object` was opened with.
int file_rank(hid_t object);
// Opens an existing file over comm; returns an invalid handle on failure (caller reports it).
Handle open_file(const std::string& path, MPI_Comm comm, bool writable);

// The transfer property list for collective MPI-IO.
Handle collective_transfer();

// Creates a fixed-size dataset of global_rows x columns doubles and writes this rank's rows
// [first_row, first_row + local.size() / columns) collectively.
void write_row_block(hid_t location, const std::string& name, std::int64_t global_rows, int columns,
                     std::int64_t first_row, std::span<const double> local);
// The same for rows of any shape (row_shape, e.g. {3, 3}: a global_rows x 3 x 3 dataset) and
// memory type (H5T_NATIVE_DOUBLE, H5T_NATIVE_INT64): this rank writes `rows` rows from first_row
// (none when rows == 0, still collective).
void write_rows(hid_t location, const std::string& name, hid_t type, std::int64_t global_rows,
                const std::vector<hsize_t>& row_shape, std::int64_t first_row, std::int64_t rows,
                const void* local);
// Reads rows [first_row, first_row + rows) of a 2-D (or, with `leading_index` >= 0, of the slice
// leading_index of a 3-D) double dataset into `local` (rows x columns). Collective. Returns false
// when this rank's read failed (a damaged file): combine with all_true() before reporting.
bool read_row_block(hid_t dataset, std::int64_t leading_index, std::int64_t first_row,
                    std::int64_t rows, int columns, std::span<double> local);

// True on every rank when `value` is true on every rank of comm.
bool all_true(bool value, MPI_Comm comm);

// Current dimensions of a dataset.
std::vector<hsize_t> dataset_extent(hid_t dataset);

// Fixed-length string attribute (h5py reads it as bytes) and its reader; `exists` false when the
// attribute is missing.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value);
std::string read_string_attribute(hid_t object, const std::string& name, bool* exists = nullptr);
// A 1-D attribute of fixed-length strings (e.g. column names).
void write_string_list_attribute(hid_t object, const std::string& name,
                                 const std::vector<std::string>& values);
// Reads it back (empty and *exists false when missing or not a fixed-length string list).
std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name,
                                                    bool* exists = nullptr);
// Numeric scalar attributes.
void write_attribute(hid_t object, const std::string& name, double value);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
bool read_attribute(hid_t object, const std::string& name, double& value);
bool read_attribute(hid_t object, const std::string& name, std::int64_t& value);

// A named scalar attribute whose value keeps its type in the file: numbers are stored as numbers
// (h5py reads 3.0 and 4, not '3'), text as a fixed-length string.
struct Attribute {
  std::string name;
  std::variant<double, std::int64_t, std::string> value;
};
void write_attributes(hid_t object, const std::vector<Attribute>& attributes);

// A scalar fixed-length string dataset (rank 0's text is written; all ranks call).
void write_string_dataset(hid_t location, const std::string& name, const std::string& text);
std::string read_string_dataset(hid_t location, const std::string& name);

// An extendable dataset of doubles (or int64) whose first dimension grows without limit; the other
// dimensions are fixed. `chunk` gives the chunk shape.
Handle create_extendable(hid_t location, const std::string& name, hid_t type,
                         const std::vector<hsize_t>& record_shape, const std::vector<hsize_t>& chunk);
// Grows (or shrinks) the first dimension to `records`. Collective.
void set_records(hid_t dataset, hsize_t records);
// A virtual dataset `name` in `location` (HDF5 1.10 VDS: no data is copied) that shows record
// `record` of the extendable dataset `source` of the same file, limited to the first `columns`
// entries of the record's last dimension (all of them when columns == 0): e.g. the N x 3 points of
// snapshot s of /positions (snapshots x N x d). XDMF readers select it as a whole dataset where
// they cannot select a hyperslab (ParaView's Xdmf3 reader). Collective; creates the groups of
// `name` that are missing.
void create_record_view(hid_t location, const std::string& name, hid_t source, hsize_t record,
                        hsize_t columns = 0);
// Removes the link `name` (e.g. a view of a record that a restart dropped) when it exists.
// Collective.
void remove_link(hid_t location, const std::string& name);
// True when every component of the path `name` ("/views/positions/3") exists.
bool link_exists(hid_t location, const std::string& name);

// Writes record `record` (after set_records): this rank's part is the rows [first_row, +rows) of
// the record's first inner dimension (rows x inner values), or nothing when rows == 0. For records
// written by rank 0 only, pass rows = 0 on the other ranks.
void write_record(hid_t dataset, hid_t type, hsize_t record, std::int64_t first_row,
                  std::int64_t rows, const void* data);

}  // namespace attnflow::output

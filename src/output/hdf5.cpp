#include "output/hdf5.hpp"

#include <algorithm>
#include <cstdio>
#include <type_traits>

#include "errors/errors.hpp"
#include "parallel/partition.hpp"

namespace attnflow::output {

namespace {
bool close_failed = false;
}  // namespace

bool file_close_failed() { return close_failed; }

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    close();
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::close() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      if (H5Fclose(id_) < 0) close_failed = true;
      break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = H5I_INVALID_HID;
}

namespace {

// The innermost description on HDF5's error stack (e.g. "file write failed"), or "".
herr_t innermost(unsigned, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (error->desc && *error->desc) *text = error->desc;
  return 0;
}

}  // namespace

std::string hdf5_reason() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

hid_t check_hdf5(hid_t result, const char* what) {
  if (result >= 0) return result;
  const std::string reason = hdf5_reason();
  throw errors::IoError(std::string("HDF5: ") + what + " failed" +
                        (reason.empty() ? std::string() : ": " + reason));
}

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {

Handle mpio_access(MPI_Comm comm) {
  Handle fapl(check_hdf5(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate(file access)"));
  check_hdf5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "H5Pset_fapl_mpio");
  // Metadata reads and writes are collective too: fewer small independent I/O requests.
  H5Pset_all_coll_metadata_ops(fapl, true);
  H5Pset_coll_metadata_write(fapl, true);
  return fapl;
}

Handle string_type(std::size_t length) {
  Handle type(check_hdf5(H5Tcopy(H5T_C_S1), "H5Tcopy(string)"));
  check_hdf5(H5Tset_size(type, length == 0 ? 1 : length), "H5Tset_size");
  check_hdf5(H5Tset_strpad(type, H5T_STR_NULLPAD), "H5Tset_strpad");
  return type;
}

std::string read_string(hid_t object, hid_t space, bool attribute) {
  Handle type(attribute ? H5Aget_type(object) : H5Dget_type(object));
  if (!type.valid() || H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) > 0) return {};
  const std::size_t size = H5Tget_size(type);
  const hssize_t elements = H5Sget_simple_extent_npoints(space);
  if (elements != 1) return {};
  std::string text(size, '\0');
  Handle memory = string_type(size);
  const herr_t status = attribute ? H5Aread(object, memory, text.data())
                                  : H5Dread(object, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data());
  if (status < 0) return {};
  const auto end = text.find('\0');
  if (end != std::string::npos) text.resize(end);
  return text;
}

}  // namespace

int file_rank(hid_t object) {
  Handle file(check_hdf5(H5Iget_file_id(object), "H5Iget_file_id"));
  Handle fapl(check_hdf5(H5Fget_access_plist(file), "H5Fget_access_plist"));
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Info info = MPI_INFO_NULL;
  check_hdf5(H5Pget_fapl_mpio(fapl, &comm, &info), "H5Pget_fapl_mpio");
  const int rank = parallel::rank_of(comm);
  MPI_Comm_free(&comm);
  if (info != MPI_INFO_NULL) MPI_Info_free(&info);
  return rank;
}

Handle create_file(const std::string& path, MPI_Comm comm) {
  silence_hdf5_errors();
  Handle fapl = mpio_access(comm);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (file < 0) throw errors::IoError("cannot create the HDF5 file", path, hdf5_reason());
  return Handle(file);
}

Handle open_file(const std::string& path, MPI_Comm comm, bool writable) {
  silence_hdf5_errors();
  Handle fapl = mpio_access(comm);
  return Handle(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl));
}

Handle collective_transfer() {
  Handle dxpl(check_hdf5(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate(transfer)"));
  check_hdf5(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  return dxpl;
}

void write_row_block(hid_t location, const std::string& name, std::int64_t global_rows, int columns,
                     std::int64_t first_row, std::span<const double> local) {
  write_rows(location, name, H5T_NATIVE_DOUBLE, global_rows, {hsize_t(columns)}, first_row,
             std::int64_t(local.size() / std::size_t(columns)), local.data());
}

void write_rows(hid_t location, const std::string& name, hid_t type, std::int64_t global_rows,
                const std::vector<hsize_t>& row_shape, std::int64_t first_row, std::int64_t rows,
                const void* local) {
  std::vector<hsize_t> dims = {hsize_t(global_rows)}, start = {hsize_t(first_row)},
                       count = {hsize_t(rows)};
  for (hsize_t extent : row_shape) {
    dims.push_back(extent);
    start.push_back(0);
    count.push_back(extent);
  }
  const int rank = int(dims.size());
  Handle file_space(check_hdf5(H5Screate_simple(rank, dims.data(), nullptr), "H5Screate_simple"));
  Handle dataset(check_hdf5(H5Dcreate2(location, name.c_str(), type, file_space, H5P_DEFAULT,
                                       H5P_DEFAULT, H5P_DEFAULT),
                            ("H5Dcreate2(" + name + ")").c_str()));
  Handle memory_space(check_hdf5(H5Screate_simple(rank, count.data(), nullptr), "H5Screate_simple"));
  if (rows == 0) {
    H5Sselect_none(file_space);
    H5Sselect_none(memory_space);
  } else {
    check_hdf5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                   nullptr),
               "H5Sselect_hyperslab");
  }
  Handle dxpl = collective_transfer();
  check_hdf5(H5Dwrite(dataset, type, memory_space, file_space, dxpl, local),
             ("H5Dwrite(" + name + ")").c_str());
}

bool read_row_block(hid_t dataset, std::int64_t leading_index, std::int64_t first_row,
                    std::int64_t rows, int columns, std::span<double> local) {
  Handle file_space(check_hdf5(H5Dget_space(dataset), "H5Dget_space"));
  const hsize_t memory_dims[2] = {hsize_t(rows), hsize_t(columns)};
  Handle memory_space(check_hdf5(H5Screate_simple(2, memory_dims, nullptr), "H5Screate_simple"));
  if (rows == 0) {
    H5Sselect_none(file_space);
    H5Sselect_none(memory_space);
  } else if (leading_index >= 0) {
    const hsize_t start[3] = {hsize_t(leading_index), hsize_t(first_row), 0};
    const hsize_t count[3] = {1, hsize_t(rows), hsize_t(columns)};
    check_hdf5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
               "H5Sselect_hyperslab");
  } else {
    const hsize_t start[2] = {hsize_t(first_row), 0}, count[2] = {hsize_t(rows), hsize_t(columns)};
    check_hdf5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
               "H5Sselect_hyperslab");
  }
  Handle dxpl = collective_transfer();
  return H5Dread(dataset, H5T_NATIVE_DOUBLE, memory_space, file_space, dxpl, local.data()) >= 0;
}

bool all_true(bool value, MPI_Comm comm) {
  int local = value ? 1 : 0, global = 0;
  parallel::check_mpi(MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce(all_true)");
  return global == 1;
}

std::vector<hsize_t> dataset_extent(hid_t dataset) {
  Handle space(check_hdf5(H5Dget_space(dataset), "H5Dget_space"));
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank > 0 ? rank : 0);
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return dims;
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle type = string_type(value.size());
  Handle space(check_hdf5(H5Screate(H5S_SCALAR), "H5Screate"));
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle attribute(check_hdf5(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                              ("H5Acreate2(" + name + ")").c_str()));
  check_hdf5(H5Awrite(attribute, type, value.empty() ? "" : value.data()), "H5Awrite(string)");
}

std::string read_string_attribute(hid_t object, const std::string& name, bool* exists) {
  if (exists) *exists = false;
  if (H5Aexists(object, name.c_str()) <= 0) return {};
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  if (!attribute.valid()) return {};
  Handle space(H5Aget_space(attribute));
  if (exists) *exists = true;
  return read_string(attribute, space, true);
}

void write_string_list_attribute(hid_t object, const std::string& name,
                                 const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> buffer(width * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(buffer.data() + i * width, width);
  Handle type = string_type(width);
  const hsize_t dims[1] = {values.size()};
  Handle space(check_hdf5(H5Screate_simple(1, dims, nullptr), "H5Screate_simple"));
  Handle attribute(check_hdf5(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                              ("H5Acreate2(" + name + ")").c_str()));
  check_hdf5(H5Awrite(attribute, type, buffer.data()), "H5Awrite(string list)");
}

namespace {

template <class T>
void write_numeric_attribute(hid_t object, const std::string& name, hid_t type, T value) {
  Handle space(check_hdf5(H5Screate(H5S_SCALAR), "H5Screate"));
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle attribute(check_hdf5(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                              ("H5Acreate2(" + name + ")").c_str()));
  check_hdf5(H5Awrite(attribute, type, &value), "H5Awrite");
}

template <class T>
bool read_numeric_attribute(hid_t object, const std::string& name, hid_t type, T& value) {
  if (H5Aexists(object, name.c_str()) <= 0) return false;
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  if (!attribute.valid()) return false;
  Handle space(H5Aget_space(attribute));
  if (H5Sget_simple_extent_npoints(space) != 1) return false;
  Handle stored(H5Aget_type(attribute));
  const H5T_class_t kind = H5Tget_class(stored);
  if (kind != H5T_INTEGER && kind != H5T_FLOAT) return false;
  return H5Aread(attribute, type, &value) >= 0;
}

}  // namespace

void write_attribute(hid_t object, const std::string& name, double value) {
  write_numeric_attribute(object, name, H5T_NATIVE_DOUBLE, value);
}
void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  write_numeric_attribute(object, name, H5T_NATIVE_INT64, value);
}
bool read_attribute(hid_t object, const std::string& name, double& value) {
  return read_numeric_attribute(object, name, H5T_NATIVE_DOUBLE, value);
}
bool read_attribute(hid_t object, const std::string& name, std::int64_t& value) {
  return read_numeric_attribute(object, name, H5T_NATIVE_INT64, value);
}

std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name,
                                                    bool* exists) {
  std::vector<std::string> values;
  if (exists) *exists = false;
  if (H5Aexists(object, name.c_str()) <= 0) return values;
  Handle attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  Handle type(attribute.valid() ? H5Aget_type(attribute) : H5I_INVALID_HID);
  Handle space(attribute.valid() ? H5Aget_space(attribute) : H5I_INVALID_HID);
  if (!type.valid() || !space.valid() || H5Tget_class(type) != H5T_STRING ||
      H5Tis_variable_str(type) > 0)
    return values;
  const auto count = std::size_t(H5Sget_simple_extent_npoints(space));
  const std::size_t width = H5Tget_size(type);
  std::vector<char> buffer(count * width);
  if (H5Aread(attribute, type, buffer.data()) < 0) return values;
  for (std::size_t i = 0; i < count; ++i) {
    std::string v(buffer.data() + i * width, width);
    v.erase(std::find(v.begin(), v.end(), '\0'), v.end());
    values.push_back(v);
  }
  if (exists) *exists = true;
  return values;
}

void write_attributes(hid_t object, const std::vector<Attribute>& attributes) {
  for (const auto& attribute : attributes)
    std::visit([&](const auto& value) {
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>)
        write_string_attribute(object, attribute.name, value);
      else
        write_attribute(object, attribute.name, value);
    }, attribute.value);
}

void write_string_dataset(hid_t location, const std::string& name, const std::string& text) {
  Handle type = string_type(text.size());
  Handle space(check_hdf5(H5Screate(H5S_SCALAR), "H5Screate"));
  Handle dataset(check_hdf5(H5Dcreate2(location, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT,
                                       H5P_DEFAULT),
                            ("H5Dcreate2(" + name + ")").c_str()));
  Handle file_space(check_hdf5(H5Dget_space(dataset), "H5Dget_space"));
  Handle memory_space(check_hdf5(H5Screate(H5S_SCALAR), "H5Screate"));
  // Only one rank needs to put the bytes there; the others join the collective with nothing.
  if (file_rank(location) != 0) {
    H5Sselect_none(file_space);
    H5Sselect_none(memory_space);
  }
  Handle dxpl = collective_transfer();
  check_hdf5(H5Dwrite(dataset, type, memory_space, file_space, dxpl, text.empty() ? "" : text.data()),
             ("H5Dwrite(" + name + ")").c_str());
}

std::string read_string_dataset(hid_t location, const std::string& name) {
  if (H5Lexists(location, name.c_str(), H5P_DEFAULT) <= 0) return {};
  Handle dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) return {};
  Handle space(H5Dget_space(dataset));
  return read_string(dataset, space, false);
}

Handle create_extendable(hid_t location, const std::string& name, hid_t type,
                         const std::vector<hsize_t>& record_shape, const std::vector<hsize_t>& chunk) {
  std::vector<hsize_t> dims = {0}, maximum = {H5S_UNLIMITED};
  for (hsize_t s : record_shape) {
    dims.push_back(s);
    maximum.push_back(s);
  }
  Handle space(check_hdf5(H5Screate_simple(int(dims.size()), dims.data(), maximum.data()),
                          "H5Screate_simple"));
  Handle properties(check_hdf5(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(dataset)"));
  check_hdf5(H5Pset_chunk(properties, int(chunk.size()), chunk.data()), "H5Pset_chunk");
  H5Pset_fill_time(properties, H5D_FILL_TIME_NEVER);
  return Handle(check_hdf5(H5Dcreate2(location, name.c_str(), type, space, H5P_DEFAULT, properties,
                                      H5P_DEFAULT),
                           ("H5Dcreate2(" + name + ")").c_str()));
}

void set_records(hid_t dataset, hsize_t records) {
  std::vector<hsize_t> dims = dataset_extent(dataset);
  dims[0] = records;
  check_hdf5(H5Dset_extent(dataset, dims.data()), "H5Dset_extent");
}

void write_record(hid_t dataset, hid_t type, hsize_t record, std::int64_t first_row,
                  std::int64_t rows, const void* data) {
  const std::vector<hsize_t> dims = dataset_extent(dataset);
  Handle file_space(check_hdf5(H5Dget_space(dataset), "H5Dget_space"));
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = record;
  count[0] = 1;
  if (dims.size() >= 2) {
    start[1] = hsize_t(first_row);
    count[1] = hsize_t(rows);
  }
  Handle memory_space(check_hdf5(H5Screate_simple(int(count.size()), count.data(), nullptr),
                                 "H5Screate_simple"));
  if (rows == 0) {
    H5Sselect_none(file_space);
    H5Sselect_none(memory_space);
  } else {
    check_hdf5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                   nullptr),
               "H5Sselect_hyperslab");
  }
  Handle dxpl = collective_transfer();
  check_hdf5(H5Dwrite(dataset, type, memory_space, file_space, dxpl, data), "H5Dwrite(record)");
}

namespace {

// The name of an HDF5 object as an absolute path ("/positions"), for a VDS mapping.
std::string object_name(hid_t object) {
  const ssize_t length = H5Iget_name(object, nullptr, 0);
  check_hdf5(length > 0 ? 0 : -1, "H5Iget_name");
  std::string name(std::size_t(length) + 1, '\0');
  H5Iget_name(object, name.data(), name.size());
  name.resize(std::size_t(length));
  return name;
}

}  // namespace

void create_record_view(hid_t location, const std::string& name, hid_t source, hsize_t record,
                        hsize_t columns) {
  const std::vector<hsize_t> extent = dataset_extent(source);
  errors::ensure(!extent.empty() && record < extent[0],
                 "create_record_view: record " + std::to_string(record) + " of " +
                     object_name(source) + " does not exist");
  std::vector<hsize_t> view(extent.begin() + 1, extent.end());
  if (view.empty()) view.push_back(1);
  if (columns > 0 && extent.size() >= 2) view.back() = std::min(view.back(), columns);
  std::vector<hsize_t> start(extent.size(), 0), count(extent.size(), 1);
  start[0] = record;
  for (std::size_t k = 1; k < extent.size(); ++k) count[k] = view[k - 1];
  Handle view_space(check_hdf5(H5Screate_simple(int(view.size()), view.data(), nullptr),
                               "H5Screate_simple(view)"));
  Handle source_space(check_hdf5(H5Dget_space(source), "H5Dget_space(view source)"));
  check_hdf5(H5Sselect_hyperslab(source_space, H5S_SELECT_SET, start.data(), nullptr,
                                 count.data(), nullptr),
             "H5Sselect_hyperslab(view source)");
  Handle properties(check_hdf5(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate(view)"));
  // "." is the file that holds the view: the mapping survives renaming run.h5.partial.
  check_hdf5(H5Pset_virtual(properties, view_space, ".", object_name(source).c_str(), source_space),
             "H5Pset_virtual");
  Handle type(check_hdf5(H5Dget_type(source), "H5Dget_type(view source)"));
  Handle links(check_hdf5(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate(link)"));
  check_hdf5(H5Pset_create_intermediate_group(links, 1), "H5Pset_create_intermediate_group");
  Handle dataset(check_hdf5(H5Dcreate2(location, name.c_str(), type, view_space, links, properties,
                                       H5P_DEFAULT),
                            ("H5Dcreate2(" + name + ")").c_str()));
}

bool link_exists(hid_t location, const std::string& name) {
  // H5Lexists needs every component but the last to exist.
  for (std::size_t slash = name.find('/', 1); slash != std::string::npos;
       slash = name.find('/', slash + 1))
    if (H5Lexists(location, name.substr(0, slash).c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Lexists(location, name.c_str(), H5P_DEFAULT) > 0;
}

void remove_link(hid_t location, const std::string& name) {
  if (link_exists(location, name))
    check_hdf5(H5Ldelete(location, name.c_str(), H5P_DEFAULT), ("H5Ldelete(" + name + ")").c_str());
}

}  // namespace attnflow::output

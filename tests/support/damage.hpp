#pragma once
// Damage on purpose: flips bits of one byte of a dataset's stored values in place. The HDF5
// structure stays valid; only a checksum of the values can notice. Serial: call on one rank.
#include <hdf5.h>

#include <cstddef>
#include <fstream>
#include <string>

namespace attnflow::testing {

inline void flip_bits(const std::string& path, const char* dataset_name, std::size_t byte,
                      char mask) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t dataset = H5Dopen2(file, dataset_name, H5P_DEFAULT);
  const haddr_t offset = H5Dget_offset(dataset);  // contiguous storage
  H5Dclose(dataset);
  H5Fclose(file);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(std::streamoff(offset + byte));
  char value = 0;
  f.read(&value, 1);
  value = static_cast<char>(value ^ mask);
  f.seekp(std::streamoff(offset + byte));
  f.write(&value, 1);
}

}  // namespace attnflow::testing

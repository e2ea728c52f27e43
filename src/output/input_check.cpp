#include "output/input_check.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "errors/errors.hpp"
#include "output/hdf5.hpp"
#include "parallel/partition.hpp"
#include "text/number_format.hpp"

namespace attnflow::output {

namespace {

using parallel::check_mpi;

// The first bad global row (over all ranks) and the owner's description of it, the same on every
// rank; "" when every row is good. `describe(local_row)` says what is wrong with a row ("" if
// nothing).
template <typename Describe>
std::string first_bad_row(std::int64_t local_rows, std::int64_t first_row, MPI_Comm comm,
                          Describe describe, std::int64_t& bad_row) {
  constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
  std::int64_t local_bad = none;
  std::string reason;
  for (std::int64_t r = 0; r < local_rows && local_bad == none; ++r) {
    reason = describe(r);
    if (!reason.empty()) local_bad = first_row + r;
  }
  check_mpi(MPI_Allreduce(&local_bad, &bad_row, 1, MPI_INT64_T, MPI_MIN, comm),
            "MPI_Allreduce(first bad row)");
  if (bad_row == none) return {};
  // The lowest rank holding that row tells the others why.
  const int rank = parallel::rank_of(comm);
  int mine = local_bad == bad_row ? rank : parallel::size_of(comm), owner = 0;
  check_mpi(MPI_Allreduce(&mine, &owner, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce(bad row owner)");
  int length = rank == owner ? int(reason.size()) : 0;
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, owner, comm), "MPI_Bcast(bad row reason)");
  reason.resize(std::size_t(length));
  check_mpi(MPI_Bcast(reason.data(), length, MPI_CHAR, owner, comm), "MPI_Bcast(bad row reason)");
  return reason;
}

bool all_finite(const double* row, int columns) {
  for (int k = 0; k < columns; ++k)
    if (!std::isfinite(row[k])) return false;
  return true;
}

std::string entries(const double* row, int columns) {
  std::string text = "(";
  for (int k = 0; k < columns && k < 4; ++k)
    text += (k ? ", " : "") + text::format_number(row[k]);
  return text + (columns > 4 ? ", ...)" : ")");
}

void report(const std::string& reason, std::int64_t bad_row, const std::string& what,
            const std::string& dataset) {
  errors::require(reason.empty(),
                  what + ": " + dataset + " row " + std::to_string(bad_row) + " " + reason);
}

}  // namespace

void require_unit_rows(std::span<const double> rows, int dimension, std::int64_t first_row,
                       MPI_Comm comm, const std::string& what, const std::string& dataset) {
  const std::int64_t count = std::int64_t(rows.size()) / dimension;
  std::int64_t bad_row = 0;
  const auto reason = first_bad_row(count, first_row, comm, [&](std::int64_t r) -> std::string {
    const double* x = rows.data() + r * dimension;
    if (!all_finite(x, dimension))
      return "is not finite " + entries(x, dimension) + "; accepted: finite unit vectors";
    // Scaled by the largest entry: no overflow for huge entries, no underflow for tiny ones.
    double largest = 0;
    for (int k = 0; k < dimension; ++k) largest = std::max(largest, std::abs(x[k]));
    if (largest == 0) return "is the zero vector; accepted: unit vectors";
    double square = 0;
    for (int k = 0; k < dimension; ++k) square += (x[k] / largest) * (x[k] / largest);
    const double norm = largest * std::sqrt(square);
    if (std::abs(norm - 1.0) <= unit_norm_tolerance) return {};
    return "has norm " + text::format_number(norm) + "; accepted: unit vectors, |norm - 1| <= " +
           text::format_number(unit_norm_tolerance);
  }, bad_row);
  report(reason, bad_row, what, dataset);
}

void require_finite_rows(std::span<const double> rows, int columns, std::int64_t first_row,
                         MPI_Comm comm, const std::string& what, const std::string& dataset,
                         bool positive) {
  const std::int64_t count = std::int64_t(rows.size()) / columns;
  std::int64_t bad_row = 0;
  const auto reason = first_bad_row(count, first_row, comm, [&](std::int64_t r) -> std::string {
    const double* x = rows.data() + r * columns;
    if (!all_finite(x, columns))
      return "is not finite " + entries(x, columns) + "; accepted: finite values";
    if (positive)
      for (int k = 0; k < columns; ++k)
        if (!(x[k] > 0))
          return "is not positive " + entries(x, columns) + "; accepted: values > 0";
    return {};
  }, bad_row);
  report(reason, bad_row, what, dataset);
}

void require_readable(const std::string& path, MPI_Comm comm) {
  int error = 0;
  if (parallel::rank_of(comm) == 0) {
    const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0)
      error = errno;
    else
      ::close(descriptor);
  }
  check_mpi(MPI_Bcast(&error, 1, MPI_INT, 0, comm), "MPI_Bcast(readable)");
  if (error != 0) throw errors::IoError("cannot read", path, std::strerror(error));
}

void require_type_class(hid_t dataset, H5T_class_t type_class, const std::string& what,
                        const std::string& name) {
  Handle type(H5Dget_type(dataset));
  const H5T_class_t stored = type.valid() ? H5Tget_class(type) : H5T_NO_CLASS;
  const auto class_name = [](H5T_class_t c) -> std::string {
    switch (c) {
      case H5T_FLOAT: return "floating-point numbers";
      case H5T_INTEGER: return "integers";
      case H5T_STRING: return "strings";
      case H5T_COMPOUND: return "a compound type";
      default: return "another type";
    }
  };
  errors::require(stored == type_class, what + ": /" + name + " holds " + class_name(stored) +
                                            "; accepted: " + class_name(type_class));
}

}  // namespace attnflow::output

#pragma once
// Content checks of the datasets an app reads from an input HDF5 file (an initial state, the
// particle and continuum runs of attnflow-compare): every value finite, unit vectors on the
// sphere, datasets of the stored type a reader expects. A failure is errors::InputError (exit 2)
// naming the file, the dataset and the first bad row; every rank of the communicator throws the
// same message (collective checks), so the run ends with one line and writes nothing.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>

namespace attnflow::output {

// Largest accepted |‖x‖ - 1| of a stored unit vector. attnflow normalises every position in double
// after each step (stepper/integrator.cpp): x = y / ‖y‖ rounds each component with a relative
// error of a few ulps (2^-53 = 1.1e-16), so its files have |‖x‖ - 1| <= (d/2 + 2) 2^-53, below
// 1e-13 for d <= 1000. A unit vector rounded to float32 by another tool (relative error 2^-24 =
// 6e-8 per component, hence in the norm) is accepted too. A larger defect is no rounding: the
// file holds points that are not on the sphere (unnormalised data, norm-2 points, a bug).
inline constexpr double unit_norm_tolerance = 1e-6;

// Throws errors::InputError "<what>: /<dataset> row <r> ..." for the first row, in global order,
// that has a non-finite entry, norm 0 or |‖x‖ - 1| > unit_norm_tolerance. `rows`: this rank's rows
// of `dimension` entries, global rows first_row, first_row + 1, ...; `what` names the file (e.g.
// "initial-state file 'in.h5'"), `dataset` the place in it (e.g. "/positions snapshot 3").
// Collective over comm (MPI_COMM_SELF for a serial reader).
void require_unit_rows(std::span<const double> rows, int dimension, std::int64_t first_row,
                       MPI_Comm comm, const std::string& what, const std::string& dataset);

// The same for any finite values (rows of `columns` entries); with `positive`, also > 0.
void require_finite_rows(std::span<const double> rows, int columns, std::int64_t first_row,
                         MPI_Comm comm, const std::string& what, const std::string& dataset,
                         bool positive = false);

// Throws errors::IoError "cannot read '<path>': <reason>" (exit 1) when the operating system refuses
// to open an existing file for reading (permissions, a device error): the input may be fine.
// Checked on rank 0 of comm, thrown on every rank. Collective.
void require_readable(const std::string& path, MPI_Comm comm);

// Throws errors::InputError "<what>: /<name> is stored as ..., not ..." unless the dataset's stored
// type is of `type_class` (H5T_FLOAT for doubles, H5T_INTEGER for indices): HDF5 would otherwise
// convert integers, or fail on strings with a damaged-file message.
void require_type_class(hid_t dataset, H5T_class_t type_class, const std::string& what,
                        const std::string& name);

}  // namespace attnflow::output

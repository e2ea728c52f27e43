#pragma once
// The XDMF 3 sidecar of a run file (ParaView): a temporal collection with one uniform grid per
// snapshot, whose topology, geometry and attributes the solver's writer supplies.
//
// What both of ParaView's readers accept (measured with ParaView 5.11, Debian; tests/output/
// paraview_read.py): the default Xdmf3 reader (Xdmf3ReaderS) takes the type of an array from its
// HDF5 data before reading it, so an array defined by a HyperSlab or Function DataItem has no type
// there and is dropped (0 points, no attribute; an XY geometry of one crashes the reader).
// Every DataItem is therefore a whole HDF5 dataset: per-snapshot slices of the record datasets
// are virtual views (output::create_record_view, /views/<dataset>/<snapshot>), and a Polyvertex
// topology lists its points explicitly (the Xdmf3 reader makes no cells of an implicit one).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace attnflow::output {

// `text` with & < > " ' replaced by XML entities (for file names in attributes and content).
std::string xml_escaped(const std::string& text);

// The number type of a DataItem, as stored in the HDF5 dataset it reads.
enum class XdmfNumber { float64, int64, int32 };

// A DataItem reading the whole HDF5 dataset `dataset` ("/mesh/nodes") of `file_name` (the
// run file's name without directory: resolved beside the XDMF file), of the given dimensions.
std::string xdmf_hdf5_item(const std::string& file_name, const std::string& dataset,
                           const std::vector<std::int64_t>& dimensions, XdmfNumber number);

// The path of the view of record `record` of the record dataset `dataset`: "/views/<dataset>/<record>".
std::string record_view_path(const std::string& dataset, std::int64_t record);

// `grid(s)` returns the inner XML of snapshot s's grid (after its <Time/>).
std::string xdmf_temporal_collection(const std::string& name, const std::vector<double>& times,
                                     const std::function<std::string(std::size_t)>& grid);

}  // namespace attnflow::output

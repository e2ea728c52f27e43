#pragma once
// The XDMF 3 sidecar of a run file (ParaView): a temporal collection with one uniform grid per
// snapshot, whose topology, geometry and attributes the solver's writer supplies.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace attnflow::output {

// `grid(s)` returns the inner XML of snapshot s's grid (after its <Time/>).
std::string xdmf_temporal_collection(const std::string& name, const std::vector<double>& times,
                                     const std::function<std::string(std::size_t)>& grid);

}  // namespace attnflow::output

#include "output/xdmf.hpp"

#include <sstream>

#include "text/number_format.hpp"

namespace attnflow::output {

std::string xdmf_temporal_collection(const std::string& name, const std::vector<double>& times,
                                     const std::function<std::string(std::size_t)>& grid) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<Xdmf Version=\"3.0\">\n <Domain>\n"
    << "  <Grid Name=\"" << name << "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (std::size_t s = 0; s < times.size(); ++s)
    x << "   <Grid Name=\"snapshot_" << s << "\" GridType=\"Uniform\">\n"
      << "    <Time Value=\"" << text::format_number(times[s]) << "\"/>\n"
      << grid(s) << "   </Grid>\n";
  x << "  </Grid>\n </Domain>\n</Xdmf>\n";
  return x.str();
}

}  // namespace attnflow::output

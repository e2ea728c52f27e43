#include "output/xdmf.hpp"

#include <sstream>

#include "text/number_format.hpp"

namespace attnflow::output {

std::string xml_escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string xdmf_hdf5_item(const std::string& file_name, const std::string& dataset,
                           const std::vector<std::int64_t>& dimensions, XdmfNumber number) {
  std::ostringstream x;
  x << "<DataItem Dimensions=\"";
  for (std::size_t k = 0; k < dimensions.size(); ++k) x << (k ? " " : "") << dimensions[k];
  x << "\" NumberType=\"" << (number == XdmfNumber::float64 ? "Float" : "Int")
    << "\" Precision=\"" << (number == XdmfNumber::int32 ? 4 : 8) << "\" Format=\"HDF\">"
    << xml_escaped(file_name) << ":" << dataset << "</DataItem>";
  return x.str();
}

std::string record_view_path(const std::string& dataset, std::int64_t record) {
  return "/views/" + dataset + "/" + std::to_string(record);
}

std::string xdmf_temporal_collection(const std::string& name, const std::vector<double>& times,
                                     const std::function<std::string(std::size_t)>& grid) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<Xdmf Version=\"3.0\">\n <Domain>\n"
    << "  <Grid Name=\"" << xml_escaped(name)
    << "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (std::size_t s = 0; s < times.size(); ++s)
    x << "   <Grid Name=\"snapshot_" << s << "\" GridType=\"Uniform\">\n"
      << "    <Time Value=\"" << text::format_number(times[s]) << "\"/>\n"
      << grid(s) << "   </Grid>\n";
  x << "  </Grid>\n </Domain>\n</Xdmf>\n";
  return x.str();
}

}  // namespace attnflow::output

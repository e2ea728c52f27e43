#include "longcontext/study_output.hpp"

#include <sstream>

#include "text/number_format.hpp"
#include "version/version.hpp"

namespace attnflow::longcontext {

namespace {

// The one number format (shortest round trip), "inf" for the poisson sampler's n and "nan" for references that do not
// apply: numpy.genfromtxt reads all three.
std::string number(double value) { return text::format_number(value); }

const char* identifier_header =
    "dimension,key_law,support_dimension,sampler,keys,exponent,scale,beta,scaled_beta,lambda,regime";

void write_identifiers(std::ostream& out, const SummaryRow& row) {
  out << row.dimension << ',' << row.key_law << ',' << row.support_dimension << ',' << row.sampler
      << ',' << (row.keys == 0 ? std::string("inf") : std::to_string(row.keys)) << ','
      << number(row.exponent) << ',' << number(row.scale) << ',' << number(row.beta) << ','
      << number(row.scaled_beta) << ',' << number(row.lambda) << ',' << row.regime;
}

}  // namespace

std::string summary_csv(int top_count, const std::vector<SummaryRow>& rows) {
  std::ostringstream out;
  const int d = rows.empty() ? 2 : rows.front().dimension;
  out << identifier_header << ",queries,seconds_per_query";
  for (const auto& name : observable_names(top_count, d)) out << ',' << name << ',' << name << "_stderr";
  for (const auto& name : reference_names(d)) out << ',' << name;
  out << '\n';
  for (const auto& row : rows) {
    write_identifiers(out, row);
    out << ',' << row.queries << ',' << number(row.seconds_per_query);
    for (const auto& estimate : row.estimates)
      out << ',' << number(estimate.mean) << ',' << number(estimate.standard_error);
    for (double reference : row.references) out << ',' << number(reference);
    out << '\n';
  }
  return out.str();
}

std::string distributions_csv(const std::vector<DistributionBlock>& blocks) {
  std::ostringstream out;
  out << identifier_header << ",quantity,kind,x,width,value\n";
  for (const auto& block : blocks)
    for (const auto& distribution : block.distributions) {
      for (std::size_t i = 0; i < distribution.densities.size(); ++i) {
        write_identifiers(out, block.row);
        const double low = distribution.edges[i], high = distribution.edges[i + 1];
        out << ',' << distribution.quantity << ",density," << number(0.5 * (low + high)) << ','
            << number(high - low) << ',' << number(distribution.densities[i]) << '\n';
      }
      for (std::size_t i = 0; i < distribution.quantiles.size(); ++i) {
        write_identifiers(out, block.row);
        out << ',' << distribution.quantity << ",quantile," << number(i / 100.0) << ",0,"
            << number(distribution.quantiles[i]) << '\n';
      }
    }
  return out.str();
}

std::string study_input(const std::string& resolved_input) {
  return std::string("# attnflow ") + version::number() + " (git " + version::git_revision() + ")\n" +
         resolved_input;
}

}  // namespace attnflow::longcontext

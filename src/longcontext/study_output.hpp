#pragma once
// The long-context study's tables as CSV text: the summary (one row per (n, exponent a, scale c),
// means and standard errors of every observable next to the limit references) and the
// distributions (histogram densities and quantiles of the rescaled observables). Both are plain
// tables (text/csv.hpp); what produced them goes into each table's sidecar <stem>.input.ini
// (study_input), so that the files reproduce their own run.
#include <string>
#include <vector>

#include "longcontext/study_summary.hpp"

namespace attnflow::longcontext {

// Identifies a distribution's row: the summary row it belongs to.
struct DistributionBlock {
  SummaryRow row;
  std::vector<Distribution> distributions;
};

std::string summary_csv(int top_count, const std::vector<SummaryRow>& rows);
// Columns: the row's identifiers, quantity, kind (density: x = bin centre, width = bin width,
// value = density; quantile: x = probability, value = quantile).
std::string distributions_csv(const std::vector<DistributionBlock>& blocks);
// The sidecar text: the resolved input (attnflow-longcontext --input reads it) after a comment
// naming the version.
std::string study_input(const std::string& resolved_input);

}  // namespace attnflow::longcontext

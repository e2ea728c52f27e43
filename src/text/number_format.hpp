#pragma once
// The one text form of a number everywhere attnflow writes one for a reader (echoed input, CSV
// tables, XDMF times, messages): the shortest decimal that reads back to the same double.
#include <string>

namespace attnflow::text {

std::string format_number(double value);

}  // namespace attnflow::text

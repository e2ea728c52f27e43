#pragma once
// The long-context study's CSV table: one row per (d, n, exponent a, scale c), with the resolved
// input echoed as '#' comment lines so that the file reproduces its own run.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "longcontext/attention_study.hpp"

namespace attnflow::longcontext {

struct StudyRow {
  int dimension = 0;
  std::int64_t keys = 0;
  double exponent = 0;  // a in beta = c n^a
  double scale = 0;     // c
  std::int64_t queries = 0;
  BetaSummary summary;
};

void write_csv_header(std::ostream& out);
void write_csv_row(std::ostream& out, const StudyRow& row);
// Writes `comment` (each line prefixed by '# '), the header and the rows to path.tmp, then
// renames it to path. Throws errors::InputError (naming --output) when the file cannot be written.
void write_study_csv(const std::string& path, const std::string& comment,
                     const std::vector<StudyRow>& rows);

}  // namespace attnflow::longcontext

#include "longcontext/study_output.hpp"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "errors/errors.hpp"
#include "version/version.hpp"

namespace attnflow::longcontext {

void write_csv_header(std::ostream& out) {
  out << "dimension,keys,exponent,scale,beta,queries,largest_weight,largest_weight_stderr,"
         "effective_keys,effective_keys_stderr,output_distance,output_distance_stderr,"
         "output_angle,output_angle_stderr,dominant_fraction\n";
}

void write_csv_row(std::ostream& out, const StudyRow& row) {
  const auto& s = row.summary;
  out << std::setprecision(12) << row.dimension << ',' << row.keys << ',' << row.exponent << ','
      << row.scale << ',' << s.beta << ',' << row.queries << ',' << s.largest_weight.mean << ','
      << s.largest_weight.standard_error << ',' << s.effective_keys.mean << ','
      << s.effective_keys.standard_error << ',' << s.output_distance.mean << ','
      << s.output_distance.standard_error << ',' << s.output_angle.mean << ','
      << s.output_angle.standard_error << ',' << s.dominant_fraction << '\n';
}

void write_study_csv(const std::string& path, const std::string& comment,
                     const std::vector<StudyRow>& rows) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    errors::require(static_cast<bool>(out), "--output: cannot write '" + temporary + "'");
    out << "# attnflow " << version::number() << " (git " << version::git_revision() << ")\n";
    std::istringstream lines(comment);
    std::string line;
    while (std::getline(lines, line)) out << (line.rfind('#', 0) == 0 ? "" : "# ") << line << '\n';
    write_csv_header(out);
    for (const auto& row : rows) write_csv_row(out, row);
    out.flush();
    errors::require(static_cast<bool>(out), "--output: failed while writing '" + temporary + "'");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw errors::InputError("--output: cannot rename '" + temporary + "' to '" + path + "'");
  }
}

}  // namespace attnflow::longcontext

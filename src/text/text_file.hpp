#pragma once
// Text files written atomically: the text goes to a temporary file in the same directory, which
// is flushed and renamed over the target, so a reader sees the old file or the new one, never a
// part. Used for every sidecar, table and pointer file attnflow writes.
#include <string>

namespace attnflow::text {

// Serial (call on one rank). Throws errors::IoError naming the file when it cannot be written.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace attnflow::text

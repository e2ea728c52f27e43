#include "config/memory.hpp"

#include <unistd.h>

#include <cstdio>

#include "errors/errors.hpp"

namespace attnflow::config {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  char text[64];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.3g %s", bytes, units[unit]);
  return text;
}

void require_memory(double bytes, const std::string& option, const std::string& what) {
  const double available = physical_memory_bytes();
  if (available <= 0 || bytes <= available) return;
  throw errors::InputError("--" + option + ": " + what + " needs about " + format_bytes(bytes) +
                           ", more than the " + format_bytes(available) +
                           " of physical memory of this machine; accepted: a size that fits "
                           "(fewer tokens or a smaller dimension, or more nodes)");
}

}  // namespace attnflow::config

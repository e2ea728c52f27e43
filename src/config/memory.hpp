#pragma once
// The memory a run asks for, checked against the machine before anything is allocated: an absurd
// size (--tokens 1e12, --dimension 40000) is a one-line refusal with the figure, not a
// std::bad_alloc (or the kernel's OOM killer) later.
#include <string>

namespace attnflow::config {

// Physical memory of this machine in bytes (sysconf(_SC_PHYS_PAGES) x page size); 0 if unknown.
double physical_memory_bytes();

// "1.5 GiB", "320 MiB": a byte count for messages.
std::string format_bytes(double bytes);

// Throws errors::InputError "--<option>: <what> needs about X, more than the Y of physical memory
// of this machine; ..." when `bytes` exceeds the physical memory (not checked when it is unknown).
void require_memory(double bytes, const std::string& option, const std::string& what);

}  // namespace attnflow::config

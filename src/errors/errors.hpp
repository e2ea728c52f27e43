#pragma once
// Whose fault a failure is, so that every app reacts the same way (run/application.hpp):
// - InputError: the user's input is wrong (an option, an input file, an HDF5 file given to the
//   run). One line naming what is wrong and what is accepted; exit status 2; nothing written.
// - IoError: the input was fine but the file system failed (a full disk, a vanished directory).
//   One line naming the file and the reason; exit status 1.
// - InternalError: an invariant of attnflow itself does not hold. A bug: the message says so and
//   asks for a report; exit status 1.
// Any other exception (std::bad_alloc, a library's own) is treated like an internal error.
#include <stdexcept>
#include <string>

namespace attnflow::errors {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class IoError : public std::runtime_error {
 public:
  // "cannot write 'path': reason"
  IoError(const std::string& action, const std::string& path, const std::string& reason);
  // When the failing call does not know the file (a low-level HDF5 call).
  explicit IoError(const std::string& message) : std::runtime_error(message) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Throws InputError(message) unless condition holds.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw InputError(message);
}

// Throws InternalError(message) unless condition holds: for invariants a user cannot break.
inline void ensure(bool condition, const std::string& message) {
  if (!condition) throw InternalError(message);
}

}  // namespace attnflow::errors

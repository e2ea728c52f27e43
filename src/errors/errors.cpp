#include "errors/errors.hpp"

namespace attnflow::errors {

IoError::IoError(const std::string& action, const std::string& path, const std::string& reason)
    : std::runtime_error(action + " '" + path + "'" + (reason.empty() ? "" : ": " + reason)),
      path_(path) {}

}  // namespace attnflow::errors

#include "text/text_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "errors/errors.hpp"

namespace attnflow::text {

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  {
    // A new file, never an existing one or a symbolic link (which would be written through).
    const int descriptor =
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (descriptor < 0) throw errors::IoError("cannot create", temporary, std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(descriptor, text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string reason = std::strerror(errno);
        ::close(descriptor);
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw errors::IoError("cannot write", temporary, reason);
      }
      written += std::size_t(n);
    }
    if (::close(descriptor) != 0) {
      const std::string reason = std::strerror(errno);
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw errors::IoError("cannot write", temporary, reason);
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw errors::IoError("cannot rename a temporary file onto", path, error.message());
  }
}

}  // namespace attnflow::text

#include "cli/messages.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "pipeline/redactor.hpp"

namespace sluice::cli {
namespace {

const pipeline::Redactor* g_redactor = nullptr;

}  // namespace

void set_message_redactor(const pipeline::Redactor* redactor) noexcept { g_redactor = redactor; }

void say_text(std::string_view text) noexcept {
  try {
    std::string masked;
    if (g_redactor != nullptr) {
      masked = g_redactor->mask(text);
      text = masked;
    }
    if (std::fwrite(text.data(), 1, text.size(), stderr) != text.size() || std::fflush(stderr) != 0) {
      std::clearerr(stderr);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): a message that cannot be made is dropped
  }
}

void reserve_standard_descriptors() noexcept {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() returns the lowest free descriptor: this one.
    const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened != fd && opened >= 0) ::close(opened);
  }
}

}  // namespace sluice::cli

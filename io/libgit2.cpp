#include "io/libgit2.hpp"

#include <git2.h>

namespace sluice::io {

void ensure_libgit2() {
  static const int initialised = [] {
    const int n = git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    return n;
  }();
  (void)initialised;
}

std::string libgit2_error(std::string_view fallback) {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? std::string(error->message) : std::string(fallback);
}

}  // namespace sluice::io

#pragma once
// What every use of libgit2 in io shares: the process-wide initialisation and the last error.

#include <git2.h>

#include <string>
#include <string_view>

namespace sluice::io {

// Initialises libgit2 once for the process; it is never shut down (threads may still use it).
// Ownership validation is off (sluice runs nothing from a repository), and objects are not
// re-hashed on read, as `git cat-file` does not: SHA-1 of every blob cost 35% of reading time
// (bench/git.sh), and zlib's checksum still catches corrupt data.
void ensure_libgit2();

// libgit2's message for the last failure on this thread, or `fallback`.
[[nodiscard]] std::string libgit2_error(std::string_view fallback);

// Frees a repository handle (for std::unique_ptr).
struct RepositoryDeleter {
  void operator()(git_repository* repository) const noexcept { git_repository_free(repository); }
};

}  // namespace sluice::io

#pragma once
// The staged changes of a git repository (what `git commit` would record): every file the
// index adds or changes relative to HEAD, with its staged bytes read from the object
// database through libgit2 (the worktree copy may differ). For `sluice scan --staged`.

#include <string>
#include <variant>
#include <vector>

namespace sluice::io {

struct StagedFile {
  std::string path;   // relative to the repository's top directory, '/'-separated
  std::string bytes;  // the staged blob
};

struct StagedChanges {
  std::string workdir;  // the repository's top directory, with a trailing '/'
  std::vector<StagedFile> files;
};

// Opens the repository containing `path` (searching upwards like git) and reads its staged
// added, modified, renamed, copied and type-changed regular files (deletions, symlinks and
// submodules carry no content to scan). A repository without commits yet: the whole index.
// Returns an error text when the repository or the index cannot be read.
[[nodiscard]] std::variant<StagedChanges, std::string> read_staged(const std::string& path);

}  // namespace sluice::io

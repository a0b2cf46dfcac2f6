#pragma once
// Lazy depth-first enumeration of the inputs under the scan roots. One directory listing is
// held at a time per level, so memory follows the tree's depth, not its size; opening and
// reading the files is left to the (parallel) caller.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sluice::io {

struct WalkEntry {
  enum class Kind : std::uint8_t {
    kFile,     // a regular file
    kStream,   // read sequentially: "-" (standard input) or a FIFO named as a root
    kSkipped,  // deliberately not scanned (FIFO/socket/device in a tree, symlink not followed)
    kError,    // could not be enumerated (unreadable directory, broken symlink, loop...)
  };
  Kind kind = Kind::kFile;
  std::string path;
  std::string reason;  // for kSkipped and kError
};

struct WalkOptions {
  bool follow_symlinks = false;
  bool skip_git_dirs = true;  // git object stores are compressed: history scanning reads them properly
};

class Walker {
 public:
  Walker(std::vector<std::string> roots, WalkOptions options);
  // The next entry, or nullopt when the walk is complete.
  [[nodiscard]] std::optional<WalkEntry> next();

 private:
  struct Directory {
    std::string path;
    std::vector<std::pair<std::string, unsigned char>> entries;  // name, d_type
    std::size_t position = 0;
    std::pair<dev_t, ino_t> id{};
  };
  std::optional<WalkEntry> visit_root(const std::string& root);
  std::optional<WalkEntry> visit_child(const std::string& path, unsigned char type);
  std::optional<WalkEntry> enter_directory(const std::string& path);

  std::vector<std::string> roots_;
  std::size_t next_root_ = 0;
  WalkOptions options_;
  std::vector<Directory> stack_;
  std::set<std::pair<dev_t, ino_t>> active_;  // directories on the current path (loop detection)
};

}  // namespace sluice::io

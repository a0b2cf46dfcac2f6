#pragma once
// Lazy depth-first enumeration of the inputs under the scan roots. Directory listings are
// read ahead by parallel tasks (a bounded number at a time; a listing whose task has not started
// when the walk reaches it is read inline, one being read is waited for), so enumeration
// proceeds on several cores while memory follows the tree's depth and the read-ahead cap, not
// the tree's size.
// Opening and reading the files is left to the (parallel) caller.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "io/path_filter.hpp"

namespace sluice::io {

// How git's index tells a file unchanged without reading it: what stat says of it.
struct FileStamp {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;
  std::int64_t changed_ns = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// The stamp of a regular file at `path` (symbolic links followed); nullopt otherwise.
[[nodiscard]] std::optional<FileStamp> stamp_of(const std::string& path);

struct WalkEntry {
  enum class Kind : std::uint8_t {
    kFile,        // a regular file
    kStream,      // read sequentially: "-" (standard input) or a FIFO named as a root
    kSkipped,     // deliberately not scanned (FIFO/socket/device in a tree, symlink not followed)
    kError,       // could not be enumerated (unreadable directory, broken symlink, loop...)
    kRepository,  // a git directory (a worktree's .git or a bare repository); not descended into
  };
  Kind kind = Kind::kFile;
  std::string path;
  std::string reason;  // for kSkipped and kError
  // A file's stamp, taken when its directory was listed (WalkOptions::stamp_files; not for a
  // root or a followed symbolic link).
  std::optional<FileStamp> stamp{};
};

struct WalkOptions {
  bool follow_symlinks = false;
  // A directory laid out like a git directory (HEAD, objects/, refs/: the test git itself
  // uses) is reported as kRepository instead of being walked: its history is read through
  // the object database. Off: `.git` directories are skipped and bare repositories walked
  // as plain files.
  bool find_repositories = true;
  std::size_t read_ahead = 64;  // directory listings read ahead in parallel tasks (0: none)
  // Paths inside a root directory that are left out (never listed, opened or reported); roots
  // named on the command line are always visited.
  std::shared_ptr<PathFilter> filter = nullptr;
  // Files found in a tree that are reported as skipped with `reason` instead of being listed
  // (the earlier report that `-o` replaces: scanning it would report its own findings again).
  // Told by name first, then by device and inode, so the walk pays nothing for other files.
  struct PassOver {
    std::string name;  // the file name, without directories
    dev_t device = 0;
    ino_t inode = 0;
    std::string reason;
  };
  std::vector<PassOver> pass_over{};
  // Stat each regular file as its directory is listed (relative to the directory, in the
  // read-ahead tasks) and give its stamp with the entry.
  bool stamp_files = false;
};

class Walker {
 public:
  Walker(std::vector<std::string> roots, WalkOptions options);
  ~Walker();  // waits for read-ahead tasks still running (none once next() returned nullopt)
  Walker(const Walker&) = delete;
  Walker& operator=(const Walker&) = delete;
  // The next entry, or nullopt when the walk is complete (read-ahead tasks have then
  // finished; call next() until nullopt from inside the task arena that runs the walk).
  [[nodiscard]] std::optional<WalkEntry> next();
  // Waits for read-ahead tasks; for a walk abandoned before next() returned nullopt.
  void finish();

 private:
  // Where a directory sits in a git object store: the files git wrote there (loose objects,
  // packs and their indexes, info files) are read through the history and passed over; any
  // other file there is scanned like every file.
  enum class Store : unsigned char { kNone, kObjects, kFanout, kPack, kInfo, kGraphs };
  struct Child {
    std::string name;
    unsigned char type = 0;  // d_type
    std::optional<FileStamp> stamp{};
  };
  struct Directory {
    std::string path;
    std::vector<Child> entries;
    std::size_t position = 0;
    std::pair<dev_t, ino_t> id{};
    bool git_dir = false;
    Store store = Store::kNone;
  };
  std::optional<WalkEntry> visit_root(const std::string& root);
  std::optional<WalkEntry> visit_child(const std::string& path, unsigned char type,
                                       const std::optional<FileStamp>& stamp);
  std::optional<WalkEntry> enter_directory(const std::string& path, Store store = Store::kNone);
  [[nodiscard]] bool filtered_out(const std::string& path, bool directory) const;
  [[nodiscard]] const WalkOptions::PassOver* passed_over(std::string_view name, const std::string& path,
                                                         unsigned char type) const;
  [[nodiscard]] static Store child_store(const Directory& parent, std::string_view name);
  [[nodiscard]] static bool git_store_file(Store store, std::string_view name);
  void read_ahead(const Directory& directory);

  // One directory's entries, read by a read-ahead task or inline, whichever gets there first.
  struct Listing {
    std::string path;
    std::vector<Child> entries;
    std::pair<dev_t, ino_t> id{};
    int error = 0;                   // errno; 0 when listed
    std::atomic<bool> taken{false};  // by its task or by the walk, whichever came first
    std::atomic<bool> ready{false};
  };
  static void list(Listing& listing, bool stamp_files);

  std::vector<std::string> roots_;
  std::size_t next_root_ = 0;
  std::string root_prefix_;  // the current root with a trailing '/', for the filter's relative paths
  WalkOptions options_;
  std::vector<Directory> stack_;
  std::set<std::pair<dev_t, ino_t>> active_;                         // directories on the current path (loop detection)
  std::unordered_map<std::string, std::shared_ptr<Listing>> ahead_;  // read-ahead, by path
  struct Tasks;
  std::unique_ptr<Tasks> tasks_;
};

}  // namespace sluice::io

#include "io/walker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <oneapi/tbb/task_group.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <string_view>
#include <thread>

#include "io/error.hpp"

namespace sluice::io {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const noexcept { closedir(dir); }
};

std::string join(const std::string& parent, const char* name) {
  if (parent == ".") return name;
  if (!parent.empty() && parent.back() == '/') return parent + name;
  return parent + '/' + name;
}

const char* special_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

unsigned char type_of(mode_t mode) {
  if (S_ISDIR(mode)) return DT_DIR;
  if (S_ISREG(mode)) return DT_REG;
  if (S_ISLNK(mode)) return DT_LNK;
  if (S_ISFIFO(mode)) return DT_FIFO;
  if (S_ISSOCK(mode)) return DT_SOCK;
  if (S_ISCHR(mode)) return DT_CHR;
  if (S_ISBLK(mode)) return DT_BLK;
  return DT_UNKNOWN;
}

WalkEntry make(WalkEntry::Kind kind, std::string path, std::string reason = {}) {
  return WalkEntry{kind, std::move(path), std::move(reason)};
}

FileStamp stamp_from(const struct stat& st) {
  return FileStamp{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                   static_cast<std::uint64_t>(st.st_size),
                   static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

// What git itself checks before calling a directory a git directory.
template <class Child>
bool looks_like_git_dir(const std::vector<Child>& entries) {
  bool head = false;
  bool objects = false;
  bool refs = false;
  for (const auto& [name, type, stamp] : entries) {
    const bool dir = type == DT_DIR || type == DT_UNKNOWN;
    if (name == "HEAD" && type != DT_DIR) head = true;
    if (name == "objects" && dir) objects = true;
    if (name == "refs" && dir) refs = true;
  }
  return head && objects && refs;
}

bool all_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool ends_with_any(std::string_view name, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view s) { return name.ends_with(s); });
}

}  // namespace

// The store kind of directory `name` inside a directory of kind `parent`.
Walker::Store Walker::child_store(const Directory& parent, std::string_view name) {
  if (parent.git_dir && name == "objects") return Store::kObjects;
  if (parent.store == Store::kObjects) {
    if (name.size() == 2 && all_hex(name)) return Store::kFanout;
    if (name == "pack") return Store::kPack;
    if (name == "info") return Store::kInfo;
  }
  if (parent.store == Store::kInfo && name == "commit-graphs") return Store::kGraphs;
  return Store::kNone;
}

// Whether a file of a git object store is git's own (read through the history, not as a file).
bool Walker::git_store_file(Store store, std::string_view name) {
  switch (store) {
    case Store::kFanout:  // a loose object: 38 (SHA-1) or 62 (SHA-256) hex digits, or being written
      return ((name.size() == 38 || name.size() == 62) && all_hex(name)) || name.starts_with("tmp_obj_");
    case Store::kPack:
      return (name.starts_with("pack-") &&
              ends_with_any(name, {".pack", ".idx", ".rev", ".keep", ".bitmap", ".mtimes", ".promisor"})) ||
             name.starts_with("tmp_") || name.starts_with("multi-pack-index");
    case Store::kInfo:
      return name == "packs" || name == "alternates" || name == "http-alternates" || name == "commit-graph";
    case Store::kGraphs:
      return name == "commit-graph-chain" || (name.starts_with("graph-") && name.ends_with(".graph"));
    case Store::kObjects:
    case Store::kNone:
      break;
  }
  return false;
}

std::optional<FileStamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return stamp_from(st);
}

struct Walker::Tasks {
  oneapi::tbb::task_group group;
};

Walker::Walker(std::vector<std::string> roots, WalkOptions options)
    : roots_(std::move(roots)), options_(options), tasks_(std::make_unique<Tasks>()) {}

Walker::~Walker() { finish(); }

void Walker::finish() {
  // Read-ahead tasks whose listings were not ready in time may still run: finish them here,
  // in the caller's task arena, where this thread can execute them.
  tasks_->group.wait();
  ahead_.clear();
}

void Walker::list(Listing& listing, bool stamp_files) {
  std::unique_ptr<DIR, DirCloser> dir(::opendir(listing.path.c_str()));
  if (!dir) {
    listing.error = errno;
    return;
  }
  struct stat info {};
  if (::fstat(dirfd(dir.get()), &info) != 0) {
    listing.error = errno;
    return;
  }
  listing.id = {info.st_dev, info.st_ino};
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      listing.error = errno;
      return;
    }
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    Child child{entry->d_name, entry->d_type};
    if (stamp_files && (entry->d_type == DT_REG || entry->d_type == DT_UNKNOWN)) {
      struct stat st {};
      if (::fstatat(dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
        child.stamp = stamp_from(st);
      }
    }
    listing.entries.push_back(std::move(child));
  }
}

void Walker::read_ahead(const Directory& directory) {
  for (const auto& [name, type, stamp] : directory.entries) {
    if (ahead_.size() >= options_.read_ahead) return;
    if (type != DT_DIR || (!options_.find_repositories && name == ".git")) continue;
    auto listing = std::make_shared<Listing>();
    listing->path = join(directory.path, name.c_str());
    if (options_.filter && filtered_out(listing->path, true)) continue;
    ahead_.emplace(listing->path, listing);
    tasks_->group.run([listing, stamp_files = options_.stamp_files] {
      // Not taken by the walk in the meantime (it reads a listing inline when its task has not
      // started).
      if (listing->taken.exchange(true, std::memory_order_acq_rel)) return;
      // The walk may be waiting for this listing: it is marked ready whatever happens.
      try {
        list(*listing, stamp_files);
      } catch (const std::bad_alloc&) {
        listing->entries.clear();
        listing->error = ENOMEM;
      }
      listing->ready.store(true, std::memory_order_release);
    });
  }
}

const WalkOptions::PassOver* Walker::passed_over(std::string_view name, const std::string& path,
                                                 unsigned char type) const {
  if (type != DT_REG && type != DT_UNKNOWN) return nullptr;
  for (const WalkOptions::PassOver& over : options_.pass_over) {
    if (over.name != name) continue;
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0 && info.st_dev == over.device && info.st_ino == over.inode) return &over;
  }
  return nullptr;
}

std::optional<WalkEntry> Walker::next() {
  for (;;) {
    if (stack_.empty()) {
      if (next_root_ >= roots_.size()) {
        finish();
        return std::nullopt;
      }
      // join() writes children of "." without a "./" prefix.
      root_prefix_ = roots_[next_root_] == "." ? std::string() : roots_[next_root_];
      if (!root_prefix_.empty() && root_prefix_.back() != '/') root_prefix_.push_back('/');
      if (auto entry = visit_root(roots_[next_root_++])) return entry;
      continue;
    }
    Directory& top = stack_.back();
    if (top.position == top.entries.size()) {
      active_.erase(top.id);
      stack_.pop_back();
      continue;
    }
    auto [name, type, stamp] = std::move(top.entries[top.position++]);
    std::string path = join(top.path, name.c_str());
    if (type == DT_UNKNOWN && (top.store != Store::kNone || top.git_dir)) {
      struct stat info {};
      if (::lstat(path.c_str(), &info) == 0) type = type_of(info.st_mode);
    }
    if (top.store != Store::kNone && type != DT_DIR && git_store_file(top.store, name)) continue;
    if (type == DT_DIR && !options_.find_repositories && name == ".git") {
      return make(WalkEntry::Kind::kSkipped, std::move(path), "git directory (object store not scanned as files)");
    }
    if (type == DT_DIR) {
      // `top` may move when a directory is pushed: its store is read first.
      if (const Store store = child_store(top, name); store != Store::kNone) {
        if (options_.filter && filtered_out(path, true)) continue;
        if (auto entry = enter_directory(path, store)) return entry;
        continue;
      }
    }
    if (const WalkOptions::PassOver* over = passed_over(name, path, type)) {
      return make(WalkEntry::Kind::kSkipped, std::move(path), over->reason);
    }
    if (auto entry = visit_child(path, type, stamp)) return entry;
  }
}

std::optional<WalkEntry> Walker::visit_root(const std::string& root) {
  if (root == "-") return make(WalkEntry::Kind::kStream, root);
  struct stat info {};
  if (::stat(root.c_str(), &info) != 0) {
    const int e = errno;
    struct stat link {};
    if (e == ENOENT && ::lstat(root.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      return make(WalkEntry::Kind::kError, root, "broken symbolic link");
    }
    if (e == ELOOP) return make(WalkEntry::Kind::kError, root, "symbolic link loop");
    return make(WalkEntry::Kind::kError, root, describe_errno(e));
  }
  if (S_ISDIR(info.st_mode)) return enter_directory(root);
  if (S_ISREG(info.st_mode)) return make(WalkEntry::Kind::kFile, root);
  if (S_ISFIFO(info.st_mode)) return make(WalkEntry::Kind::kStream, root);
  return make(WalkEntry::Kind::kSkipped, root, special_kind(info.st_mode));
}

std::optional<WalkEntry> Walker::visit_child(const std::string& path, unsigned char type,
                                             const std::optional<FileStamp>& stamp) {
  if (type == DT_UNKNOWN) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
      const int e = errno;
      if (e == ENOENT) return make(WalkEntry::Kind::kError, path, "vanished during the scan");
      return make(WalkEntry::Kind::kError, path, describe_errno(e));
    }
    type = type_of(info.st_mode);
  }
  if (type == DT_LNK) {
    if (!options_.follow_symlinks) return make(WalkEntry::Kind::kSkipped, path, "symbolic link not followed");
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0) {
      const int e = errno;
      if (e == ENOENT) return make(WalkEntry::Kind::kError, path, "broken symbolic link");
      if (e == ELOOP) return make(WalkEntry::Kind::kError, path, "symbolic link loop");
      return make(WalkEntry::Kind::kError, path, describe_errno(e));
    }
    type = type_of(target.st_mode);
    if (type == DT_LNK) type = DT_UNKNOWN;
  }
  if (options_.filter && (type == DT_DIR || type == DT_REG) && filtered_out(path, type == DT_DIR)) {
    return std::nullopt;
  }
  switch (type) {
    case DT_DIR:
      return enter_directory(path);
    case DT_REG: {
      WalkEntry entry = make(WalkEntry::Kind::kFile, path);
      entry.stamp = stamp;
      return entry;
    }
    case DT_FIFO:
      return make(WalkEntry::Kind::kSkipped, path, "a FIFO (not opened, so the scan cannot block on it)");
    case DT_SOCK:
      return make(WalkEntry::Kind::kSkipped, path, "a socket");
    case DT_CHR:
      return make(WalkEntry::Kind::kSkipped, path, "a character device");
    case DT_BLK:
      return make(WalkEntry::Kind::kSkipped, path, "a block device");
    default:
      return make(WalkEntry::Kind::kSkipped, path, "not a regular file");
  }
}

bool Walker::filtered_out(const std::string& path, bool directory) const {
  if (path.size() <= root_prefix_.size() || path.compare(0, root_prefix_.size(), root_prefix_) != 0) return false;
  return options_.filter->excluded(std::string_view(path).substr(root_prefix_.size()), directory);
}

std::optional<WalkEntry> Walker::enter_directory(const std::string& path, Store store) {
  std::shared_ptr<Listing> listing;
  if (auto ahead = ahead_.find(path); ahead != ahead_.end()) {
    // A listing whose task has not started is read here (the task then does nothing); one
    // being read by its task, on another thread, is waited for: a directory is listed (and its
    // files stamped) once.
    if (ahead->second->taken.exchange(true, std::memory_order_acq_rel)) {
      while (!ahead->second->ready.load(std::memory_order_acquire)) std::this_thread::yield();
      listing = std::move(ahead->second);
    }
    ahead_.erase(ahead);
  }
  if (!listing) {
    listing = std::make_shared<Listing>();
    listing->path = path;
    list(*listing, options_.stamp_files);
  }
  if (listing->error != 0) {
    if (listing->error == ENOENT) return make(WalkEntry::Kind::kError, path, "vanished during the scan");
    return make(WalkEntry::Kind::kError, path, describe_errno(listing->error));
  }
  if (active_.count(listing->id) != 0) return make(WalkEntry::Kind::kError, path, "symbolic link loop");
  if (store == Store::kNone && options_.find_repositories && looks_like_git_dir(listing->entries)) {
    // The history covers the objects git wrote; everything else in a git directory is walked
    // as files: config (a remote URL with a token), logs and COMMIT_EDITMSG (commit messages),
    // hooks, packed-refs, a file put beside HEAD or among the objects, and modules/
    // (submodules' own git directories).
    Directory git_dir;
    git_dir.path = path;
    git_dir.id = listing->id;
    git_dir.git_dir = true;
    git_dir.entries = std::move(listing->entries);
    active_.insert(git_dir.id);
    stack_.push_back(std::move(git_dir));
    return make(WalkEntry::Kind::kRepository, path);
  }

  Directory directory;
  directory.path = path;
  directory.id = listing->id;
  directory.entries = std::move(listing->entries);
  directory.store = store;
  active_.insert(directory.id);
  stack_.push_back(std::move(directory));
  if (options_.read_ahead > 0) read_ahead(stack_.back());
  return std::nullopt;
}

}  // namespace sluice::io

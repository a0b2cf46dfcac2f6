#include "io/walker.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

}  // namespace

Walker::Walker(std::vector<std::string> roots, WalkOptions options)
    : roots_(std::move(roots)), options_(options) {}

std::optional<WalkEntry> Walker::next() {
  for (;;) {
    if (stack_.empty()) {
      if (next_root_ >= roots_.size()) return std::nullopt;
      if (auto entry = visit_root(roots_[next_root_++])) return entry;
      continue;
    }
    Directory& top = stack_.back();
    if (top.position == top.entries.size()) {
      active_.erase(top.id);
      stack_.pop_back();
      continue;
    }
    auto [name, type] = std::move(top.entries[top.position++]);
    std::string path = join(top.path, name.c_str());
    if (type == DT_DIR && options_.skip_git_dirs && name == ".git") {
      return make(WalkEntry::Kind::kSkipped, std::move(path), "git directory (object store not scanned as files)");
    }
    if (auto entry = visit_child(path, type)) return entry;
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

std::optional<WalkEntry> Walker::visit_child(const std::string& path, unsigned char type) {
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
  switch (type) {
    case DT_DIR:
      return enter_directory(path);
    case DT_REG:
      return make(WalkEntry::Kind::kFile, path);
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

std::optional<WalkEntry> Walker::enter_directory(const std::string& path) {
  std::unique_ptr<DIR, DirCloser> dir(::opendir(path.c_str()));
  if (!dir) {
    const int e = errno;
    if (e == ENOENT) return make(WalkEntry::Kind::kError, path, "vanished during the scan");
    return make(WalkEntry::Kind::kError, path, describe_errno(e));
  }
  struct stat info {};
  if (::fstat(dirfd(dir.get()), &info) != 0) return make(WalkEntry::Kind::kError, path, describe_errno(errno));
  const std::pair<dev_t, ino_t> id{info.st_dev, info.st_ino};
  if (active_.count(id) != 0) return make(WalkEntry::Kind::kError, path, "symbolic link loop");

  Directory directory;
  directory.path = path;
  directory.id = id;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return make(WalkEntry::Kind::kError, path, describe_errno(errno));
      break;
    }
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    directory.entries.emplace_back(entry->d_name, entry->d_type);
  }
  active_.insert(id);
  stack_.push_back(std::move(directory));
  return std::nullopt;
}

}  // namespace sluice::io

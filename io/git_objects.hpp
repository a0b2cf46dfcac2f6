#pragma once
// A git repository as a source of bytes: every blob of its object database once (loose and
// packed, deltas resolved by libgit2), whether or not any branch, tag or commit still reaches
// it; a blob's bytes by id; and, only for the blobs a caller asks about, where they came from
// (the first commit whose tree holds them, with paths, author, date and summary).
//
// Only the repository's own objects are read: objects/info/alternates is not followed (it
// may point anywhere on the machine) and is reported instead. Ownership is not checked:
// sluice reads objects as data and runs nothing from a repository (no hooks, no filters, no
// config-driven commands), so git's safe.directory protection has nothing to protect here,
// and audits of server repositories owned by another user must work.
//
// A GitObjects is used by one thread at a time (libgit2 handles are not shared across
// threads): open one per thread to read in parallel.

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "io/error.hpp"

namespace sluice::io {

struct GitOid {
  unsigned char bytes[20] = {};
  friend bool operator==(const GitOid&, const GitOid&) = default;
  friend auto operator<=>(const GitOid&, const GitOid&) = default;
  [[nodiscard]] std::string hex() const;
};

struct GitOidHash {
  std::size_t operator()(const GitOid& oid) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, oid.bytes, sizeof h);  // object ids are uniformly distributed already
    return h;
  }
};

// Where a blob entered the history.
struct GitIntroduction {
  GitOid blob;
  std::string commit;   // hex; empty when no commit holds the blob (staged, or dangling)
  std::string path;     // in that commit's tree (or the index when staged); empty if unknown
  std::string author;   // "Name <email>"
  std::string date;     // author date, ISO 8601 with the author's UTC offset
  std::string summary;  // first line of the commit message
  bool staged = false;  // only in the index (added, not committed)
};

class GitObjects {
 public:
  // Opens the repository at `path` exactly (a worktree's top directory, its .git, or a bare
  // repository; no search upwards). The error says why it could not be opened.
  [[nodiscard]] static std::variant<GitObjects, std::string> open(const std::string& path);

  GitObjects(GitObjects&&) noexcept;
  GitObjects& operator=(GitObjects&&) noexcept;
  ~GitObjects();

  // What a report must say about this repository: a shallow clone, alternates not followed,
  // references to missing objects, an empty repository, another owner.
  [[nodiscard]] std::vector<Error> notices() const;

  // Calls `visit` once per distinct blob with its size. Returns an error text when the object
  // database could not be walked completely (the blobs visited so far stay valid).
  [[nodiscard]] std::optional<std::string> for_each_blob(
      const std::function<void(const GitOid&, std::uint64_t size)>& visit) const;

  // The blob's bytes, or an error text (missing object, corrupt pack).
  [[nodiscard]] std::variant<std::string, std::string> read_blob(const GitOid& oid) const;

  [[nodiscard]] bool contains(const GitOid& oid) const;

  // The repository's own object directory (".../objects"), where its packs are.
  [[nodiscard]] std::string objects_dir() const;

  // For each of `blobs` present in this repository: the first commit (oldest first, parents
  // before children) whose tree holds it, once per path it has there. Commits reachable from
  // any reference are searched first, then every other commit in the database (unreachable
  // ones too), then the index. Each tree is read at most once, and the search stops when
  // every blob is placed. Problems met on the way (a missing tree) are appended to `errors`.
  [[nodiscard]] std::vector<GitIntroduction> introductions(const std::vector<GitOid>& blobs,
                                                           std::vector<std::string>* errors) const;

 private:
  struct State;
  explicit GitObjects(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::io

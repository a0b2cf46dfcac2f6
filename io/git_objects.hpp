#pragma once
// Every blob in a git object database, loose and packed (deltified packs are resolved by
// libgit2), whether or not any branch, tag or commit still reaches it. Groundwork for history
// scanning (issue 4): enumeration and reading only; provenance (which commit introduced a
// blob) is a separate, lazy step.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace sluice::io {

struct GitOid {
  unsigned char bytes[20] = {};
  friend bool operator==(const GitOid&, const GitOid&) = default;
  [[nodiscard]] std::string hex() const;
};

class GitObjects {
 public:
  // Opens the repository at `path` exactly (a worktree's top directory, its .git, or a bare
  // repository; no search upwards). The error names why (not a repository, owned by another
  // user, corrupt).
  [[nodiscard]] static std::variant<GitObjects, std::string> open(const std::string& path);

  GitObjects(GitObjects&&) noexcept;
  GitObjects& operator=(GitObjects&&) noexcept;
  ~GitObjects();

  // Calls `visit` once per distinct blob with its size. Returns an error text when the object
  // database could not be walked completely (the blobs visited so far stay valid).
  [[nodiscard]] std::optional<std::string> for_each_blob(
      const std::function<void(const GitOid&, std::uint64_t size)>& visit) const;

  // The blob's bytes, or an error text (missing object, corrupt pack).
  [[nodiscard]] std::variant<std::string, std::string> read_blob(const GitOid& oid) const;

 private:
  struct State;
  explicit GitObjects(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::io

#include "io/git_objects.hpp"

#include <fmt/format.h>
#include <git2.h>

#include <cstring>
#include <unordered_set>

namespace sluice::io {
namespace {

// libgit2 is initialised once for the process and never shut down (threads may still use it).
void ensure_libgit2() {
  static const int initialised = git_libgit2_init();
  (void)initialised;
}

std::string last_error(std::string_view fallback) {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? std::string(error->message) : std::string(fallback);
}

struct RepositoryDeleter {
  void operator()(git_repository* repo) const noexcept { git_repository_free(repo); }
};
struct OdbDeleter {
  void operator()(git_odb* odb) const noexcept { git_odb_free(odb); }
};
struct OdbObjectDeleter {
  void operator()(git_odb_object* object) const noexcept { git_odb_object_free(object); }
};

struct OidHash {
  std::size_t operator()(const git_oid& oid) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, oid.id, sizeof h);
    return h;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const noexcept { return git_oid_equal(&a, &b) != 0; }
};

}  // namespace

std::string GitOid::hex() const {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

struct GitObjects::State {
  std::unique_ptr<git_repository, RepositoryDeleter> repository;
  std::unique_ptr<git_odb, OdbDeleter> odb;
};

GitObjects::GitObjects(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
GitObjects::GitObjects(GitObjects&&) noexcept = default;
GitObjects& GitObjects::operator=(GitObjects&&) noexcept = default;
GitObjects::~GitObjects() = default;

std::variant<GitObjects, std::string> GitObjects::open(const std::string& path) {
  ensure_libgit2();
  auto state = std::make_unique<State>();
  git_repository* repository = nullptr;
  if (git_repository_open_ext(&repository, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return fmt::format("not a readable git repository: {}", last_error("unknown error"));
  }
  state->repository.reset(repository);
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repository) != 0) {
    return fmt::format("git object database unreadable: {}", last_error("unknown error"));
  }
  state->odb.reset(odb);
  return GitObjects(std::move(state));
}

std::optional<std::string> GitObjects::for_each_blob(
    const std::function<void(const GitOid&, std::uint64_t size)>& visit) const {
  // An object may be both loose and packed (or in two packs): each is visited once.
  struct Walk {
    git_odb* odb;
    const std::function<void(const GitOid&, std::uint64_t)>* visit;
    std::unordered_set<git_oid, OidHash, OidEqual> seen;
    std::string error;
  } walk{state_->odb.get(), &visit, {}, {}};
  auto each = [](const git_oid* oid, void* payload) -> int {
    auto* w = static_cast<Walk*>(payload);
    if (!w->seen.insert(*oid).second) return 0;
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, w->odb, oid) != 0) {
      if (w->error.empty()) w->error = last_error("object header unreadable");
      return 0;  // go on with the other objects
    }
    if (type != GIT_OBJECT_BLOB) return 0;
    GitOid id;
    std::memcpy(id.bytes, oid->id, sizeof id.bytes);
    (*w->visit)(id, size);
    return 0;
  };
  if (git_odb_foreach(state_->odb.get(), each, &walk) != 0) {
    return fmt::format("walking the object database failed: {}", last_error("unknown error"));
  }
  if (!walk.error.empty()) return fmt::format("some objects could not be read: {}", walk.error);
  return std::nullopt;
}

std::variant<std::string, std::string> GitObjects::read_blob(const GitOid& oid) const {
  git_oid id;
  std::memcpy(id.id, oid.bytes, sizeof oid.bytes);
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, state_->odb.get(), &id) != 0) {
    return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                  fmt::format("blob {} unreadable: {}", oid.hex(), last_error("missing")));
  }
  std::unique_ptr<git_odb_object, OdbObjectDeleter> object(raw);
  const auto* data = static_cast<const char*>(git_odb_object_data(raw));
  return std::variant<std::string, std::string>(std::in_place_index<0>, data, git_odb_object_size(raw));
}

}  // namespace sluice::io

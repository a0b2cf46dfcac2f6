#include "io/git_objects.hpp"

#include <fmt/format.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <unordered_set>

#include "io/libgit2.hpp"

namespace sluice::io {
namespace {

struct OdbDeleter {
  void operator()(git_odb* odb) const noexcept { git_odb_free(odb); }
};
struct OdbObjectDeleter {
  void operator()(git_odb_object* object) const noexcept { git_odb_object_free(object); }
};
struct RevwalkDeleter {
  void operator()(git_revwalk* walk) const noexcept { git_revwalk_free(walk); }
};
struct CommitDeleter {
  void operator()(git_commit* commit) const noexcept { git_commit_free(commit); }
};
struct TreeDeleter {
  void operator()(git_tree* tree) const noexcept { git_tree_free(tree); }
};
struct IndexDeleter {
  void operator()(git_index* index) const noexcept { git_index_free(index); }
};
struct ReferenceIteratorDeleter {
  void operator()(git_reference_iterator* it) const noexcept { git_reference_iterator_free(it); }
};
struct ReferenceDeleter {
  void operator()(git_reference* ref) const noexcept { git_reference_free(ref); }
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

GitOid to_oid(const git_oid& id) {
  GitOid out;
  std::memcpy(out.bytes, id.id, sizeof out.bytes);
  return out;
}

git_oid to_git(const GitOid& oid) {
  git_oid out;
  std::memcpy(out.id, oid.bytes, sizeof oid.bytes);
  return out;
}

std::string hex_of(const git_oid& id) {
  char text[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(text, sizeof text, &id);
  return text;
}

// "2023-04-05T06:07:08+02:00": the author's own clock, as git shows it.
std::string iso_date(const git_time& when) {
  const std::time_t local = static_cast<std::time_t>(when.time) + static_cast<std::time_t>(when.offset) * 60;
  std::tm parts{};
  gmtime_r(&local, &parts);
  const int offset = when.offset < 0 ? -when.offset : when.offset;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}", parts.tm_year + 1900, parts.tm_mon + 1,
                     parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, when.offset < 0 ? '-' : '+', offset / 60,
                     offset % 60);
}

std::string directory_of(const char* path) {
  std::string out = path != nullptr ? path : "";
  if (!out.empty() && out.back() != '/') out.push_back('/');
  return out;
}

}  // namespace

std::string GitOid::hex() const {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

struct GitObjects::State {
  std::unique_ptr<git_repository, RepositoryDeleter> repository;
  std::unique_ptr<git_odb, OdbDeleter> odb;
  std::string common_dir;  // with a trailing '/'
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
    return fmt::format("not a readable git repository: {}", libgit2_error("unknown error"));
  }
  state->repository.reset(repository);
  state->common_dir = directory_of(git_repository_commondir(repository));
  // The repository's own loose objects and packs, without its alternates (see the header).
  const std::string objects = state->common_dir + "objects";
  git_odb* odb = nullptr;
  if (git_odb_new(&odb) != 0) return fmt::format("git object database: {}", libgit2_error("unknown error"));
  state->odb.reset(odb);
  git_odb_backend* packed = nullptr;
  git_odb_backend* loose = nullptr;
  if (git_odb_backend_pack(&packed, objects.c_str()) != 0 || git_odb_add_backend(odb, packed, 2) != 0 ||
      git_odb_backend_loose(&loose, objects.c_str(), -1, 0, 0, 0) != 0 || git_odb_add_backend(odb, loose, 1) != 0) {
    return fmt::format("git object database unreadable: {}", libgit2_error("unknown error"));
  }
  if (git_repository_set_odb(repository, odb) != 0) {
    return fmt::format("git object database unreadable: {}", libgit2_error("unknown error"));
  }
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
      if (w->error.empty()) w->error = libgit2_error("object header unreadable");
      return 0;  // go on with the other objects
    }
    if (type != GIT_OBJECT_BLOB) return 0;
    GitOid id;
    std::memcpy(id.bytes, oid->id, sizeof id.bytes);
    (*w->visit)(id, size);
    return 0;
  };
  if (git_odb_foreach(state_->odb.get(), each, &walk) != 0) {
    return fmt::format("walking the object database failed: {}", libgit2_error("unknown error"));
  }
  if (!walk.error.empty()) return fmt::format("some objects could not be read: {}", walk.error);
  return std::nullopt;
}

std::variant<std::string, std::string> GitObjects::read_blob(const GitOid& oid) const {
  git_oid id;
  std::memcpy(id.id, oid.bytes, sizeof oid.bytes);
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, state_->odb.get(), &id) != 0) {
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, fmt::format("blob {} unreadable: {}", oid.hex(), libgit2_error("missing")));
  }
  std::unique_ptr<git_odb_object, OdbObjectDeleter> object(raw);
  const auto* data = static_cast<const char*>(git_odb_object_data(raw));
  return std::variant<std::string, std::string>(std::in_place_index<0>, data, git_odb_object_size(raw));
}

std::string GitObjects::objects_dir() const { return state_->common_dir + "objects"; }

bool GitObjects::contains(const GitOid& oid) const {
  const git_oid id = to_git(oid);
  return git_odb_exists(state_->odb.get(), &id) != 0;
}

std::vector<Error> GitObjects::notices() const {
  std::vector<Error> out;
  // The path is the caller's (the repository's name); `incomplete` false: a note.
  auto notice = [](std::string reason, bool incomplete) {
    return Error{std::string(), std::move(reason), incomplete ? Error::Kind::kIncomplete : Error::Kind::kNote};
  };
  git_repository* repository = state_->repository.get();
  if (git_repository_is_shallow(repository) == 1) {
    out.push_back(
        notice("shallow clone: commits before the shallow boundary are not in this repository and were not "
               "scanned",
               true));
  }
  std::ifstream alternates(state_->common_dir + "objects/info/alternates");
  std::size_t stores = 0;
  for (std::string line; std::getline(alternates, line);) {
    if (!line.empty() && line[0] != '#') ++stores;
  }
  if (stores > 0) {
    out.push_back(
        notice(fmt::format("objects/info/alternates names {} other object store(s), not followed: objects kept "
                           "only there were not scanned (scan the repositories they belong to)",
                           stores),
               true));
  }
  // References whose objects are missing: the history behind them cannot be read.
  std::size_t references = 0;
  git_reference_iterator* raw_iterator = nullptr;
  if (git_reference_iterator_new(&raw_iterator, repository) == 0) {
    std::unique_ptr<git_reference_iterator, ReferenceIteratorDeleter> iterator(raw_iterator);
    git_reference* raw = nullptr;
    std::size_t missing = 0;
    std::string first;
    while (git_reference_next(&raw, iterator.get()) == 0) {
      std::unique_ptr<git_reference, ReferenceDeleter> ref(raw);
      ++references;
      const git_oid* target = git_reference_target(ref.get());
      if (target != nullptr && git_odb_exists(state_->odb.get(), target) == 0) {
        if (missing++ == 0) first = fmt::format("{} -> {}", git_reference_name(ref.get()), hex_of(*target));
      }
    }
    if (missing > 0) {
      out.push_back(
          notice(fmt::format("{} reference(s) point to missing objects ({}{}): the history behind them was not "
                             "scanned",
                             missing, first, missing > 1 ? ", ..." : ""),
                 true));
    }
  } else {
    out.push_back(notice(fmt::format("references unreadable: {}", libgit2_error("unknown error")), true));
  }
  const int unborn = git_repository_head_unborn(repository);
  if (unborn < 0) {
    out.push_back(notice(fmt::format("HEAD unreadable: {}", libgit2_error("unknown error")), true));
  } else if (unborn == 1 && references == 0) {
    out.push_back(notice("empty repository (no commits)", false));
  }
  struct stat info {};
  if (::stat(state_->common_dir.c_str(), &info) == 0 && info.st_uid != ::geteuid()) {
    out.push_back(
        notice(fmt::format("owned by uid {}, not by the scanning user: read as data only (sluice runs nothing "
                           "from a repository)",
                           info.st_uid),
               false));
  }
  return out;
}

std::vector<GitIntroduction> GitObjects::introductions(const std::vector<GitOid>& blobs,
                                                       std::vector<std::string>* errors) const {
  std::unordered_set<GitOid, GitOidHash> wanted;
  for (const GitOid& blob : blobs) {
    if (contains(blob)) wanted.insert(blob);
  }
  std::vector<GitIntroduction> out;
  if (wanted.empty()) return out;
  git_repository* repository = state_->repository.get();
  auto note = [&](std::string text) {
    if (errors != nullptr) errors->push_back(std::move(text));
  };

  // A tree already read belongs to an earlier commit (commits come parents first), which was
  // searched then: it is never read again.
  std::unordered_set<git_oid, OidHash, OidEqual> seen_trees;
  std::vector<std::pair<GitOid, std::string>> found;  // in the current commit: blob, path
  std::vector<std::pair<git_oid, std::string>> pending;
  auto search_tree = [&](const git_oid& root) {
    pending.clear();
    pending.emplace_back(root, std::string());
    while (!pending.empty()) {  // a stack, not recursion: trees may nest arbitrarily deep
      auto [tree_id, prefix] = std::move(pending.back());
      pending.pop_back();
      if (!seen_trees.insert(tree_id).second) continue;
      git_tree* raw = nullptr;
      if (git_tree_lookup(&raw, repository, &tree_id) != 0) {
        note(fmt::format("tree {} unreadable: {}", hex_of(tree_id), libgit2_error("missing")));
        continue;
      }
      std::unique_ptr<git_tree, TreeDeleter> tree(raw);
      const std::size_t count = git_tree_entrycount(tree.get());
      for (std::size_t k = 0; k < count; ++k) {
        const git_tree_entry* entry = git_tree_entry_byindex(tree.get(), k);
        const git_object_t type = git_tree_entry_type(entry);
        if (type == GIT_OBJECT_BLOB) {
          const GitOid blob = to_oid(*git_tree_entry_id(entry));
          if (wanted.count(blob) != 0) found.emplace_back(blob, prefix + git_tree_entry_name(entry));
        } else if (type == GIT_OBJECT_TREE) {
          pending.emplace_back(*git_tree_entry_id(entry), prefix + git_tree_entry_name(entry) + "/");
        }
      }
    }
  };
  auto walk = [&](git_revwalk* revwalk) {
    git_oid commit_id;
    while (!wanted.empty() && git_revwalk_next(&commit_id, revwalk) == 0) {
      git_commit* raw = nullptr;
      if (git_commit_lookup(&raw, repository, &commit_id) != 0) {
        note(fmt::format("commit {} unreadable: {}", hex_of(commit_id), libgit2_error("missing")));
        continue;
      }
      std::unique_ptr<git_commit, CommitDeleter> commit(raw);
      found.clear();
      search_tree(*git_commit_tree_id(commit.get()));
      if (found.empty()) continue;
      const git_signature* author = git_commit_author(commit.get());
      const char* summary = git_commit_summary(commit.get());
      for (auto& [blob, path] : found) {
        GitIntroduction item;
        item.blob = blob;
        item.commit = hex_of(commit_id);
        item.path = std::move(path);
        if (author != nullptr) {
          item.author = fmt::format("{} <{}>", author->name != nullptr ? author->name : "",
                                    author->email != nullptr ? author->email : "");
          item.date = iso_date(author->when);
        }
        item.summary = summary != nullptr ? summary : "";
        out.push_back(std::move(item));
      }
      for (const auto& [blob, path] : found) wanted.erase(blob);
    }
  };
  auto new_walk = [&]() -> std::unique_ptr<git_revwalk, RevwalkDeleter> {
    git_revwalk* raw = nullptr;
    if (git_revwalk_new(&raw, repository) != 0) {
      note(fmt::format("history walk: {}", libgit2_error("unknown error")));
      return nullptr;
    }
    std::unique_ptr<git_revwalk, RevwalkDeleter> revwalk(raw);
    git_revwalk_sorting(revwalk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
    return revwalk;
  };

  // 1. History reachable from references (broken ones were reported by notices()).
  if (auto revwalk = new_walk()) {
    git_reference_iterator* raw_iterator = nullptr;
    if (git_reference_iterator_new(&raw_iterator, repository) == 0) {
      std::unique_ptr<git_reference_iterator, ReferenceIteratorDeleter> iterator(raw_iterator);
      const char* name = nullptr;
      while (git_reference_next_name(&name, iterator.get()) == 0) {
        if (git_revwalk_push_ref(revwalk.get(), name) != 0) git_error_clear();  // a tag of a blob, a broken ref
      }
    }
    if (git_revwalk_push_head(revwalk.get()) != 0) git_error_clear();  // unborn HEAD
    walk(revwalk.get());
  }
  // 2. Every other commit in the database: dropped branches, rewritten history, stashes.
  if (!wanted.empty()) {
    if (auto revwalk = new_walk()) {
      struct Commits {
        git_odb* odb;
        git_revwalk* walk;
      } commits{state_->odb.get(), revwalk.get()};
      git_odb_foreach(
          state_->odb.get(),
          [](const git_oid* oid, void* payload) -> int {
            auto* c = static_cast<Commits*>(payload);
            std::size_t size = 0;
            git_object_t type = GIT_OBJECT_INVALID;
            if (git_odb_read_header(&size, &type, c->odb, oid) == 0 && type == GIT_OBJECT_COMMIT) {
              if (git_revwalk_push(c->walk, oid) != 0) git_error_clear();
            }
            return 0;
          },
          &commits);
      walk(revwalk.get());
    }
  }
  // 3. Staged but never committed.
  if (!wanted.empty() && git_repository_is_bare(repository) == 0) {
    git_index* raw = nullptr;
    if (git_repository_index(&raw, repository) == 0) {
      std::unique_ptr<git_index, IndexDeleter> index(raw);
      const std::size_t count = git_index_entrycount(index.get());
      std::vector<GitOid> staged;
      for (std::size_t k = 0; k < count; ++k) {
        const git_index_entry* entry = git_index_get_byindex(index.get(), k);
        const GitOid blob = to_oid(entry->id);
        if (wanted.count(blob) == 0) continue;
        GitIntroduction item;
        item.blob = blob;
        item.path = entry->path;
        item.staged = true;
        out.push_back(std::move(item));
        staged.push_back(blob);
      }
      for (const GitOid& blob : staged) wanted.erase(blob);
    } else {
      git_error_clear();
    }
  }
  // 4. In no commit and not staged: a dangling blob, still in every copy of the database.
  for (const GitOid& blob : wanted) {
    GitIntroduction item;
    item.blob = blob;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace sluice::io

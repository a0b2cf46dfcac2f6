#include "io/git_staged.hpp"

#include <git2.h>

#include <memory>

#include "io/libgit2.hpp"

namespace sluice::io {
namespace {

struct IndexDeleter {
  void operator()(git_index* p) const noexcept { git_index_free(p); }
};
struct ObjectDeleter {
  void operator()(git_object* p) const noexcept { git_object_free(p); }
};
struct DiffDeleter {
  void operator()(git_diff* p) const noexcept { git_diff_free(p); }
};
struct BlobDeleter {
  void operator()(git_blob* p) const noexcept { git_blob_free(p); }
};

std::string last_error(const std::string& what) { return what + ": " + libgit2_error("unknown error"); }

}  // namespace

std::variant<StagedChanges, std::string> read_staged(const std::string& path) {
  ensure_libgit2();
  git_repository* raw_repository = nullptr;
  if (git_repository_open_ext(&raw_repository, path.c_str(), 0, nullptr) != 0) {
    return last_error("not a git repository");
  }
  std::unique_ptr<git_repository, RepositoryDeleter> repository(raw_repository);
  if (git_repository_is_bare(repository.get()) != 0) return std::string("a bare repository has no staging area");
  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repository.get()) != 0) return last_error("cannot read the index");
  std::unique_ptr<git_index, IndexDeleter> index(raw_index);

  // HEAD's tree; none yet in a repository without commits (everything staged is new).
  std::unique_ptr<git_object, ObjectDeleter> head_tree;
  if (git_repository_head_unborn(repository.get()) != 1) {
    git_object* raw_tree = nullptr;
    if (git_revparse_single(&raw_tree, repository.get(), "HEAD^{tree}") != 0) return last_error("cannot read HEAD");
    head_tree.reset(raw_tree);
  }
  git_diff_options options;
  git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION);
  options.flags |= GIT_DIFF_IGNORE_SUBMODULES;
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_index(&raw_diff, repository.get(), reinterpret_cast<git_tree*>(head_tree.get()), index.get(),
                             &options) != 0) {
    return last_error("cannot compare the index with HEAD");
  }
  std::unique_ptr<git_diff, DiffDeleter> diff(raw_diff);
  git_diff_find_options find;
  git_diff_find_options_init(&find, GIT_DIFF_FIND_OPTIONS_VERSION);
  find.flags = GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES;
  if (git_diff_find_similar(diff.get(), &find) != 0) return last_error("cannot detect renames");

  StagedChanges changes;
  const char* workdir = git_repository_workdir(repository.get());
  changes.workdir = workdir != nullptr ? workdir : "";
  const std::size_t count = git_diff_num_deltas(diff.get());
  for (std::size_t i = 0; i < count; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    switch (delta->status) {
      case GIT_DELTA_ADDED:
      case GIT_DELTA_MODIFIED:
      case GIT_DELTA_RENAMED:
      case GIT_DELTA_COPIED:
      case GIT_DELTA_TYPECHANGE:
        break;
      default:
        continue;
    }
    const git_diff_file& file = delta->new_file;
    if (file.mode != GIT_FILEMODE_BLOB && file.mode != GIT_FILEMODE_BLOB_EXECUTABLE) continue;
    git_blob* raw_blob = nullptr;
    if (git_blob_lookup(&raw_blob, repository.get(), &file.id) != 0) {
      return last_error(std::string("cannot read the staged blob of ") + file.path);
    }
    std::unique_ptr<git_blob, BlobDeleter> blob(raw_blob);
    const auto* bytes = static_cast<const char*>(git_blob_rawcontent(blob.get()));
    changes.files.push_back(
        StagedFile{file.path, std::string(bytes, static_cast<std::size_t>(git_blob_rawsize(blob.get())))});
  }
  return changes;
}

}  // namespace sluice::io

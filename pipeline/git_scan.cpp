#include "pipeline/git_scan.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>

#include "io/archive_format.hpp"
#include "io/git_pack.hpp"
#include "pipeline/state_store.hpp"

namespace sluice::pipeline {
namespace {

// Blobs per task: enough to amortise a task, few enough to spread a repository's big blobs.
constexpr std::size_t kBlobsPerTask = 16;

struct BlobEntry {
  io::GitOid oid;
  std::uint64_t size = 0;
  std::optional<io::PackPosition> packed;  // read with the pack reader when set
};

class RepositoryScan {
 public:
  RepositoryScan(ContentService& service, const GitScanOptions& options, const GitRepository& repository,
                 GitOutcome& out)
      : service_(service), options_(options), path_(repository.path), name_(repository.name), out_(out) {}

  void run(const std::function<bool(const io::GitOid&)>& claim_blob) {
    auto opened = io::GitObjects::open(path_);
    if (auto* error = std::get_if<std::string>(&opened)) {
      out_.issues.push_back(InputIssue{name_, *error});
      return;
    }
    io::GitObjects& objects = std::get<io::GitObjects>(opened);
    for (io::Error& notice : objects.notices()) {
      notice.path = name_;
      out_.issues.push_back(std::move(notice));
    }
    std::vector<BlobEntry> blobs;
    const auto error = objects.for_each_blob([&](const io::GitOid& oid, std::uint64_t size) {
      if (claim_blob(oid)) {
        blobs.push_back(BlobEntry{oid, size, std::nullopt});
      } else {
        ++out_.shared;
      }
    });
    if (error) out_.issues.push_back(InputIssue{name_, *error});

    // Packed blobs in pack order (a delta's base is then usually decoded just before it, and
    // still in the reading thread's cache), then loose ones.
    for (const std::string& pack : io::GitPacks::without_index(objects.objects_dir())) {
      out_.issues.push_back(
          InputIssue{name_, fmt::format("{}: a pack without its index (.idx): its objects were not scanned "
                                        "(`git index-pack` rebuilds the index)",
                                        pack)});
    }
    std::shared_ptr<const io::GitPacks> packs = io::GitPacks::open(objects.objects_dir());
    for (BlobEntry& blob : blobs) blob.packed = packs->find(blob.oid);
    std::sort(blobs.begin(), blobs.end(), [](const BlobEntry& a, const BlobEntry& b) {
      if (a.packed.has_value() != b.packed.has_value()) return a.packed.has_value();
      return a.packed && *a.packed < *b.packed;
    });
    oneapi::tbb::enumerable_thread_specific<std::unique_ptr<io::GitPackReader>> readers(
        [&] { return std::make_unique<io::GitPackReader>(packs, options_.pack_cache_bytes); });

    // libgit2 handles are used by one thread at a time: one per thread, opened on first use.
    oneapi::tbb::enumerable_thread_specific<std::optional<io::GitObjects>> handles;
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<std::size_t>(0, blobs.size(), kBlobsPerTask),
        [&](const oneapi::tbb::blocked_range<std::size_t>& range) {
          io::GitPackReader& reader = *readers.local();
          std::optional<io::GitObjects>& handle = handles.local();
          for (std::size_t k = range.begin(); k != range.end(); ++k) {
            if (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed)) return;
            if (std::chrono::steady_clock::now() > options_.deadline) {
              if (!out_of_time_.exchange(true)) {
                std::lock_guard lock(mutex_);
                out_.issues.push_back(InputIssue{name_,
                                                 "time budget for this repository exhausted (--max-input-seconds); "
                                                 "the remaining blobs were not scanned"});
              }
              return;
            }
            try {
              read_and_scan(reader, handle, blobs[k]);
            } catch (const std::bad_alloc&) {
              issue(blobs[k].oid, "out of memory while reading this blob");
            } catch (const std::exception& failure) {
              issue(blobs[k].oid, fmt::format("internal error: {}", failure.what()));
            }
          }
        });
  }

 private:
  // The pack reader first; libgit2 for loose objects and whatever the reader declines (it
  // also words the error of a corrupt object).
  void read_and_scan(io::GitPackReader& reader, std::optional<io::GitObjects>& handle, const BlobEntry& blob) {
    if (options_.state != nullptr) {
      // Scanned by an earlier run with this catalog: its matches, without reading it.
      if (auto stored = options_.state->blob(blob.oid.hex())) {
        const bool first = !options_.content.dedup || service_.claim(stored->id);
        std::lock_guard lock(mutex_);
        ++out_.blobs_scanned;
        ++out_.from_state;
        if (!first) {
          ++out_.duplicates;
          out_.blobs.push_back(GitBlobRef{blob.oid, stored->id});
        } else if (!stored->matches.empty()) {
          out_.contents.push_back(ContentRecord{stored->id, std::move(stored->matches), {}, {}});
          out_.blobs.push_back(GitBlobRef{blob.oid, stored->id});
        }
        return;
      }
    }
    if (blob.size > options_.max_blob_size) {
      issue(blob.oid, fmt::format("blob of {} bytes is over the limit of {} bytes (--max-blob-size); not scanned",
                                  blob.size, options_.max_blob_size));
      return;
    }
    if (blob.packed) {
      auto read = reader.read_blob(*blob.packed, options_.max_blob_size);
      if (read.index() == 0) {
        const io::GitPackReader::Object object = std::get<0>(std::move(read));
        scan_blob(blob, object->view());
        return;
      }
    }
    if (!handle) {
      auto reopened = io::GitObjects::open(path_);
      if (auto* failed = std::get_if<std::string>(&reopened)) {
        issue(blob.oid, fmt::format("not read: {}", *failed));
        return;
      }
      handle.emplace(std::move(std::get<io::GitObjects>(reopened)));
    }
    auto read = handle->read_blob(blob.oid);
    if (read.index() == 1) {
      issue(blob.oid, std::get<1>(std::move(read)));
      return;
    }
    scan_blob(blob, std::get<0>(read));
  }

  std::string label(const io::GitOid& oid) const { return fmt::format("{}@blob:{}", name_, oid.hex()); }

  void issue(const io::GitOid& oid, std::string reason) {
    std::lock_guard lock(mutex_);
    out_.issues.push_back(InputIssue{label(oid), std::move(reason)});
  }

  void scan_blob(const BlobEntry& blob, std::string_view bytes) {
    InputBudget budget(options_.content.archives.limits, options_.deadline, options_.stop);
    ContentScanner scanner(service_, options_.content);
    // Blobs have no path of their own: rules restricted to paths do not apply to them. The
    // blob's bytes stay valid while this thread waits for the members of an archive.
    ContentResult result = scanner.scan(Content{{label(blob.oid)}, {}, true}, bytes, budget);
    std::lock_guard lock(mutex_);
    if (result.error) out_.issues.push_back(InputIssue{label(blob.oid), std::move(*result.error)});
    if (result.duplicate) {
      // Scanned as another input (a working-tree file, an archive member): its findings, if
      // any, are placed in this history too. Counted as a blob read all the same, whichever
      // of the two came first.
      ++out_.blobs_scanned;
      ++out_.duplicates;
      out_.blobs.push_back(GitBlobRef{blob.oid, *result.content});
      if (options_.state != nullptr) options_.state->record_blob(blob.oid.hex(), *result.content, 0, nullptr);
      return;
    }
    if (!result.scanned) return;
    if (options_.state != nullptr && result.content && !result.archive && !result.error &&
        result.content->high != ~std::uint64_t{0}) {
      options_.state->record_blob(blob.oid.hex(), *result.content, result.bytes, &result.matches);
    }
    ++out_.blobs_scanned;
    out_.bytes += result.bytes;
    const ContentId id = result.content ? *result.content : service_.unique_id();
    if (result.archive) {
      ArchiveOutcome& archive = *result.archive;
      out_.archives += archive.archives;
      out_.members += archive.members;
      out_.duplicates += archive.duplicates;
      for (ContentRecord& record : archive.contents) out_.contents.push_back(std::move(record));
      for (ImageRecord& image : archive.images) out_.images.push_back(std::move(image));
      for (InputIssue& item : archive.issues) out_.issues.push_back(std::move(item));
      out_.blobs.push_back(GitBlobRef{blob.oid, id});
      return;
    }
    if (result.matches.empty()) return;
    out_.contents.push_back(ContentRecord{id, std::move(result.matches), {}, {}});
    out_.blobs.push_back(GitBlobRef{blob.oid, id});
  }

  ContentService& service_;
  const GitScanOptions& options_;
  std::string path_;
  std::string name_;
  GitOutcome& out_;
  std::mutex mutex_;
  std::atomic<bool> out_of_time_{false};
};

}  // namespace

std::string repository_name(const std::string& path) {
  std::string name = path;
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  if (name == ".git") return ".";
  if (name.size() > 5 && name.compare(name.size() - 5, 5, "/.git") == 0) name.resize(name.size() - 5);
  return name;
}

void scan_repository(ContentService& service, const GitScanOptions& options, const GitRepository& repository,
                     const std::function<bool(const io::GitOid&)>& claim_blob, GitOutcome& out) {
  RepositoryScan scan(service, options, repository, out);
  scan.run(claim_blob);
}

std::vector<GitLocated> locate_blobs(const std::vector<GitRepository>& repositories,
                                     const std::unordered_map<io::GitOid, ContentId, io::GitOidHash>& targets,
                                     std::vector<InputIssue>& issues) {
  std::vector<io::GitOid> wanted;
  wanted.reserve(targets.size());
  for (const auto& [oid, content] : targets) wanted.push_back(oid);
  std::vector<std::vector<GitLocated>> located(repositories.size());
  std::vector<std::vector<InputIssue>> problems(repositories.size());
  oneapi::tbb::parallel_for(std::size_t{0}, repositories.size(), [&](std::size_t k) {
    const std::string& name = repositories[k].name;
    try {
      auto opened = io::GitObjects::open(repositories[k].path);
      if (auto* error = std::get_if<std::string>(&opened)) {
        problems[k].push_back(InputIssue{name, fmt::format("provenance of findings not found: {}", *error)});
        return;
      }
      std::vector<std::string> errors;
      for (io::GitIntroduction& intro : std::get<io::GitObjects>(opened).introductions(wanted, &errors)) {
        GitLocated item;
        item.content = targets.at(intro.blob);
        item.git = GitRef{name,
                          std::move(intro.commit),
                          std::move(intro.author),
                          std::move(intro.date),
                          std::move(intro.summary),
                          intro.blob.hex(),
                          intro.staged};
        item.chain.push_back(intro.path.empty() ? item.git.blob : std::move(intro.path));
        located[k].push_back(std::move(item));
      }
      for (std::string& error : errors) {
        problems[k].push_back(InputIssue{name, fmt::format("history walk: {}", error)});
      }
    } catch (const std::exception& failure) {
      problems[k].push_back(InputIssue{name, fmt::format("provenance of findings not found: {}", failure.what())});
    }
  });
  std::vector<GitLocated> out;
  for (std::size_t k = 0; k < repositories.size(); ++k) {
    for (GitLocated& item : located[k]) out.push_back(std::move(item));
    for (InputIssue& item : problems[k]) issues.push_back(std::move(item));
  }
  return out;
}

}  // namespace sluice::pipeline

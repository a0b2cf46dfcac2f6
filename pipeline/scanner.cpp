#include "pipeline/scanner.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>

#include "io/container_image.hpp"
#include "io/input_file.hpp"
#include "io/walker.hpp"
#include "pipeline/archive_scan.hpp"
#include "pipeline/claim_set.hpp"
#include "pipeline/content_scan.hpp"
#include "pipeline/finding_set.hpp"
#include "pipeline/git_scan.hpp"
#include "pipeline/input_budget.hpp"
#include "pipeline/registry_source.hpp"
#include "pipeline/s3_source.hpp"
#include "pipeline/state_store.hpp"
#include "pipeline/test_paths.hpp"

namespace sluice::pipeline {
namespace {

namespace flow = oneapi::tbb::flow;

struct InputResult {
  io::WalkEntry entry;
  ContentResult content;                  // a file or a stream
  std::vector<PlacedMatch> path_matches;  // rules that match on the path alone
  std::vector<ImageRecord> images;        // an image layout's index, read from disk
  std::optional<GitOutcome> git;          // the input was a git repository
  std::optional<std::string> error;       // the input was not (completely) scanned
  bool interrupted = false;               // not scanned: the scan was stopped first
  engine::DecodeStats decoded;            // what decoding did for it
  bool from_state = false;                // its content and matches came from --state
  // Some byte ranges of a file cut for shards: the facts of each, and whether this shard counts
  // the file (it has the first range).
  std::vector<SplitRange> splits;
  bool counts_file = true;
  bool registry_blob = false;  // a blob of a registry image (named by the images, not by itself)
};

// Small inputs travel through the graph in batches so that the per-message cost of the
// flow graph is paid once per batch, not once per file.
constexpr std::size_t kBatchEntries = 32;
// A registry blob or an S3 object is downloaded at most this far ahead of its scan (per download).
constexpr std::size_t kDownloadReadAhead = std::size_t{8} << 20;
using Batch = std::vector<io::WalkEntry>;
using BatchResult = std::vector<InputResult>;

// What one worker thread owns: its matcher context and the buffer small files are read into.
struct Worker {
  std::unique_ptr<engine::ScanContext> context;
  io::ReadBuffer buffer;
};

class ScanGraph final : public ContentService {
 public:
  ScanGraph(std::shared_ptr<const engine::CompiledRules> rules, const ScanOptions& options, ScanObserver* observer)
      : rules_(std::move(rules)),
        options_(options),
        observer_(observer),
        workers_([this] {
          Worker worker{std::make_unique<engine::ScanContext>(rules_), {}};
          worker.context->set_min_confidence(options_.min_confidence);
          worker.context->set_decode_limits(options_.decode);
          return worker;
        }),
        findings_([this](std::uint32_t rule) { return rules_->rules()[rule].id; },
                  [this](std::uint32_t loser, std::uint32_t winner) { return rules_->yields(loser, winner); }) {
    // The first of two remotes mirrored at one path names it.
    for (const GitRepository& remote : options_.repositories) remotes_.emplace(remote.path, remote.name);
  }

  ScanReport run();

  engine::ScanContext& context() override { return *workers_.local().context; }
  bool claim(const ContentId& id) override { return claimed_.insert(id); }
  ContentId unique_id() override { return ContentId{~std::uint64_t{0}, next_unique_++}; }

 private:
  void read_image_layout(InputResult& result);
  void scan_registry_blob(InputResult& result, InputBudget& budget, const RegistryBlob& blob);
  void scan_s3_object(InputResult& result, InputBudget& budget, const S3Item& item);
  bool claim_named(InputResult& result, const ContentId& id, bool use_state);
  void record_named(const InputResult& result, const ContentId& id);
  ContentScanOptions content_options() const;
  InputResult process(io::WalkEntry entry);
  void scan_file(InputResult& result, InputBudget& budget);
  void scan_ranges(InputResult& result, InputBudget& budget, const ShardPlan::Split& cut);
  void scan_stream(InputResult& result, InputBudget& budget);
  void scan_git(InputResult& result, std::chrono::steady_clock::time_point deadline);
  void locate_git_findings();
  void add_path_matches(InputResult& result);
  void merge(InputResult result);

  std::shared_ptr<const engine::CompiledRules> rules_;
  const ScanOptions& options_;
  ScanObserver* observer_;
  // A worker's state is used by one running task at a time: a task that waits (the
  // segmented scan of a big file) holds none of it while waiting.
  oneapi::tbb::enumerable_thread_specific<Worker> workers_;
  ClaimSet<ContentId, ContentIdHash> claimed_;
  ClaimSet<io::GitOid, io::GitOidHash> claimed_blobs_;
  std::atomic<std::uint64_t> next_unique_{0};
  std::size_t threads_ = 1;
  ContentScanOptions content_options_;  // set by run()
  [[nodiscard]] bool stopped() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }

  std::optional<std::string> walk_error_;  // written by the serial input node

  // A repository the walk found, or the mirror of a git remote (named by its URL).
  [[nodiscard]] GitRepository repository_of(const std::string& path) const {
    const auto remote = remotes_.find(path);
    return GitRepository{path, remote != remotes_.end() ? remote->second : repository_name(path)};
  }
  std::unordered_map<std::string, std::string> remotes_;  // mirror path -> the remote's name

  // Owned by the serial merge node.
  FindingSet findings_;
  std::vector<GitRepository> repositories_;  // whose history was scanned
  std::vector<GitBlobRef> git_blobs_;        // that may need provenance
  ScanReport report_;
  std::uint64_t matches_seen_ = 0;  // for progress reports
};

InputResult ScanGraph::process(io::WalkEntry entry) {
  InputResult result;
  result.entry = std::move(entry);
  if (stopped()) {
    result.interrupted = true;
    return result;
  }
  auto deadline = std::chrono::steady_clock::time_point::max();
  if (options_.max_input_seconds > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(options_.max_input_seconds));
  }
  InputBudget budget(options_.archives, deadline, options_.stop);
  try {
    switch (result.entry.kind) {
      case io::WalkEntry::Kind::kFile:
        scan_file(result, budget);
        break;
      case io::WalkEntry::Kind::kStream:
        scan_stream(result, budget);
        break;
      case io::WalkEntry::Kind::kRepository:
        scan_git(result, deadline);
        break;
      case io::WalkEntry::Kind::kSkipped:
      case io::WalkEntry::Kind::kError:
        break;
    }
  } catch (const std::bad_alloc&) {
    result.error = "out of memory while scanning this input";
  } catch (const std::exception& error) {
    result.error = fmt::format("internal error: {}", error.what());
  }
  result.decoded = budget.decoded();
  return result;
}

ContentScanOptions ScanGraph::content_options() const {
  ContentScanOptions options;
  options.archives.limits = options_.archives;
  options.archives.segment_size = std::min<std::size_t>(options_.segment_size, std::size_t{4} << 20);
  // Enough queued segments to keep every other core busy, bounded per archive.
  options.archives.max_in_flight =
      std::max<std::size_t>(std::size_t{16} << 20, 4 * threads_ * options.archives.segment_size);
  options.archives.decompress_ahead = threads_ > 1;
  options.dedup = options_.dedup_content;
  options.split = threads_ > 1;
  options.segment_size = std::max<std::size_t>(options_.segment_size, rules_->required_overlap() * 4);
  options.chunk_size = options_.chunk_size;
  return options;
}

void ScanGraph::read_image_layout(InputResult& result) {
  const std::string& path = result.entry.path;
  const std::size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base != "index.json" && base != "manifest.json") return;
  const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  auto read = [&](const std::string& relative) -> std::optional<std::string> {
    auto opened = io::read_file(dir + "/" + relative, std::size_t{1} << 30);
    if (!std::holds_alternative<io::FileView>(opened)) return std::nullopt;
    const std::string_view bytes = std::get<io::FileView>(opened).bytes();
    if (bytes.size() > (std::size_t{4} << 20)) return std::nullopt;
    return std::string(bytes);
  };
  // index.json and manifest.json of one layout would both describe it: index.json only
  // when there is no docker manifest.
  if (base == "index.json" && read("manifest.json")) return;
  std::string error;
  std::vector<io::ImageManifest> manifests = io::read_image_manifests(read, &error);
  if (!error.empty()) result.error = fmt::format("container image metadata: {}", error);
  for (const io::ImageManifest& manifest : manifests) {
    ImageRecord image;
    image.name = manifest.name;
    auto blob = [&](const io::ImageBlob& from) {
      const std::string blob_path = dir + "/" + from.path;
      ContentId id = digest_content_id(from.digest);
      if (!io::blob_digest(from.path)) {
        // A legacy layer file: identified by its bytes, like the walk will identify it.
        auto opened = io::read_file(blob_path, options_.map_threshold);
        if (auto* view = std::get_if<io::FileView>(&opened)) id = hash_content(view->bytes());
      }
      return ImageRecord::Blob{from.digest, {blob_path}, id};
    };
    if (manifest.config) image.config = blob(*manifest.config);
    for (const io::ImageBlob& layer : manifest.layers) image.layers.push_back(blob(layer));
    result.images.push_back(std::move(image));
  }
}

// This shard's byte ranges of a file the shard plan cut: the file as a whole (its path's matches,
// its count) is the shard's with the first range.
void ScanGraph::scan_ranges(InputResult& result, InputBudget& budget, const ShardPlan::Split& cut) {
  const std::string& path = result.entry.path;
  std::vector<std::uint32_t> ranges;
  for (std::uint32_t k = 0; k < cut.shards.size(); ++k) {
    if (cut.shards[k] == options_.shard->spec().index) ranges.push_back(k);
  }
  result.counts_file = !ranges.empty() && ranges.front() == 0;
  if (result.counts_file) add_path_matches(result);
  auto opened = io::read_file(path, options_.map_threshold, &workers_.local().buffer);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  const io::FileView& view = std::get<io::FileView>(opened);
  if (view.bytes().size() != cut.file_size) {
    result.error = fmt::format("its size changed since the shard plan was made ({} bytes then, {} now): not scanned",
                               cut.file_size, view.bytes().size());
    return;
  }
  // Ranges are scanned in parallel segments: bytes in this worker's read buffer (a file below
  // the mapping threshold) are copied first, as tasks this thread runs meanwhile reuse it.
  std::string copy;
  if (!view.mapped()) copy.assign(view.bytes());
  const std::string_view bytes = view.mapped() ? view.bytes() : std::string_view(copy);
  ContentScanner scanner(*this, content_options_);
  result.content = scanner.scan_ranges(Content{{path}, path, true, std::nullopt, true}, bytes, ranges, cut.range_size,
                                       budget, result.splits);
  if (result.content.error) result.error = std::move(result.content.error);
  if (view.truncated()) result.error = "file was truncated while being scanned; part of it was not scanned";
}

void ScanGraph::scan_file(InputResult& result, InputBudget& budget) {
  const std::string& path = result.entry.path;
  if (options_.shard) {
    if (const ShardPlan::Split* cut = options_.shard->split(path)) {
      scan_ranges(result, budget, *cut);
      return;
    }
  }
  add_path_matches(result);
  read_image_layout(result);
  // Unchanged since an earlier run recorded it: its matches from the state, not read again.
  std::optional<FileStamp> stamp;
  if (options_.state) {
    stamp = result.entry.stamp ? result.entry.stamp : stamp_of(path);
    if (stamp) {
      if (auto stored = options_.state->file(path, *stamp)) {
        result.from_state = true;
        result.content.content = stored->id;
        if (options_.dedup_content && !claim(stored->id)) {
          result.content.duplicate = true;
          return;
        }
        result.content.scanned = true;
        if (stored->archive) {
          // An archive: what its members gave, none of them read again (bytes stay 0).
          result.content.archive = std::move(stored->archive);
          return;
        }
        result.content.matches = std::move(stored->matches);
        return;
      }
    }
  }
  auto opened = io::read_file(path, options_.map_threshold, &workers_.local().buffer);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  const io::FileView& view = std::get<io::FileView>(opened);
  ContentScanner scanner(*this, content_options_);
  result.content = scanner.scan(Content{{path}, path, view.mapped()}, view.bytes(), budget);
  if (result.content.error) result.error = std::move(result.content.error);
  if (view.truncated()) result.error = "file was truncated while being scanned; part of it was not scanned";
  // Recorded when scanned whole as plain bytes (or found a duplicate), and unchanged while it
  // was read.
  const ContentResult& content = result.content;
  if (stamp && (content.scanned || content.duplicate) && content.content && !content.archive && !result.error &&
      content.content->high != ~std::uint64_t{0} && stamp_of(path) == stamp) {
    options_.state->record_file(path, *stamp, *content.content, content.bytes,
                                content.duplicate ? nullptr : &content.matches);
  }
  // An archive read whole, every member scanned: its outcome, so that an unchanged archive is
  // not decompressed again.
  if (stamp && content.scanned && content.archive && content.archive->issues.empty() && content.content &&
      !result.error && content.content->high != ~std::uint64_t{0} && stamp_of(path) == stamp) {
    options_.state->record_archive(path, *stamp, *content.content, *content.archive);
  }
}

void ScanGraph::scan_stream(InputResult& result, InputBudget& budget) {
  const std::string& path = result.entry.path;
  if (options_.registry) {
    if (const RegistryBlob* blob = options_.registry->blob(path)) {
      scan_registry_blob(result, budget, *blob);
      return;
    }
  }
  if (options_.s3) {
    if (const S3Item* item = options_.s3->item(path)) {
      scan_s3_object(result, budget, *item);
      return;
    }
  }
  auto opened = io::SequentialReader::open(path, options_.stop);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  io::SequentialReader& reader = std::get<io::SequentialReader>(opened);
  const io::ReadSome read = [&reader](char* into, std::size_t capacity, std::string* error) {
    return reader.read(into, capacity, error);
  };
  ContentScanner scanner(*this, content_options_);
  result.content = scanner.scan(Content{{path}, path, false}, read, budget);
  if (result.content.error) result.error = std::move(result.content.error);
}

// A registry blob, streamed from the registry into the scanner (a layer's tar decompressed on
// the way) while its digest is computed; once per run (shared layers are claimed once).
void ScanGraph::scan_registry_blob(InputResult& result, InputBudget& budget, const RegistryBlob& blob) {
  result.registry_blob = true;
  const ContentId id = blob.id;
  // Scanned by an earlier run (--state): a digest names the bytes, so nothing is fetched.
  if (!claim_named(result, id, options_.state != nullptr)) return;
  std::string error;
  std::unique_ptr<io::HttpPull> pull = blob.client->open_blob(blob.repository, blob.blob, kDownloadReadAhead, &error);
  if (!pull) {
    result.error = std::move(error);
    return;
  }
  io::Sha256Stream digest;
  bool failed = false;
  const io::ReadSome read = [&](char* into, std::size_t capacity, std::string* why) -> std::optional<std::size_t> {
    auto n = pull->read(into, capacity, why, budget.deadline());
    if (!n) failed = true;
    if (n && *n > 0) digest.update(std::string_view(into, *n));
    return n;
  };
  ContentScanner scanner(*this, content_options_);
  result.content = scanner.scan(Content{{blob.label}, {}, false, id}, read, budget);
  if (result.content.error) {
    result.error = std::move(result.content.error);
    return;
  }
  // The scanner may stop before the end (an archive's end marker): the rest still counts for
  // the digest.
  std::string rest(std::size_t{1} << 16, '\0');
  while (!failed && !stopped()) {
    auto n = read(rest.data(), rest.size(), &error);
    if (!n) {
      result.error = error;
      return;
    }
    if (*n == 0) break;
  }
  if (failed || stopped()) return;
  if (digest.digest() != blob.blob.digest) {
    result.error =
        "the blob's content does not match its digest: its findings are reported, but it is not the blob "
        "the image names";
    return;
  }
  record_named(result, id);
}

// An object of an S3-compatible store, streamed into the scanner; not fetched at all when
// --state recorded this version of it (same key, ETag and size).
void ScanGraph::scan_s3_object(InputResult& result, InputBudget& budget, const S3Item& item) {
  const ContentScanner::FetchRange fetch = [&](std::uint64_t first, std::uint64_t last, std::string& into,
                                               std::string* why) {
    return options_.s3->read_range(item, first, last, into, why);
  };
  if (!item.ranges.empty()) {
    // This shard's ranges of a big object: the object as a whole (its path's matches, its
    // count) is the shard's with the first range.
    result.counts_file = item.ranges.front() == 0;
    if (result.counts_file) add_path_matches(result);
    ContentScanner scanner(*this, content_options_);
    result.content = scanner.scan_fetched_ranges(Content{{item.label}, item.label, false}, item.object.size,
                                                 item.ranges, item.range_size, fetch, budget, result.splits);
    if (result.content.error) result.error = std::move(result.content.error);
    return;
  }
  add_path_matches(result);
  const ContentId id = item.id;
  // Without an ETag a changed object of the same size would look unchanged: not in the state.
  const bool stateful = options_.state && !item.object.etag.empty();
  if (!claim_named(result, id, stateful)) return;
  ContentScanner scanner(*this, content_options_);
  const Content content{{item.label}, item.label, false, id};
  const std::uint64_t size = item.object.size;
  const std::size_t segment = content_options_.segment_size;
  if (content_options_.split && size > segment + segment / 2) {
    // A big object of plain bytes is read in ranges, its segments scanned across cores; one
    // that is an archive or compressed is streamed, as it can only be read in order.
    std::string head;
    std::string error;
    if (!options_.s3->read_range(item, 0, std::min<std::uint64_t>(size, io::kSniffBytes) - 1, head, &error)) {
      result.error = std::move(error);
      return;
    }
    if (!classify_content(head, content_options_.archives.limits).container()) {
      result.content = scanner.scan_fetched(content, size, fetch, budget);
      if (result.content.error) {
        result.error = std::move(result.content.error);
        return;
      }
      if (stateful) record_named(result, id);
      return;
    }
  }
  std::unique_ptr<io::HttpPull> pull = options_.s3->open(item, kDownloadReadAhead);
  std::uint64_t received = 0;
  const io::ReadSome read = [&](char* into, std::size_t capacity, std::string* why) -> std::optional<std::size_t> {
    auto n = pull->read(into, capacity, why, budget.deadline());
    if (n) received += *n;
    return n;
  };
  result.content = scanner.scan(content, read, budget);
  if (result.content.error) {
    result.error = std::move(result.content.error);
    return;
  }
  // The scanner may stop before the end (an archive's end marker): the rest is read, so that a
  // short or failed download is seen.
  std::string rest(std::size_t{1} << 16, '\0');
  std::string error;
  while (!stopped()) {
    auto n = read(rest.data(), rest.size(), &error);
    if (!n) {
      result.error = error;
      return;
    }
    if (*n == 0) break;
  }
  if (stopped()) return;
  if (received != size) {
    result.error =
        fmt::format("the object changed while it was read: {} bytes listed, {} received", item.object.size, received);
    return;
  }
  if (stateful) record_named(result, id);
}

// Claims content named by `id` (a registry blob, an S3 object): false when it need not be read,
// as a duplicate or (with `use_state`) because an earlier run recorded what it holds.
bool ScanGraph::claim_named(InputResult& result, const ContentId& id, bool use_state) {
  result.content.content = id;
  if (!claim(id)) {
    result.content.duplicate = true;
    return false;
  }
  if (!use_state) return true;
  auto stored = options_.state->named_content(id);
  if (!stored) return true;
  result.from_state = true;
  result.content.scanned = true;
  if (stored->archive) {
    result.content.archive = std::move(stored->archive);
  } else {
    result.content.matches = std::move(stored->matches);
  }
  return false;
}

// Content named by its id, read whole, every member of it scanned: recorded in the state.
void ScanGraph::record_named(const InputResult& result, const ContentId& id) {
  const ContentResult& content = result.content;
  if (options_.state && content.scanned && (!content.archive || content.archive->issues.empty())) {
    options_.state->record_named(id, content.bytes, content.archive ? nullptr : &content.matches,
                                 content.archive ? &*content.archive : nullptr);
  }
}

void ScanGraph::scan_git(InputResult& result, std::chrono::steady_clock::time_point deadline) {
  GitScanOptions options;
  options.content = content_options_;
  options.content.split = false;  // a blob's bytes may live in its reading thread's cache
  options.deadline = deadline;
  options.max_blob_size = options_.max_blob_size;
  options.stop = options_.stop;
  options.state = options_.state.get();
  // git's own default delta base cache per thread, within 1 GiB for all threads together.
  options.pack_cache_bytes =
      std::clamp<std::size_t>((std::size_t{1} << 30) / threads_, std::size_t{16} << 20, std::size_t{96} << 20);
  result.git.emplace();
  scan_repository(
      *this, options, repository_of(result.entry.path),
      [this](const io::GitOid& oid) { return !options_.dedup_content || claimed_blobs_.insert(oid); }, *result.git);
}

void ScanGraph::locate_git_findings() {
  std::unordered_map<io::GitOid, ContentId, io::GitOidHash> targets;
  for (const GitBlobRef& blob : git_blobs_) {
    if (findings_.reports(blob.content)) targets.emplace(blob.oid, blob.content);
  }
  if (targets.empty()) return;
  std::vector<InputIssue> issues;
  for (GitLocated& item : locate_blobs(repositories_, targets, issues)) {
    findings_.add_git_root(std::move(item.chain), item.content, std::move(item.git));
  }
  for (InputIssue& item : issues) {
    ++report_.stats.errors;
    if (observer_ != nullptr) observer_->on_issue(item);
    report_.issues.push_back(std::move(item));
  }
}

void ScanGraph::add_path_matches(InputResult& result) {
  for (std::size_t index : rules_->path_only_rules()) {
    const engine::CompiledRule& rule = rules_->compiled(index);
    if (rule.confidence >= options_.min_confidence && rule.path && RE2::PartialMatch(result.entry.path, *rule.path)) {
      result.path_matches.push_back(
          PlacedMatch{static_cast<std::uint32_t>(index), std::string(), 0, 0, 0, rule.confidence, {}, {}, 0});
    }
  }
}

void ScanGraph::merge(InputResult result) {
  ScanStats& stats = report_.stats;
  using Kind = InputIssue::Kind;
  auto issue = [&](std::string path, std::string reason, Kind kind) {
    if (kind == Kind::kIncomplete) ++stats.errors;
    if (kind == Kind::kSkipped) ++stats.skipped;  // a note is counted nowhere: nothing was skipped
    InputIssue item{std::move(path), std::move(reason), kind};
    if (observer_ != nullptr) observer_->on_issue(item);
    report_.issues.push_back(std::move(item));
  };
  if (result.interrupted) return;  // the summary says the scan was interrupted
  switch (result.entry.kind) {
    case io::WalkEntry::Kind::kSkipped:
      issue(result.entry.path, result.entry.reason, Kind::kSkipped);
      return;
    case io::WalkEntry::Kind::kError:
      issue(result.entry.path, result.entry.reason, Kind::kIncomplete);
      return;
    default:
      break;
  }
  if (result.git) {
    GitOutcome& git = *result.git;
    ++stats.repositories;
    stats.blobs += git.blobs_scanned;
    stats.from_state += git.from_state;
    stats.bytes += git.bytes;
    stats.archives += git.archives;
    stats.members += git.members;
    stats.duplicates += git.duplicates;
    repositories_.push_back(repository_of(result.entry.path));
    for (ContentRecord& record : git.contents) findings_.add_content(std::move(record));
    for (ImageRecord& image : git.images) {
      ++stats.images;
      findings_.add_image(std::move(image));
    }
    for (GitBlobRef& blob : git.blobs) git_blobs_.push_back(blob);
    for (InputIssue& item : git.issues) issue(std::move(item.path), std::move(item.reason), item.kind);
    return;
  }
  const std::vector<std::string> chain{result.entry.path};
  ContentResult& content = result.content;
  // Files read, the duplicates among them too: which of two identical inputs is scanned and
  // which is the duplicate depends on timing, their number does not.
  if ((content.scanned || content.duplicate) && result.counts_file) ++stats.files;
  for (SplitRange& range : result.splits) report_.splits.push_back(std::move(range));
  if (content.scanned) stats.bytes += content.bytes;
  if (result.from_state) ++stats.from_state;
  matches_seen_ += content.matches.size() + result.path_matches.size();
  findings_.add(chain, result.path_matches);
  for (ImageRecord& image : result.images) {
    ++stats.images;
    findings_.add_image(std::move(image));
  }
  if (content.archive) {
    ArchiveOutcome& archive = *content.archive;
    stats.archives += archive.archives;
    stats.members += archive.members;
    stats.duplicates += archive.duplicates;
    for (ContentRecord& record : archive.contents) {
      matches_seen_ += record.matches.size();
      findings_.add_content(std::move(record));
    }
    for (ImageRecord& image : archive.images) {
      ++stats.images;
      findings_.add_image(std::move(image));
    }
    for (InputIssue& item : archive.issues) issue(std::move(item.path), std::move(item.reason), item.kind);
  }
  // A sharded scan records the share of each top-level content it scanned (unique ids, of
  // streams and --no-dedup, are no content's: no other shard can have them).
  if (options_.shard && content.scanned && !content.duplicate && content.content &&
      content.content->high != ~std::uint64_t{0}) {
    InputShare share{content.content->high, content.content->low, {}};
    share.stats.bytes = content.bytes;
    share.stats.images = result.images.size();
    if (content.archive) {
      share.stats.archives = content.archive->archives;
      share.stats.members = content.archive->members;
      share.stats.duplicates = content.archive->duplicates;
      share.stats.images += content.archive->images.size();
    }
    share.stats.decoded = result.decoded;
    report_.shares.push_back(share);
  }
  if (result.registry_blob) {
    // Reported through the images that name it (added at the start of the run).
    if (content.duplicate) ++stats.duplicates;
    if (content.scanned && content.content && !content.archive) {
      findings_.add_content(ContentRecord{*content.content, std::move(content.matches), {}, {}});
    }
  } else if (content.duplicate) {
    ++stats.duplicates;
    findings_.add_root(chain, *content.content);
  } else if (content.content) {
    if (!content.archive) findings_.add_content(ContentRecord{*content.content, std::move(content.matches), {}, {}});
    findings_.add_root(chain, *content.content);
  } else {
    findings_.add(chain, content.matches);
  }
  if (result.error) {
    issue(result.entry.kind == io::WalkEntry::Kind::kRepository ? repository_of(result.entry.path).name
                                                                : result.entry.path,
          *result.error, Kind::kIncomplete);
  }
  if (observer_ != nullptr) {
    observer_->on_progress(ScanProgress{stats.files + stats.members, stats.bytes, matches_seen_, result.entry.path});
  }
}

ScanReport ScanGraph::run() {
  const auto started = std::chrono::steady_clock::now();
  threads_ = options_.threads != 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  content_options_ = content_options();
  oneapi::tbb::global_control parallelism(oneapi::tbb::global_control::max_allowed_parallelism, threads_);
  if (options_.registry) {
    for (const ImageRecord& image : options_.registry->images()) {
      ++report_.stats.images;
      findings_.add_image(image);
    }
  }
  for (const InputIssue& item : options_.issues) {
    if (item.incomplete()) ++report_.stats.errors;
    if (item.skipped()) ++report_.stats.skipped;
    if (observer_ != nullptr) observer_->on_issue(item);
    report_.issues.push_back(item);
  }
  const std::size_t in_flight = options_.max_in_flight != 0 ? options_.max_in_flight : 2 * threads_;

  // Reading directory listings ahead only pays when another thread can do it.
  io::WalkOptions walk{options_.follow_symlinks, options_.git_history, threads_ > 1 ? 64u : 0u};
  walk.filter = options_.path_filter;
  walk.pass_over = options_.pass_over;
  walk.stamp_files = options_.state != nullptr;
  io::Walker walker(options_.planned ? std::vector<std::string>{} : options_.roots, walk);
  std::size_t next_planned = 0;
  // The next input of the walk: from the shard plan's walk, or from this walk.
  const auto next_walked = [&]() -> std::optional<io::WalkEntry> {
    if (!options_.planned) return walker.next();
    if (next_planned == options_.planned->size()) return std::nullopt;
    io::WalkEntry entry = (*options_.planned)[next_planned++];
    if (entry.kind == io::WalkEntry::Kind::kFile) {
      // The earlier report that -o replaces, as the walk passes it over.
      const std::string_view name = std::string_view(entry.path).substr(entry.path.rfind('/') + 1);
      for (const io::WalkOptions::PassOver& over : options_.pass_over) {
        struct stat info {};
        if (over.name == name && ::lstat(entry.path.c_str(), &info) == 0 && info.st_dev == over.device &&
            info.st_ino == over.inode) {
          entry = io::WalkEntry{io::WalkEntry::Kind::kSkipped, std::move(entry.path), over.reason};
          break;
        }
      }
    }
    return entry;
  };
  std::size_t next_remote = 0;
  std::size_t next_blob = 0;
  std::size_t next_object = 0;
  bool walked = false;
  // The next input: from the shard plan's walk, or from this walk; then the mirrors of git
  // remotes (which the caller shared out between shards: `remote` is set).
  const auto next_entry = [&](bool& remote) -> std::optional<io::WalkEntry> {
    remote = false;
    if (!walked) {
      auto entry = next_walked();
      if (entry) return entry;
      walked = true;
    }
    remote = true;
    if (next_remote < options_.repositories.size()) {
      return io::WalkEntry{io::WalkEntry::Kind::kRepository, options_.repositories[next_remote++].path, {}};
    }
    if (options_.registry && next_blob < options_.registry->blobs().size()) {
      return io::WalkEntry{io::WalkEntry::Kind::kStream, options_.registry->blobs()[next_blob++].label, {}};
    }
    if (options_.s3 && next_object < options_.s3->items().size()) {
      return io::WalkEntry{io::WalkEntry::Kind::kStream, options_.s3->items()[next_object++].label, {}};
    }
    return std::nullopt;
  };
  flow::graph graph;
  flow::input_node<Batch> source(graph, [&](oneapi::tbb::flow_control& control) -> Batch {
    Batch batch;
    if (stopped()) {
      walker.finish();
      control.stop();
      return batch;
    }
    try {
      while (batch.size() < kBatchEntries) {
        bool remote = false;
        auto entry = next_entry(remote);
        if (!entry) break;
        if (!remote && options_.shard && !options_.shard->mine(entry->path)) continue;  // another shard's
        batch.push_back(std::move(*entry));
      }
    } catch (const std::exception& error) {
      // Out of memory listing a gigantic directory: the rest of the walk is lost.
      walk_error_ = error.what();
      walker.finish();
      batch.clear();
    }
    if (batch.empty()) control.stop();
    return batch;
  });
  // Back-pressure: at most `in_flight` batches between the walk and the merge, so memory
  // stays bounded whatever the size of the tree.
  flow::limiter_node<Batch> limiter(graph, in_flight);
  flow::function_node<Batch, BatchResult> scan(graph, threads_, [this](Batch batch) {
    // Entries of a batch are split across idle cores: a batch may hold several big archives
    // (each decompressed by one thread), and the walk may have no more batches to give.
    BatchResult results(batch.size());
    oneapi::tbb::parallel_for(std::size_t{0}, batch.size(),
                              [&](std::size_t k) { results[k] = process(std::move(batch[k])); });
    return results;
  });
  flow::function_node<BatchResult, flow::continue_msg> merge_node(graph, flow::serial, [this](BatchResult results) {
    for (InputResult& result : results) merge(std::move(result));
    return flow::continue_msg();
  });
  flow::make_edge(source, limiter);
  flow::make_edge(limiter, scan);
  flow::make_edge(scan, merge_node);
  flow::make_edge(merge_node, limiter.decrementer());
  source.activate();
  graph.wait_for_all();

  if (walk_error_) {
    ++report_.stats.errors;
    InputIssue item{options_.roots.empty() ? std::string(".") : options_.roots.front(),
                    fmt::format("directory walk stopped: {}", *walk_error_)};
    if (observer_ != nullptr) observer_->on_issue(item);
    report_.issues.push_back(std::move(item));
  }
  report_.stats.interrupted = stopped();
  for (Worker& worker : workers_) report_.stats.decoded += worker.context->decode_stats();
  locate_git_findings();
  report_.findings = findings_.take();
  if (options_.state) {
    try {
      options_.state->commit();
    } catch (const StateError& error) {
      // The findings stand; the next run scans again what this one could not record.
      report_.issues.push_back(
          InputIssue{"--state", fmt::format("not updated: {}", error.what()), InputIssue::Kind::kNote});
    }
    if (options_.new_only) std::erase_if(report_.findings, [](const Finding& f) { return !f.fresh; });
  }
  if (options_.demote_test_and_docs) {
    report_.stats.hidden_in_tests_or_docs =
        demote_test_and_docs_findings(report_.findings, options_.roots, options_.min_confidence);
  }
  report_.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::move(report_);
}

}  // namespace

ScanReport run_scan(std::shared_ptr<const engine::CompiledRules> rules, const ScanOptions& options,
                    ScanObserver* observer) {
  ScanGraph graph(std::move(rules), options, observer);
  return graph.run();
}

}  // namespace sluice::pipeline

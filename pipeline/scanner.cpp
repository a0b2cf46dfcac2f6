#include "pipeline/scanner.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/concurrent_unordered_set.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <thread>
#include <variant>

#include "engine/stream_scanner.hpp"
#include "io/archive_format.hpp"
#include "io/container_image.hpp"
#include "io/decompressor.hpp"
#include "io/input_file.hpp"
#include "io/walker.hpp"
#include "pipeline/archive_scan.hpp"
#include "pipeline/finding_set.hpp"
#include "pipeline/git_scan.hpp"
#include "pipeline/line_positions.hpp"
#include "pipeline/test_paths.hpp"

namespace sluice::pipeline {
namespace {

namespace flow = oneapi::tbb::flow;

// When the scan of one input must end early: a stop request (signal) or its time budget.
struct Budget {
  const std::atomic<bool>* stop = nullptr;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  [[nodiscard]] bool stopped() const { return stop != nullptr && stop->load(std::memory_order_relaxed); }
  [[nodiscard]] bool out_of_time() const { return std::chrono::steady_clock::now() > deadline; }
  [[nodiscard]] bool exhausted() const { return stopped() || out_of_time(); }
  // Why the input was cut short (for its message).
  [[nodiscard]] std::string reason() const {
    return stopped() ? "interrupted"
                     : "time budget for this input exhausted (--max-input-seconds); the rest was not scanned";
  }
};

struct InputResult {
  io::WalkEntry entry;
  std::optional<ContentId> content;
  bool duplicate = false;
  bool scanned = false;
  std::uint64_t bytes = 0;
  std::vector<PlacedMatch> matches;
  std::vector<PlacedMatch> path_matches;  // rules that match on the path alone
  std::optional<std::string> error;       // the input was not (completely) scanned
  std::optional<ArchiveOutcome> archive;  // the input was an archive or compressed stream
  std::vector<ImageRecord> images;        // an image layout's index, read from disk
  std::optional<GitOutcome> git;          // the input was a git repository
  bool interrupted = false;               // not scanned: the scan was stopped first
  Budget budget;                          // when to give up on this input
};

// Small inputs travel through the graph in batches so that the per-message cost of the
// flow graph is paid once per batch, not once per file.
constexpr std::size_t kBatchEntries = 32;
using Batch = std::vector<io::WalkEntry>;
using BatchResult = std::vector<InputResult>;

// Inputs larger than this are fed block by block, each block's newlines counted while hot.
constexpr std::size_t kLineBlock = std::size_t{1} << 20;

// Feeds bytes[from, to) to one stream whose owned range is (begin, end], counting the newlines
// of each block of [begin, end) right after Hyperscan has read it. `begin` is a multiple of
// the stride. Stops early (false) when the budget is exhausted.
bool scan_counting_lines(engine::ScanContext& context, std::string_view bytes, std::string_view path, std::size_t from,
                         std::size_t begin, std::size_t end, std::size_t to, BlockLineCounts& counts,
                         std::vector<engine::Match>& out, const Budget& budget) {
  engine::StreamScanner scanner(context, path, out, from, engine::OwnedRange{begin, end});
  bool ok = scanner.feed(bytes.substr(from, begin - from));
  for (std::size_t at = begin; ok && at < end; at += counts.stride) {
    if (budget.exhausted()) return false;
    const std::string_view block = bytes.substr(at, std::min(counts.stride, end - at));
    ok = scanner.feed(block);
    counts.newlines[at / counts.stride] = static_cast<std::uint64_t>(std::count(block.begin(), block.end(), '\n'));
  }
  return ok && scanner.feed(bytes.substr(end, to - end)) && scanner.finish();
}

// The content id of a big input, hashed segment by segment on every core (the first touch of
// a mapped file's pages is then spread across cores too); nullopt when the budget ran out
// (hashing a huge file must end promptly on a signal or at the deadline too).
std::optional<ContentId> parallel_content_id(std::string_view bytes, std::size_t segment, const Budget& budget) {
  const std::size_t count = (bytes.size() + segment - 1) / segment;
  std::vector<XXH128_hash_t> digests(count);
  std::atomic<bool> cut{false};
  oneapi::tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
    if (cut.load(std::memory_order_relaxed) || budget.exhausted()) {
      cut.store(true, std::memory_order_relaxed);
      return;
    }
    const std::string_view part = bytes.substr(k * segment, segment);
    digests[k] = XXH3_128bits(part.data(), part.size());
  });
  if (cut.load()) return std::nullopt;
  const XXH128_hash_t hash = XXH3_128bits(digests.data(), digests.size() * sizeof(XXH128_hash_t));
  return ContentId{hash.high64, hash.low64};
}

// hash_content() in 64 MiB blocks, the budget checked between them; nullopt when it ran out.
std::optional<ContentId> hash_within(std::string_view bytes, const Budget& budget) {
  constexpr std::size_t kBlock = std::size_t{64} << 20;
  if (bytes.size() <= kBlock) return hash_content(bytes);
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state) throw std::bad_alloc();
  XXH3_128bits_reset(state.get());
  for (std::size_t at = 0; at < bytes.size(); at += kBlock) {
    if (budget.exhausted()) return std::nullopt;
    const std::string_view block = bytes.substr(at, kBlock);
    XXH3_128bits_update(state.get(), block.data(), block.size());
  }
  const XXH128_hash_t hash = XXH3_128bits_digest(state.get());
  return ContentId{hash.high64, hash.low64};
}

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
          return worker;
        }),
        findings_([this](std::uint32_t rule) { return rules_->rules()[rule].id; },
                  [this](std::uint32_t loser, std::uint32_t winner) { return rules_->yields(loser, winner); }) {}

  ScanReport run();

  engine::ScanContext& context() override { return *workers_.local().context; }
  bool claim(const ContentId& id) override { return claimed_.insert(id).second; }
  ContentId unique_id() override { return ContentId{~std::uint64_t{0}, next_unique_++}; }

 private:
  // nullopt: the budget ran out while hashing.
  std::optional<ContentId> content_id_of(const std::string& path, std::string_view bytes, bool split,
                                         std::size_t segment, const Budget& budget = {}) const;
  bool scan_archive_file(InputResult& result, std::string_view bytes, bool mapped);
  void read_image_layout(InputResult& result);
  ArchiveScanOptions archive_options(const Budget& budget) const;
  InputResult process(io::WalkEntry entry);
  void scan_file(InputResult& result);
  void scan_stream(InputResult& result);
  void scan_git(InputResult& result);
  void locate_git_findings();
  void add_path_matches(InputResult& result);
  void merge(InputResult result);

  std::shared_ptr<const engine::CompiledRules> rules_;
  const ScanOptions& options_;
  ScanObserver* observer_;
  // A worker's state is used by one running task at a time: a task that waits (the
  // segmented scan of a big file) holds none of it while waiting.
  oneapi::tbb::enumerable_thread_specific<Worker> workers_;
  oneapi::tbb::concurrent_unordered_set<ContentId, ContentIdHash> claimed_;
  oneapi::tbb::concurrent_unordered_set<io::GitOid, io::GitOidHash> claimed_blobs_;
  std::atomic<std::uint64_t> next_unique_{0};
  std::size_t threads_ = 1;
  [[nodiscard]] bool stopped() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }

  std::optional<std::string> walk_error_;  // written by the serial input node

  // Owned by the serial merge node.
  FindingSet findings_;
  std::vector<std::string> repositories_;  // whose history was scanned
  std::vector<GitBlobRef> git_blobs_;      // that may need provenance
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
  result.budget.stop = options_.stop;
  if (options_.max_input_seconds > 0) {
    result.budget.deadline =
        std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                               std::chrono::duration<double>(options_.max_input_seconds));
  }
  try {
    switch (result.entry.kind) {
      case io::WalkEntry::Kind::kFile:
        scan_file(result);
        break;
      case io::WalkEntry::Kind::kStream:
        scan_stream(result);
        break;
      case io::WalkEntry::Kind::kRepository:
        scan_git(result);
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
  return result;
}

std::optional<ContentId> ScanGraph::content_id_of(const std::string& path, std::string_view bytes, bool split,
                                                  std::size_t segment, const Budget& budget) const {
  // Image blobs are named by their digest: the name is the content id, and the same blob in
  // a layout directory and in an image tarball is one content.
  if (auto digest = io::blob_digest(path)) return digest_content_id(*digest);
  return split ? parallel_content_id(bytes, segment, budget) : hash_within(bytes, budget);
}

ArchiveScanOptions ScanGraph::archive_options(const Budget& budget) const {
  ArchiveScanOptions options;
  options.limits = options_.archives;
  options.dedup = options_.dedup_content;
  options.segment_size = std::min<std::size_t>(options_.segment_size, std::size_t{4} << 20);
  // Enough queued segments to keep every other core busy, bounded per archive.
  options.max_in_flight = std::max<std::size_t>(std::size_t{16} << 20, 4 * threads_ * options.segment_size);
  options.decompress_ahead = threads_ > 1;
  options.stop = options_.stop;
  options.deadline = budget.deadline;
  return options;
}

bool ScanGraph::scan_archive_file(InputResult& result, std::string_view bytes, bool mapped) {
  const std::string& path = result.entry.path;
  const std::optional<ContentId> hashed =
      options_.dedup_content ? content_id_of(path, bytes, false, 0, result.budget) : unique_id();
  if (!hashed) {
    result.error = result.budget.reason();
    return false;
  }
  const ContentId id = *hashed;
  result.content = id;
  if (options_.dedup_content && !claim(id)) {
    result.duplicate = true;
    return true;
  }
  result.scanned = true;
  // This thread runs other tasks while it waits for the member scans: a view into the
  // worker's read buffer could be overwritten meanwhile.
  std::string copy;
  if (!mapped) copy.assign(bytes);
  result.archive.emplace();
  scan_archive(*this, archive_options(result.budget), {path}, id, mapped ? bytes : std::string_view(copy),
               *result.archive);
  result.bytes = result.archive->bytes;
  return true;
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
        if (auto* view = std::get_if<io::FileView>(&opened)) id = *content_id_of(blob_path, view->bytes(), false, 0);
      }
      return ImageRecord::Blob{from.digest, {blob_path}, id};
    };
    if (manifest.config) image.config = blob(*manifest.config);
    for (const io::ImageBlob& layer : manifest.layers) image.layers.push_back(blob(layer));
    result.images.push_back(std::move(image));
  }
}

void ScanGraph::scan_file(InputResult& result) {
  const std::string& path = result.entry.path;
  add_path_matches(result);
  read_image_layout(result);
  auto opened = io::read_file(path, options_.map_threshold, &workers_.local().buffer);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  const io::FileView& view = std::get<io::FileView>(opened);
  const std::string_view bytes = view.bytes();
  const ContentKind kind = classify_content(bytes, options_.archives);
  if (kind.refused) result.error = *kind.refused;
  if (kind.container()) {
    scan_archive_file(result, bytes, view.mapped());
    if (view.truncated()) result.error = "file was truncated while being scanned; part of it was not scanned";
    return;
  }
  const std::size_t segment = std::max<std::size_t>(options_.segment_size, rules_->max_window() * 4);
  // One huge input still uses every core. Only a mapped view is split: a view into the
  // worker's read buffer must not be shared with tasks this thread may run while it waits.
  const bool split = threads_ > 1 && view.mapped() && bytes.size() > segment + segment / 2;
  if (options_.dedup_content) {
    const std::optional<ContentId> hashed = content_id_of(path, bytes, split, segment, result.budget);
    if (!hashed) {
      result.error = result.budget.reason();
      return;
    }
    const ContentId id = *hashed;
    result.content = id;
    if (!claimed_.insert(id).second) {
      result.duplicate = true;
      return;
    }
  }
  result.scanned = true;
  result.bytes = bytes.size();

  std::vector<engine::Match> matches;
  BlockLineCounts lines;
  bool ok = true;
  if (split) {
    // Overlapping segments, each reporting only the matches that end inside it. Each stream
    // starts one window early and reads one window past its end: a match ending at the
    // boundary sees the byte that decides a trailing \b, and a longer match that would
    // replace it is seen as well.
    const std::size_t count = (bytes.size() + segment - 1) / segment;
    lines.stride = segment % kLineBlock == 0 ? kLineBlock : segment;
    lines.newlines.assign((bytes.size() + lines.stride - 1) / lines.stride, 0);
    std::vector<std::vector<engine::Match>> per_segment(count);
    std::vector<char> segment_ok(count, 1);
    const std::size_t overlap = rules_->required_overlap();
    oneapi::tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
      if (result.budget.exhausted()) {
        segment_ok[k] = 0;
        return;
      }
      const std::size_t begin = k * segment;
      const std::size_t end = std::min(bytes.size(), begin + segment);
      const std::size_t from = begin > overlap ? begin - overlap : 0;
      const std::size_t to = std::min(bytes.size(), end + overlap);
      segment_ok[k] = scan_counting_lines(*workers_.local().context, bytes, path, from, begin, end, to, lines,
                                          per_segment[k], result.budget)
                          ? 1
                          : 0;
    });
    for (std::size_t k = 0; k < count; ++k) {
      ok = ok && segment_ok[k] != 0;
      for (engine::Match& m : per_segment[k]) matches.push_back(std::move(m));
    }
  } else if (bytes.size() > kLineBlock) {
    lines.stride = kLineBlock;
    lines.newlines.assign((bytes.size() + kLineBlock - 1) / kLineBlock, 0);
    ok = scan_counting_lines(*workers_.local().context, bytes, path, 0, 0, bytes.size(), bytes.size(), lines, matches,
                             result.budget);
  } else {
    ok = engine::scan_buffer(*workers_.local().context, bytes, path, matches);
  }
  if (!ok) result.error = result.budget.exhausted() ? result.budget.reason() : "the matcher failed on this input";
  if (view.truncated()) result.error = "file was truncated while being scanned; part of it was not scanned";
  if (!matches.empty()) {
    for (PlacedMatch& m : place_matches(bytes, std::move(matches), lines)) result.matches.push_back(std::move(m));
  }
}

void ScanGraph::scan_stream(InputResult& result) {
  const std::string& path = result.entry.path;
  auto opened = io::SequentialReader::open(path, options_.stop);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  io::SequentialReader& reader = std::get<io::SequentialReader>(opened);
  result.scanned = true;

  // The first bytes say whether the stream is an archive or compressed (`tar czf - . | sluice
  // scan -`); they are then scanned like the rest.
  std::string head(io::kSniffBytes, '\0');
  std::size_t head_size = 0;
  std::string head_error;
  bool head_failed = false;
  while (head_size < head.size()) {
    auto n = reader.read(head.data() + head_size, head.size() - head_size, &head_error);
    if (!n) {
      head_failed = true;
      break;
    }
    if (*n == 0) break;
    head_size += *n;
  }
  head.resize(head_size);
  const ContentKind kind = head_failed ? ContentKind{} : classify_content(head, options_.archives);
  if (kind.refused) result.error = *kind.refused;
  if (kind.container()) {
    const ContentId id = unique_id();
    result.content = id;
    std::string block(std::size_t{1} << 20, '\0');
    io::PullSource source = [&](std::string* error) -> std::optional<std::string_view> {
      auto n = reader.read(block.data(), block.size(), error);
      if (!n) return std::nullopt;
      return std::string_view(block.data(), *n);
    };
    result.archive.emplace();
    scan_archive_stream(*this, archive_options(result.budget), {path}, id, head, std::move(source), *result.archive);
    result.bytes = result.archive->bytes;
    return;
  }
  std::size_t head_used = 0;
  auto read = [&](char* into, std::size_t capacity, std::string* error) -> std::optional<std::size_t> {
    if (head_used < head.size()) {
      const std::size_t n = std::min(capacity, head.size() - head_used);
      std::memcpy(into, head.data() + head_used, n);
      head_used += n;
      return n;
    }
    if (head_failed) {
      *error = head_error;
      return std::nullopt;
    }
    return reader.read(into, capacity, error);
  };

  engine::ScanContext& context = *workers_.local().context;
  std::vector<engine::Match> matches;
  engine::StreamScanner scanner(context, path, matches);

  // The tail of earlier chunks is kept so that line numbers of secrets that straddle a chunk
  // boundary can be computed from contiguous bytes.
  // A match may be confirmed a chunk late (once the bytes after it arrived): its secret can
  // sit that far back.
  const std::size_t keep = rules_->required_overlap();
  std::string tail;
  LineCursor tail_cursor;  // position of tail[0]
  std::string chunk(std::max<std::size_t>(options_.chunk_size, 1), '\0');
  std::string joined;
  auto place = [&](std::string_view current) {
    if (matches.empty()) return;
    joined.assign(tail);
    joined.append(current);
    for (PlacedMatch& m : place_matches(joined, std::move(matches), tail_cursor))
      result.matches.push_back(std::move(m));
    matches.clear();
  };
  for (;;) {
    if (result.budget.exhausted()) {
      result.error = fmt::format("after {} bytes: {}", result.bytes, result.budget.reason());
      break;
    }
    std::size_t filled = 0;
    std::string error;
    bool failed = false;
    while (filled < chunk.size()) {
      auto n = read(chunk.data() + filled, chunk.size() - filled, &error);
      if (!n) {
        failed = true;
        break;
      }
      if (*n == 0) break;
      filled += *n;
    }
    const std::string_view current(chunk.data(), filled);
    if (!scanner.feed(current)) {
      result.error = "the matcher failed on this input";
      return;
    }
    result.bytes += filled;
    place(current);
    // Slide the tail: keep the last `keep` bytes of tail + current.
    if (current.size() >= keep) {
      tail_cursor.advance(tail);
      tail_cursor.advance(current.substr(0, current.size() - keep));
      tail.assign(current.substr(current.size() - keep));
    } else {
      tail.append(current);
      if (tail.size() > keep) {
        const std::size_t drop = tail.size() - keep;
        tail_cursor.advance(std::string_view(tail).substr(0, drop));
        tail.erase(0, drop);
      }
    }
    if (failed) {
      result.error = fmt::format("read failed after {} bytes: {}", result.bytes, error);
      break;
    }
    if (filled < chunk.size()) break;  // end of input
  }
  if (!scanner.finish()) result.error = "the matcher failed on this input";
  place({});
}

void ScanGraph::scan_git(InputResult& result) {
  GitScanOptions options;
  options.archives = archive_options(result.budget);
  options.deadline = result.budget.deadline;
  options.archives_enabled = options_.archives.enabled;
  options.dedup = options_.dedup_content;
  options.max_blob_size = options_.max_blob_size;
  options.stop = options_.stop;
  // git's own default delta base cache per thread, within 1 GiB for all threads together.
  options.pack_cache_bytes =
      std::clamp<std::size_t>((std::size_t{1} << 30) / threads_, std::size_t{16} << 20, std::size_t{96} << 20);
  result.git.emplace();
  scan_repository(
      *this, options, result.entry.path,
      [this](const io::GitOid& oid) { return !options_.dedup_content || claimed_blobs_.insert(oid).second; },
      *result.git);
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
          PlacedMatch{static_cast<std::uint32_t>(index), std::string(), 0, 0, 0, rule.confidence, {}});
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
    stats.bytes += git.bytes;
    stats.archives += git.archives;
    stats.members += git.members;
    stats.duplicates += git.duplicates;
    repositories_.push_back(result.entry.path);
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
  if (result.scanned) {
    ++stats.files;
    stats.bytes += result.bytes;
  }
  matches_seen_ += result.matches.size() + result.path_matches.size();
  findings_.add(chain, result.path_matches);
  for (ImageRecord& image : result.images) {
    ++stats.images;
    findings_.add_image(std::move(image));
  }
  if (result.archive) {
    ArchiveOutcome& archive = *result.archive;
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
  if (result.duplicate) {
    ++stats.duplicates;
    findings_.add_root(chain, *result.content);
  } else if (result.content) {
    if (!result.archive) findings_.add_content(ContentRecord{*result.content, std::move(result.matches), {}, {}});
    findings_.add_root(chain, *result.content);
  } else {
    findings_.add(chain, result.matches);
  }
  if (result.error) issue(result.entry.path, *result.error, Kind::kIncomplete);
  if (observer_ != nullptr) {
    observer_->on_progress(ScanProgress{stats.files + stats.members, stats.bytes, matches_seen_, result.entry.path});
  }
}

ScanReport ScanGraph::run() {
  const auto started = std::chrono::steady_clock::now();
  threads_ = options_.threads != 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  oneapi::tbb::global_control parallelism(oneapi::tbb::global_control::max_allowed_parallelism, threads_);
  const std::size_t in_flight = options_.max_in_flight != 0 ? options_.max_in_flight : 2 * threads_;

  // Reading directory listings ahead only pays when another thread can do it.
  io::WalkOptions walk{options_.follow_symlinks, options_.git_history, threads_ > 1 ? 64u : 0u};
  walk.filter = options_.path_filter;
  walk.pass_over = options_.pass_over;
  io::Walker walker(options_.roots, walk);
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
        auto entry = walker.next();
        if (!entry) break;
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
  locate_git_findings();
  report_.findings = findings_.take();
  if (options_.demote_test_and_docs) {
    report_.stats.hidden_in_tests_or_docs =
        demote_test_and_docs_findings(report_.findings, options_.roots, options_.min_confidence);
  }
  report_.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::move(report_);
}

}  // namespace

std::optional<std::string> over_decompression_memory(std::string_view head, const ArchiveLimits& limits) {
  const auto need = io::decompression_memory(head);
  if (!need || *need <= limits.max_decompression_memory) return std::nullopt;
  return fmt::format(
      "its decoder would need {} MiB (a dictionary declared in its header), over "
      "--max-decompression-memory {} MiB: scanned as raw bytes",
      (*need + (1u << 20) - 1) >> 20, limits.max_decompression_memory >> 20);
}

ContentKind classify_content(std::string_view head, const ArchiveLimits& limits) {
  ContentKind kind;
  if (!limits.enabled) return kind;
  head = head.substr(0, io::kSniffBytes);
  kind.format = io::sniff_container(head);
  if (kind.format.kind != io::ContainerKind::kCompressed) return kind;
  if (auto refused = over_decompression_memory(head, limits)) {
    kind.format = io::ContainerFormat{};
    kind.refused = std::move(refused);
  }
  return kind;
}

ScanReport run_scan(std::shared_ptr<const engine::CompiledRules> rules, const ScanOptions& options,
                    ScanObserver* observer) {
  ScanGraph graph(std::move(rules), options, observer);
  return graph.run();
}

}  // namespace sluice::pipeline

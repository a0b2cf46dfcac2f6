#include "pipeline/scanner.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/concurrent_unordered_set.h>
#include <oneapi/tbb/parallel_for.h>
#include <xxhash.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <variant>

#include "engine/stream_scanner.hpp"
#include "io/input_file.hpp"
#include "io/walker.hpp"
#include "pipeline/finding_set.hpp"
#include "pipeline/line_positions.hpp"

namespace sluice::pipeline {
namespace {

namespace flow = oneapi::tbb::flow;


struct InputResult {
  io::WalkEntry entry;
  std::optional<ContentId> content;
  bool duplicate = false;
  bool scanned = false;
  std::uint64_t bytes = 0;
  std::vector<PlacedMatch> matches;
  std::vector<PlacedMatch> path_matches;  // rules that match on the path alone
  std::optional<std::string> error;  // the input was not (completely) scanned
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
// the stride.
bool scan_counting_lines(engine::ScanContext& context, std::string_view bytes, std::string_view path,
                         std::size_t from, std::size_t begin, std::size_t end, std::size_t to,
                         BlockLineCounts& counts, std::vector<engine::Match>& out) {
  engine::StreamScanner scanner(context, path, out, from, engine::OwnedRange{begin, end});
  bool ok = scanner.feed(bytes.substr(from, begin - from));
  for (std::size_t at = begin; ok && at < end; at += counts.stride) {
    const std::string_view block = bytes.substr(at, std::min(counts.stride, end - at));
    ok = scanner.feed(block);
    counts.newlines[at / counts.stride] = static_cast<std::uint64_t>(std::count(block.begin(), block.end(), '\n'));
  }
  return ok && scanner.feed(bytes.substr(end, to - end)) && scanner.finish();
}

// The content id of a big input, hashed segment by segment on every core (the first touch of
// a mapped file's pages is then spread across cores too).
ContentId parallel_content_id(std::string_view bytes, std::size_t segment) {
  const std::size_t count = (bytes.size() + segment - 1) / segment;
  std::vector<XXH128_hash_t> digests(count);
  oneapi::tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
    const std::string_view part = bytes.substr(k * segment, segment);
    digests[k] = XXH3_128bits(part.data(), part.size());
  });
  const XXH128_hash_t hash = XXH3_128bits(digests.data(), digests.size() * sizeof(XXH128_hash_t));
  return ContentId{hash.high64, hash.low64};
}

// What one worker thread owns: its matcher context and the buffer small files are read into.
struct Worker {
  std::unique_ptr<engine::ScanContext> context;
  io::ReadBuffer buffer;
};

class ScanGraph {
 public:
  ScanGraph(std::shared_ptr<const engine::CompiledRules> rules, const ScanOptions& options, ScanObserver* observer)
      : rules_(std::move(rules)),
        options_(options),
        observer_(observer),
        workers_([this] { return Worker{std::make_unique<engine::ScanContext>(rules_), {}}; }),
        findings_([this](std::uint32_t rule) { return rules_->rules()[rule].id; }) {}

  ScanReport run();

 private:
  InputResult process(io::WalkEntry entry);
  void scan_file(InputResult& result);
  void scan_stream(InputResult& result);
  void add_path_matches(InputResult& result);
  void merge(InputResult result);

  std::shared_ptr<const engine::CompiledRules> rules_;
  const ScanOptions& options_;
  ScanObserver* observer_;
  // A worker's state is used by one running task at a time: a task that waits (the
  // segmented scan of a big file) holds none of it while waiting.
  oneapi::tbb::enumerable_thread_specific<Worker> workers_;
  oneapi::tbb::concurrent_unordered_set<ContentId, ContentIdHash> claimed_;
  std::size_t threads_ = 1;

  std::optional<std::string> walk_error_;  // written by the serial input node

  // Owned by the serial merge node.
  FindingSet findings_;
  ScanReport report_;
};

InputResult ScanGraph::process(io::WalkEntry entry) {
  InputResult result;
  result.entry = std::move(entry);
  try {
    switch (result.entry.kind) {
      case io::WalkEntry::Kind::kFile:
        scan_file(result);
        break;
      case io::WalkEntry::Kind::kStream:
        scan_stream(result);
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

void ScanGraph::scan_file(InputResult& result) {
  const std::string& path = result.entry.path;
  add_path_matches(result);
  auto opened = io::read_file(path, options_.map_threshold, &workers_.local().buffer);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  const io::FileView& view = std::get<io::FileView>(opened);
  const std::string_view bytes = view.bytes();
  const std::size_t segment = std::max<std::size_t>(options_.segment_size, rules_->max_window() * 4);
  // One huge input still uses every core. Only a mapped view is split: a view into the
  // worker's read buffer must not be shared with tasks this thread may run while it waits.
  const bool split = threads_ > 1 && view.mapped() && bytes.size() > segment + segment / 2;
  if (options_.dedup_content) {
    ContentId id;
    if (split) {
      id = parallel_content_id(bytes, segment);
    } else {
      const XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
      id = ContentId{hash.high64, hash.low64};
    }
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
    const std::size_t overlap = rules_->max_window();
    oneapi::tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
      const std::size_t begin = k * segment;
      const std::size_t end = std::min(bytes.size(), begin + segment);
      const std::size_t from = begin > overlap ? begin - overlap : 0;
      const std::size_t to = std::min(bytes.size(), end + overlap);
      segment_ok[k] = scan_counting_lines(*workers_.local().context, bytes, path, from, begin, end, to, lines,
                                          per_segment[k]) ? 1 : 0;
    });
    for (std::size_t k = 0; k < count; ++k) {
      ok = ok && segment_ok[k] != 0;
      for (engine::Match& m : per_segment[k]) matches.push_back(std::move(m));
    }
  } else if (bytes.size() > kLineBlock) {
    lines.stride = kLineBlock;
    lines.newlines.assign((bytes.size() + kLineBlock - 1) / kLineBlock, 0);
    ok = scan_counting_lines(*workers_.local().context, bytes, path, 0, 0, bytes.size(), bytes.size(), lines,
                             matches);
  } else {
    ok = engine::scan_buffer(*workers_.local().context, bytes, path, matches);
  }
  if (!ok) result.error = "the matcher failed on this input";
  if (view.truncated()) result.error = "file was truncated while being scanned; part of it was not scanned";
  if (!matches.empty()) {
    for (PlacedMatch& m : place_matches(bytes, std::move(matches), lines)) result.matches.push_back(std::move(m));
  }
}

void ScanGraph::scan_stream(InputResult& result) {
  const std::string& path = result.entry.path;
  auto opened = io::SequentialReader::open(path);
  if (auto* error = std::get_if<io::Error>(&opened)) {
    result.error = error->reason;
    return;
  }
  io::SequentialReader& reader = std::get<io::SequentialReader>(opened);
  result.scanned = true;
  engine::ScanContext& context = *workers_.local().context;
  std::vector<engine::Match> matches;
  engine::StreamScanner scanner(context, path, matches);

  // The tail of earlier chunks is kept so that line numbers of secrets that straddle a chunk
  // boundary can be computed from contiguous bytes.
  const std::size_t keep = rules_->max_window();
  std::string tail;
  LineCursor tail_cursor;  // position of tail[0]
  std::string chunk(std::max<std::size_t>(options_.chunk_size, 1), '\0');
  std::string joined;
  auto place = [&](std::string_view current) {
    if (matches.empty()) return;
    joined.assign(tail);
    joined.append(current);
    for (PlacedMatch& m : place_matches(joined, std::move(matches), tail_cursor)) result.matches.push_back(std::move(m));
    matches.clear();
  };
  for (;;) {
    std::size_t filled = 0;
    std::string error;
    bool failed = false;
    while (filled < chunk.size()) {
      auto n = reader.read(chunk.data() + filled, chunk.size() - filled, &error);
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

void ScanGraph::add_path_matches(InputResult& result) {
  for (std::size_t index : rules_->path_only_rules()) {
    const engine::CompiledRule& rule = rules_->compiled(index);
    if (rule.path && RE2::PartialMatch(result.entry.path, *rule.path)) {
      result.path_matches.push_back(PlacedMatch{static_cast<std::uint32_t>(index), std::string(), 0, 0, 0});
    }
  }
}

void ScanGraph::merge(InputResult result) {
  ScanStats& stats = report_.stats;
  auto issue = [&](std::string reason, bool incomplete) {
    InputIssue item{result.entry.path, std::move(reason), incomplete};
    if (observer_ != nullptr) observer_->on_issue(item);
    report_.issues.push_back(std::move(item));
  };
  switch (result.entry.kind) {
    case io::WalkEntry::Kind::kSkipped:
      ++stats.skipped;
      issue(result.entry.reason, false);
      return;
    case io::WalkEntry::Kind::kError:
      ++stats.errors;
      issue(result.entry.reason, true);
      return;
    default:
      break;
  }
  if (result.scanned) {
    ++stats.files;
    stats.bytes += result.bytes;
  }
  findings_.add(result.entry.path, result.path_matches);
  if (result.duplicate) {
    ++stats.duplicates;
    findings_.add_duplicate(*result.content, result.entry.path);
  } else if (result.content) {
    findings_.add_scanned(*result.content, result.entry.path, std::move(result.matches));
  } else {
    findings_.add(result.entry.path, result.matches);
  }
  if (result.error) {
    ++stats.errors;
    issue(*result.error, true);
  }
}

ScanReport ScanGraph::run() {
  const auto started = std::chrono::steady_clock::now();
  threads_ = options_.threads != 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  oneapi::tbb::global_control parallelism(oneapi::tbb::global_control::max_allowed_parallelism, threads_);
  const std::size_t in_flight = options_.max_in_flight != 0 ? options_.max_in_flight : 2 * threads_;

  // Reading directory listings ahead only pays when another thread can do it.
  io::Walker walker(options_.roots, io::WalkOptions{options_.follow_symlinks, true, threads_ > 1 ? 64u : 0u});
  flow::graph graph;
  flow::input_node<Batch> source(graph, [&](oneapi::tbb::flow_control& control) -> Batch {
    Batch batch;
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
    BatchResult results;
    results.reserve(batch.size());
    for (io::WalkEntry& entry : batch) results.push_back(process(std::move(entry)));
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
                    fmt::format("directory walk stopped: {}", *walk_error_), true};
    if (observer_ != nullptr) observer_->on_issue(item);
    report_.issues.push_back(std::move(item));
  }
  report_.findings = findings_.take();
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

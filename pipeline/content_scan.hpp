#pragma once
// The one way content reaches the matcher, whatever input it came from: a file, standard
// input, a git blob, an archive member. `ContentScanner::scan` takes a content (bytes in
// memory, or a stream) with its chain, claims its content id, sniffs it (classify_content),
// opens an archive or compressed stream (archive_scan.*, whose members come back here through
// scan_segment), or streams plain bytes through the engine (segments across cores for a big
// mapped content) and places matches with the engine's one line/column scheme
// (engine/line_positions.hpp). New inputs (registries, object stores) and transformations
// (decoders) plug in here.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/line_positions.hpp"
#include "engine/stream_scanner.hpp"
#include "io/archive_format.hpp"
#include "io/input_file.hpp"
#include "pipeline/archive_scan.hpp"
#include "pipeline/input_budget.hpp"

namespace sluice::pipeline {

// Why the compressed stream starting with `head` is not decompressed (its decoder would need
// more memory than the limits allow), or nullopt when it may be.
[[nodiscard]] std::optional<std::string> over_decompression_memory(std::string_view head, const ArchiveLimits& limits);

// How a content that starts with `head` is read, the one decision every input makes (file,
// stream, git blob, archive member): as a container (an archive or a compressed stream) or
// as plain bytes. Plain when archives are off, when nothing is recognised, or when the
// decoder would need more memory than the limits allow; then `refused` says why, and the
// caller reports the content as not completely scanned.
struct ContentKind {
  io::ContainerFormat format;          // kind kNone: plain bytes
  std::optional<std::string> refused;  // a container read as plain bytes, and why
  [[nodiscard]] bool container() const noexcept { return format.kind != io::ContainerKind::kNone; }
};
[[nodiscard]] ContentKind classify_content(std::string_view head, const ArchiveLimits& limits);

// One segment of a content, scanned: its matches (owned by the segment) not yet placed.
struct ScannedSegment {
  engine::SegmentLines lines;
  std::vector<engine::Match> matches;
  bool ok = true;  // false: the matcher failed, or the budget ran out before the segment ended
};

// Scans the segment `span` of a content. `buffer` holds its bytes from span.from to `to` (one
// overlap past span.end, or the end of the content): matches that end in (begin, end] are the
// segment's. The owned bytes are fed in blocks, each one's newlines counted while in cache,
// the budget checked between them (nullptr: none). Encoded spans that begin in the segment are
// decoded; `rest`, when the content's bytes after the buffer are at hand, holds all of them from
// span.from to the content's end (`buffer` is its start), and a span that runs past the buffer
// is followed into it.
[[nodiscard]] ScannedSegment scan_segment(engine::ScanContext& context, std::string_view buffer, std::string_view path,
                                          engine::SegmentSpan span, const InputBudget* budget = nullptr,
                                          std::string_view rest = {});

// The matches of a content's segments, given in order, with their line and column.
[[nodiscard]] std::vector<PlacedMatch> place_segments(std::vector<ScannedSegment>& segments);

// A content's bytes, whole: one segment.
[[nodiscard]] ScannedSegment scan_whole(engine::ScanContext& context, std::string_view bytes, std::string_view path,
                                        const InputBudget* budget = nullptr);

struct ContentScanOptions {
  ArchiveScanOptions archives;  // limits (archives off: everything is plain bytes), segments in flight
  bool dedup = true;            // claim contents by id (false: every content is scanned)
  bool split = false;           // a big content in shared memory is split across cores
  std::size_t segment_size = std::size_t{16} << 20;  // split: bytes per segment
  std::size_t chunk_size = std::size_t{1} << 20;     // a stream is read this much at a time
};

// A content as an input gives it.
struct Content {
  std::vector<std::string> chain;  // where it is: a file, or a blob's label
  std::string_view path;           // what rules restricted to paths see (empty: they do not apply)
  // The bytes stay valid and unchanged while this thread runs other tasks (a mapped file): a
  // big content may be split, and an archive read without a copy.
  bool shared = false;
  std::optional<ContentId> claimed{};  // its id, claimed by the caller already (not hashed again)
  bool plain = false;                  // plain bytes whatever they look like (the caller sniffed them)
};

// What scanning one content gave.
struct ContentResult {
  std::optional<ContentId> content;       // its id (claimed here, or earlier: `duplicate`)
  bool duplicate = false;                 // the same bytes were scanned earlier in the run
  bool scanned = false;                   // false: not scanned (duplicate, or the budget ran out first)
  std::uint64_t bytes = 0;                // bytes scanned (decompressed bytes for an archive)
  std::vector<PlacedMatch> matches;       // of plain bytes
  std::optional<ArchiveOutcome> archive;  // an archive or compressed stream
  std::optional<std::string> error;       // not (completely) scanned, and why
};

class ContentScanner {
 public:
  ContentScanner(ContentService& service, const ContentScanOptions& options) : service_(service), options_(options) {}

  // Bytes in memory.
  [[nodiscard]] ContentResult scan(const Content& content, std::string_view bytes, InputBudget& budget);
  // The byte ranges `ranges` (ascending) of a content cut in ranges of `range_size` bytes (a
  // shard's share of a big file): each scanned in the segments a whole scan would use, its
  // matches placed from the range's start (PlacedMatch::range), and its line facts added to
  // `facts`. The content is not claimed by id (no shard has all of it).
  [[nodiscard]] ContentResult scan_ranges(const Content& content, std::string_view bytes,
                                          const std::vector<std::uint32_t>& ranges, std::uint64_t range_size,
                                          InputBudget& budget, std::vector<SplitRange>& facts);
  // A stream, read to its end (it is not claimed by id: its bytes are never all in memory).
  [[nodiscard]] ContentResult scan(const Content& content, const io::ReadSome& read, InputBudget& budget);
  // Bytes [first, last] of a content into `into`; false (and `error`) if they could not be read.
  using FetchRange =
      std::function<bool(std::uint64_t first, std::uint64_t last, std::string& into, std::string* error)>;
  // Plain bytes, `size` of them, that `fetch` reads by ranges (an object in a store): the
  // segments a big content in memory is split into, scanned across cores, each fetched on its
  // own with its overlaps, a few ahead of the scan (at most 2 x threads + 1 segments in memory).
  // Not claimed by id.
  [[nodiscard]] ContentResult scan_fetched(const Content& content, std::uint64_t size, const FetchRange& fetch,
                                           InputBudget& budget);
  // The byte ranges `ranges` of such a content cut in ranges of `range_size` bytes (a shard's
  // share), as scan_ranges does for bytes in memory.
  [[nodiscard]] ContentResult scan_fetched_ranges(const Content& content, std::uint64_t size,
                                                  const std::vector<std::uint32_t>& ranges, std::uint64_t range_size,
                                                  const FetchRange& fetch, InputBudget& budget,
                                                  std::vector<SplitRange>& facts);

 private:
  std::optional<ContentId> content_id(const Content& content, std::string_view bytes, bool split,
                                      const InputBudget& budget);
  void scan_plain(const Content& content, std::string_view bytes, bool split, InputBudget& budget,
                  ContentResult& result);
  std::vector<ScannedSegment> scan_split(const Content& content, std::string_view bytes, std::uint64_t begin,
                                         std::uint64_t end, InputBudget& budget);
  void scan_plain_stream(const Content& content, const io::ReadSome& read, InputBudget& budget, ContentResult& result);
  // The segments of [begin, end) of a content of `size` bytes that `fetch` reads; the first
  // error (of a fetch, the budget or the matcher) in `error`.
  std::vector<ScannedSegment> fetch_split(const Content& content, std::uint64_t size, std::uint64_t begin,
                                          std::uint64_t end, const FetchRange& fetch, InputBudget& budget,
                                          std::optional<std::string>& error);

  ContentService& service_;
  const ContentScanOptions& options_;
};

}  // namespace sluice::pipeline

#pragma once
// Line and column of offsets in an input: the one scheme every input uses, whether its bytes
// are scanned whole, in segments on several cores, or chunk by chunk from a stream whose
// earlier bytes are gone. A segment measures its own bytes while they are at hand; a placer
// joins the segments of one input in order.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sluice::engine {

struct TextPosition {
  std::uint64_t line = 1;    // 1-based
  std::uint64_t column = 1;  // 1-based, in bytes
  // False when no newline before the offset was seen and the column was counted from the
  // start of the input: right for a whole input, to be corrected for a part of one (a shard's
  // byte range, placed from a LinePlacer that did not see the bytes before it).
  bool anchored = true;
};

// One segment of an input as a scan sees it. Its buffer holds the input bytes from `from` on;
// it owns [begin, end) (the owned ranges of an input's segments tile it, in order); the next
// segment's buffer starts at `next_from` (`end` for the last). from <= begin <= end and
// from <= next_from <= end.
struct SegmentSpan {
  std::uint64_t from = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t next_from = 0;
  bool whole = false;  // the whole input: no segment follows, none is placed after it
  // The whole of an input of `size` bytes as one segment.
  [[nodiscard]] static SegmentSpan of_whole(std::uint64_t size) noexcept { return {0, 0, size, size, true}; }
};

// The line facts of one segment: what placing its offsets needs once the segments before it
// are known, without its bytes.
class SegmentLines {
 public:
  SegmentLines() = default;
  explicit SegmentLines(SegmentSpan span) noexcept : span_(span), counted_(span.begin) {}

  [[nodiscard]] const SegmentSpan& span() const noexcept { return span_; }

  // Counts the newlines of the next block of the owned range. Blocks come in order, each
  // right after the matcher read it, while it is still in cache.
  void count(std::string_view block);

  // Records where each of `offsets` (ascending) lies in the segment, and the last newline
  // before the next segment's buffer. `buffer` holds the bytes from `span().from` through
  // `span().end` (or to the end of the input); the owned bytes count() has not seen are
  // counted here, except in a whole input alone (nothing after it needs them). Offsets outside
  // the buffer are clamped to it.
  void locate(std::string_view buffer, std::span<const std::uint64_t> offsets);

 private:
  friend class LinePlacer;
  struct Located {
    std::int64_t line_delta = 0;              // newlines in [begin, offset); negative before begin
    std::optional<std::uint64_t> line_start;  // when a newline precedes the offset in the buffer
    std::uint64_t offset = 0;
  };
  SegmentSpan span_;
  std::uint64_t counted_ = 0;                                    // count() has seen [begin, counted_)
  std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks_;  // (block end, newlines in [begin, block end))
  std::uint64_t newlines_ = 0;                                   // in [begin, counted_)
  std::optional<std::uint64_t> last_before_next_;                // last newline in [from, next_from)
  std::vector<Located> located_;
};

// Places the offsets of one input's segments, given in the order of their owned ranges.
class LinePlacer {
 public:
  // The positions of the offsets `segment` located, in the order given to locate().
  [[nodiscard]] std::vector<TextPosition> place(const SegmentLines& segment);

  // After the segments placed so far: their newlines, and the last newline before the next
  // segment's buffer (the facts a part of an input gives the parts after it).
  [[nodiscard]] std::uint64_t newlines_before() const noexcept { return newlines_before_; }
  [[nodiscard]] std::optional<std::uint64_t> last_before_from() const noexcept { return last_before_from_; }

 private:
  std::uint64_t newlines_before_ = 0;              // in [0, begin of the next segment)
  std::optional<std::uint64_t> last_before_from_;  // last newline in [0, from of the next segment)
};

// The positions of `offsets` in `bytes`, a whole input (one segment).
[[nodiscard]] std::vector<TextPosition> positions_in(std::string_view bytes, std::span<const std::uint64_t> offsets);

}  // namespace sluice::engine

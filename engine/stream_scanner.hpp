#pragma once
// Streaming scan of one input: Hyperscan in streaming mode chunk by chunk, each hit
// confirmed by RE2 over contiguous bytes (the previous chunk's tail is kept as overlap).

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/confirmer.hpp"

namespace sluice::engine {

struct HsStreamDeleter {
  void operator()(hs_stream_t* stream) const noexcept { hs_close_stream(stream, nullptr, nullptr, nullptr); }
};
using HsStream = std::unique_ptr<hs_stream_t, HsStreamDeleter>;

// Bytes on each side of a write boundary that are scanned again in a fresh stream (see
// StreamScanner::rescan_boundary): a match up to this wide that straddles a boundary is found
// even when the stream itself loses it (up to 512 bytes wide when the writes are tiny).
inline constexpr std::size_t kBoundaryReach = 4096;

// A Hyperscan report: which rule, and the stream-relative end offset of the match.
struct RawHit {
  std::uint32_t rule;
  std::uint64_t end;
};

// What decoding may cost (encoded_scan.hpp).
struct DecodeLimits {
  std::size_t max_depth = 2;                      // decodings nested at most this deep; 0: none
  std::size_t max_span = std::size_t{1} << 20;    // encoded bytes of one span
  std::size_t min_budget = std::size_t{1} << 20;  // decoded bytes allowed per call, at least...
  std::size_t budget_ratio = 1;                   // ...and this many times the bytes searched
};

// What decoding did, and what the limits left undone.
struct DecodeStats {
  std::uint64_t spans = 0;         // spans decoded to text and scanned
  std::uint64_t bytes = 0;         // decoded bytes scanned
  std::uint64_t capped_spans = 0;  // spans not decoded: over max_span or the budget
  std::uint64_t capped_bytes = 0;  // their encoded bytes
  DecodeStats& operator+=(const DecodeStats& o) noexcept {
    spans += o.spans;
    bytes += o.bytes;
    capped_spans += o.capped_spans;
    capped_bytes += o.capped_bytes;
    return *this;
  }
  DecodeStats& operator-=(const DecodeStats& o) noexcept {
    spans -= o.spans;
    bytes -= o.bytes;
    capped_spans -= o.capped_spans;
    capped_bytes -= o.capped_bytes;
    return *this;
  }
  friend bool operator==(const DecodeStats&, const DecodeStats&) = default;
};

// Per-worker state: Hyperscan scratch, one reusable stream and buffers. Move-only; used by
// one running task at a time.
class ScanContext {
 public:
  explicit ScanContext(std::shared_ptr<const CompiledRules> rules);
  ScanContext(ScanContext&&) noexcept = default;
  ScanContext& operator=(ScanContext&&) noexcept = default;

  [[nodiscard]] const CompiledRules& rules() const noexcept { return *rules_; }
  // Matches below this confidence are dropped (default: medium, the report's default).
  void set_min_confidence(Confidence confidence) noexcept { min_confidence_ = confidence; }
  [[nodiscard]] Confidence min_confidence() const noexcept { return min_confidence_; }
  void set_decode_limits(const DecodeLimits& limits) noexcept { decode_limits_ = limits; }
  [[nodiscard]] const DecodeLimits& decode_limits() const noexcept { return decode_limits_; }
  [[nodiscard]] DecodeStats& decode_stats() noexcept { return decode_stats_; }
  // A second context on the same rules, made on first use: decoded bytes are scanned in it
  // while a stream of this one is still open.
  [[nodiscard]] ScanContext& nested();

 private:
  friend class StreamScanner;
  friend bool scan_encoded(ScanContext&, std::string_view, std::uint64_t, std::size_t, std::size_t, std::string_view,
                           std::vector<Match>&, bool, std::size_t*);
  std::shared_ptr<const CompiledRules> rules_;
  Confidence min_confidence_ = Confidence::kMedium;
  DecodeLimits decode_limits_{};
  DecodeStats decode_stats_{};
  std::unique_ptr<ScanContext> nested_;
  std::string decoded_;  // decoded spans, one after another (encoded_scan.cpp)
  std::string decoding_;
  HsScratch scratch_;
  HsStream stream_;
  HsStream rescan_stream_;  // scans the bytes around each write boundary
  std::string rescan_bytes_;
  std::vector<RawHit> rescan_hits_;
  std::vector<RawHit> hits_;
  std::vector<RawHit> deferred_;  // hits waiting for kFollowingContext bytes after them
  std::string tail_;
  std::string window_;
  std::string following_;
  // Per rule: the last accepted match (held back while a longer match containing it can
  // still be reported) and its span, for leftmost-longest, non-overlapping results.
  std::vector<std::optional<Match>> pending_;
  std::vector<std::uint32_t> pending_rules_;
  std::vector<std::uint64_t> last_start_;
  std::vector<std::uint64_t> last_end_;
};

// Only matches whose end offset lies in (begin, end] are kept: how parallel segments of one
// input, scanned with overlap, report each secret exactly once.
struct OwnedRange {
  std::uint64_t begin = 0;
  std::uint64_t end = std::numeric_limits<std::uint64_t>::max();
};

class StreamScanner {
 public:
  // `base` is the absolute offset of the first byte fed; matches are appended to `out`.
  StreamScanner(ScanContext& context, std::string_view path, std::vector<Match>& out, std::uint64_t base = 0,
                OwnedRange owned = {});
  ~StreamScanner();
  StreamScanner(const StreamScanner&) = delete;
  StreamScanner& operator=(const StreamScanner&) = delete;

  // Scans the next chunk, of any size (passed to Hyperscan in pieces of at most 1 GiB).
  // Returns false if Hyperscan failed.
  [[nodiscard]] bool feed(std::string_view chunk);
  // Ends the stream, reporting end-of-data matches. Returns false if Hyperscan failed.
  [[nodiscard]] bool finish();

 private:
  // Confirms the deferred and new hits whose following bytes are all in the tail and `chunk`
  // (every hit when `final`); defers the others.
  void confirm_hits(std::string_view chunk, bool final);
  // vectorscan 5.4.9 in streaming mode loses some matches that a write boundary splits (a
  // leading word alternation cut after its second byte, with 16+ bytes before it). Rescans
  // kBoundaryReach bytes before and after the boundary at fed_ in a fresh stream and adds the
  // hits that end after it and that the stream did not report. Returns false on an error.
  [[nodiscard]] bool rescan_boundary(std::string_view piece);
  std::string_view following_for(std::uint64_t end, std::string_view chunk);
  void accept(Match match);
  void flush(std::uint32_t rule);
  void flush_settled(bool all);
  std::string_view window_for(std::uint64_t start, std::uint64_t end, std::string_view chunk);

  ScanContext& context_;
  std::string_view path_;
  std::vector<Match>& out_;
  std::uint64_t base_;
  OwnedRange owned_;
  std::uint64_t fed_ = 0;
  bool finished_ = false;
};

// Scans one in-memory buffer as a single stream.
[[nodiscard]] bool scan_buffer(ScanContext& context, std::string_view data, std::string_view path,
                               std::vector<Match>& out, std::uint64_t base = 0, OwnedRange owned = {});

}  // namespace sluice::engine

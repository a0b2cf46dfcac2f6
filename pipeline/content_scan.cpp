#include "pipeline/content_scan.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>

#include "engine/encoded_scan.hpp"
#include "io/archive_format.hpp"
#include "io/container_image.hpp"
#include "io/decompressor.hpp"

namespace sluice::pipeline {
namespace {

// Owned bytes are fed to the matcher in blocks this big, each block's newlines counted while
// it is in cache.
constexpr std::size_t kLineBlock = std::size_t{1} << 20;

// The content id of a big content, hashed segment by segment on every core (the first touch
// of a mapped file's pages is then spread across cores too); nullopt when the budget ran out
// (hashing a huge file must end promptly on a signal or at the deadline too).
std::optional<ContentId> parallel_content_id(std::string_view bytes, std::size_t segment, const InputBudget& budget) {
  const std::size_t count = (bytes.size() + segment - 1) / segment;
  std::vector<XXH128_hash_t> digests(count);
  std::atomic<bool> cut{false};
  oneapi::tbb::parallel_for(std::size_t{0}, count, [&](std::size_t k) {
    if (cut.load(std::memory_order_relaxed) || budget.expired()) {
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
std::optional<ContentId> hash_within(std::string_view bytes, const InputBudget& budget) {
  constexpr std::size_t kBlock = std::size_t{64} << 20;
  if (bytes.size() <= kBlock) return hash_content(bytes);
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state) throw std::bad_alloc();
  XXH3_128bits_reset(state.get());
  for (std::size_t at = 0; at < bytes.size(); at += kBlock) {
    if (budget.expired()) return std::nullopt;
    const std::string_view block = bytes.substr(at, kBlock);
    XXH3_128bits_update(state.get(), block.data(), block.size());
  }
  const XXH128_hash_t hash = XXH3_128bits_digest(state.get());
  return ContentId{hash.high64, hash.low64};
}

// Sorts a segment's matches by offset and records where each lies (`buffer` holds the
// segment's bytes from its span's `from`).
void locate_matches(ScannedSegment& segment, std::string_view buffer) {
  std::sort(segment.matches.begin(), segment.matches.end(),
            [](const engine::Match& a, const engine::Match& b) { return a.secret_offset < b.secret_offset; });
  std::vector<std::uint64_t> offsets;
  offsets.reserve(segment.matches.size());
  for (const engine::Match& m : segment.matches) offsets.push_back(m.secret_offset);
  segment.lines.locate(buffer, offsets);
}

// Reads from `read` until `capacity` bytes are in or the input ends: the count, and false in
// `ok` on a read error (`error` set; what came before it is counted).
std::size_t fill(const io::ReadSome& read, char* into, std::size_t capacity, std::string* error, bool* ok) {
  std::size_t filled = 0;
  *ok = true;
  while (filled < capacity) {
    auto n = read(into + filled, capacity - filled, error);
    if (!n) {
      *ok = false;
      break;
    }
    if (*n == 0) break;
    filled += *n;
  }
  return filled;
}

// Places one segment's matches after the segments before it (`placer` has seen them).
void place_into(engine::LinePlacer& placer, ScannedSegment& segment, std::vector<PlacedMatch>& out,
                std::int64_t range = -1) {
  const std::vector<engine::TextPosition> positions = placer.place(segment.lines);
  for (std::size_t k = 0; k < segment.matches.size(); ++k) {
    engine::Match& m = segment.matches[k];
    out.push_back(PlacedMatch{m.rule, std::move(m.secret), m.secret_offset, positions[k].line, positions[k].column,
                              m.confidence, m.confidence_reason, m.decodings, m.decodings.empty() ? 0 : m.match_end,
                              m.rule_decoded, std::move(m.key)});
    out.back().range = range;
    out.back().column_known = positions[k].anchored;
  }
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

ScannedSegment scan_segment(engine::ScanContext& context, std::string_view buffer, std::string_view path,
                            engine::SegmentSpan span, const InputBudget* budget, std::string_view rest) {
  ScannedSegment out{engine::SegmentLines(span), {}, true};
  const std::uint64_t from = span.from;
  auto view = [&](std::uint64_t begin, std::uint64_t end) {
    begin = std::clamp<std::uint64_t>(begin, from, from + buffer.size());
    end = std::clamp<std::uint64_t>(end, begin, from + buffer.size());
    return buffer.substr(static_cast<std::size_t>(begin - from), static_cast<std::size_t>(end - begin));
  };
  engine::StreamScanner scanner(context, path, out.matches, from, engine::OwnedRange{span.begin, span.end});
  if (span.from == span.begin && span.end - span.begin <= kLineBlock) {
    // Most contents: one write, the newlines counted when the matches are located.
    out.ok = scanner.feed(buffer) && scanner.finish();
  } else {
    bool ok = scanner.feed(view(from, span.begin));
    for (std::uint64_t at = span.begin; ok && at < span.end; at += kLineBlock) {
      if (budget != nullptr && budget->expired()) {
        ok = false;
        break;
      }
      const std::string_view block = view(at, std::min<std::uint64_t>(span.end, at + kLineBlock));
      ok = scanner.feed(block);
      // A whole input's newlines are counted only if it has a match, when it is located.
      if (!span.whole) out.lines.count(block);
    }
    out.ok = ok && scanner.feed(view(span.end, from + buffer.size())) && scanner.finish();
  }
  // Encoded spans that start in the segment; the overlap after it holds the rest of them.
  if (out.ok && (budget == nullptr || !budget->expired())) {
    const engine::DecodeStats before = context.decode_stats();
    // The last segment's bytes reach the input's end (next_from == end only there), and so
    // does `rest`.
    out.ok = engine::scan_encoded(
        context, rest.empty() ? buffer : rest, from, static_cast<std::size_t>(span.begin - from),
        static_cast<std::size_t>(span.end - from), path, out.matches, !rest.empty() || span.next_from == span.end);
    if (budget != nullptr) {
      engine::DecodeStats delta = context.decode_stats();
      delta -= before;
      budget->add_decoded(delta);
    }
  }
  locate_matches(out, buffer);
  return out;
}

ScannedSegment scan_whole(engine::ScanContext& context, std::string_view bytes, std::string_view path,
                          const InputBudget* budget) {
  return scan_segment(context, bytes, path, engine::SegmentSpan::of_whole(bytes.size()), budget);
}

std::vector<PlacedMatch> place_segments(std::vector<ScannedSegment>& segments) {
  engine::LinePlacer placer;
  std::vector<PlacedMatch> placed;
  for (ScannedSegment& segment : segments) place_into(placer, segment, placed);
  return placed;
}

std::optional<ContentId> ContentScanner::content_id(const Content& content, std::string_view bytes, bool split,
                                                    const InputBudget& budget) {
  // Image blobs are named by their digest: the name is the content id, and the same blob in
  // a layout directory and in an image tarball is one content.
  if (!content.chain.empty()) {
    if (auto digest = io::blob_digest(content.chain.back())) return digest_content_id(*digest);
  }
  return split ? parallel_content_id(bytes, options_.segment_size, budget) : hash_within(bytes, budget);
}

ContentResult ContentScanner::scan(const Content& content, std::string_view bytes, InputBudget& budget) {
  ContentResult result;
  const ContentKind kind = content.plain ? ContentKind{} : classify_content(bytes, options_.archives.limits);
  if (kind.refused) result.error = *kind.refused;
  if (kind.container()) {
    const std::optional<ContentId> id = content.claimed  ? content.claimed
                                        : options_.dedup ? content_id(content, bytes, false, budget)
                                                         : service_.unique_id();
    if (!id) {
      result.error = budget.expired_reason();
      return result;
    }
    result.content = *id;
    if (!content.claimed && options_.dedup && !service_.claim(*id)) {
      result.duplicate = true;
      return result;
    }
    result.scanned = true;
    // This thread runs other tasks while it waits for the member scans: bytes that are not
    // shared (a worker's read buffer) could be overwritten meanwhile.
    std::string copy;
    if (!content.shared) copy.assign(bytes);
    result.archive.emplace();
    scan_archive(service_, options_, budget, content.chain, *id, content.shared ? bytes : std::string_view(copy),
                 *result.archive);
    result.bytes = result.archive->bytes;
    return result;
  }
  const std::size_t segment = options_.segment_size;
  // One huge content still uses every core. Only shared bytes are split: a view into a
  // worker's read buffer must not be read by tasks this thread may run while it waits.
  const bool split = options_.split && content.shared && bytes.size() > segment + segment / 2;
  if (content.claimed) {
    result.content = content.claimed;
  } else if (options_.dedup) {
    const std::optional<ContentId> id = content_id(content, bytes, split, budget);
    if (!id) {
      result.error = budget.expired_reason();
      return result;
    }
    result.content = *id;
    if (!service_.claim(*id)) {
      result.duplicate = true;
      return result;
    }
  }
  result.scanned = true;
  result.bytes = bytes.size();
  scan_plain(content, bytes, split, budget, result);
  return result;
}

// Scans the owned range [begin, end) of `bytes` in overlapping segments of `segment` bytes
// from `begin`, each reporting only the matches that end inside it. Each stream starts one
// overlap early and reads one overlap past its end: a match ending at the boundary sees the
// byte that decides a trailing \b, and a longer match that would replace it is seen as well.
namespace {

// Where each segment of the owned range [begin, end) of a content of `size` bytes lies: it
// owns [begin, end) of its span, reads from `from` (one overlap early) to `to` (one overlap
// late).
struct SegmentPlace {
  engine::SegmentSpan span;
  std::uint64_t to = 0;
};

std::vector<SegmentPlace> segment_places(std::uint64_t size, std::uint64_t begin, std::uint64_t end,
                                         std::size_t segment, std::size_t overlap) {
  std::vector<SegmentPlace> out;
  for (std::uint64_t own_begin = begin; own_begin < end; own_begin += segment) {
    const std::uint64_t own_end = std::min<std::uint64_t>(end, own_begin + segment);
    const std::uint64_t from = own_begin > overlap ? own_begin - overlap : 0;
    const std::uint64_t to = std::min<std::uint64_t>(size, own_end + overlap);
    const std::uint64_t next_from = own_end == size ? own_end : std::max<std::uint64_t>(from, own_end - overlap);
    out.push_back(SegmentPlace{{from, own_begin, own_end, next_from, false}, to});
  }
  return out;
}

}  // namespace

// Scans the owned range [begin, end) of `bytes` in overlapping segments of `segment` bytes
// from `begin`, each reporting only the matches that end inside it. Each stream starts one
// overlap early and reads one overlap past its end: a match ending at the boundary sees the
// byte that decides a trailing \b, and a longer match that would replace it is seen as well.
std::vector<ScannedSegment> ContentScanner::scan_split(const Content& content, std::string_view bytes,
                                                       std::uint64_t begin, std::uint64_t end, InputBudget& budget) {
  const std::size_t overlap = service_.context().rules().required_overlap();
  const std::vector<SegmentPlace> places =
      segment_places(bytes.size(), begin, end, std::max(options_.segment_size, 4 * overlap), overlap);
  std::vector<ScannedSegment> segments(places.size());
  oneapi::tbb::parallel_for(std::size_t{0}, places.size(), [&](std::size_t k) {
    const engine::SegmentSpan& span = places[k].span;
    if (budget.expired()) {
      segments[k] = ScannedSegment{engine::SegmentLines(span), {}, false};
      return;
    }
    segments[k] = scan_segment(service_.context(), bytes.substr(span.from, places[k].to - span.from), content.path,
                               span, &budget, bytes.substr(span.from));
  });
  return segments;
}

std::vector<ScannedSegment> ContentScanner::fetch_split(const Content& content, std::uint64_t size, std::uint64_t begin,
                                                        std::uint64_t end, const FetchRange& fetch, InputBudget& budget,
                                                        std::optional<std::string>& error) {
  const std::size_t overlap = service_.context().rules().required_overlap();
  const std::vector<SegmentPlace> places =
      segment_places(size, begin, end, std::max(options_.segment_size, 4 * overlap), overlap);
  std::vector<ScannedSegment> segments(places.size());
  std::vector<std::string> errors(places.size());
  // Segments are fetched on threads of their own, a few ahead of the scan, so that the cores
  // scan while the next bytes arrive: at most `ahead` fetched segments wait in memory, besides
  // the one each worker scans. Workers take segments in order.
  struct Fetched {
    std::string bytes;
    bool ok = false;
  };
  const auto threads = static_cast<std::size_t>(std::min<std::size_t>(
      static_cast<std::size_t>(oneapi::tbb::this_task_arena::max_concurrency()),
      oneapi::tbb::global_control::active_value(oneapi::tbb::global_control::max_allowed_parallelism)));
  const std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(places.size(), threads));
  const std::size_t ahead = workers + 1;
  std::vector<std::future<Fetched>> pending(places.size());
  std::mutex started_mutex;
  std::size_t started = 0;
  auto start_until = [&](std::size_t limit) {
    std::lock_guard lock(started_mutex);
    for (; started < std::min(limit, places.size()); ++started) {
      const std::size_t k = started;
      pending[k] = std::async(std::launch::async, [&fetch, &errors, &places, k] {
        Fetched out;
        out.ok = fetch(places[k].span.from, places[k].to - 1, out.bytes, &errors[k]);
        return out;
      });
    }
  };
  start_until(ahead);
  std::atomic<std::size_t> next{0};
  oneapi::tbb::parallel_for(std::size_t{0}, workers, [&](std::size_t) {
    for (std::size_t k; (k = next.fetch_add(1)) < places.size();) {
      const engine::SegmentSpan& span = places[k].span;
      segments[k] = ScannedSegment{engine::SegmentLines(span), {}, false};
      Fetched fetched = pending[k].get();
      start_until(k + 1 + ahead);
      if (!fetched.ok || budget.expired()) continue;
      // Encoded spans are decoded as far as the segment and its overlap go.
      segments[k] = scan_segment(service_.context(), fetched.bytes, content.path, span, &budget);
    }
  });
  bool ok = true;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    ok = ok && segments[k].ok;
    if (!errors[k].empty() && !error) {
      error = fmt::format("bytes {}-{}: {}", places[k].span.from, places[k].to - 1, errors[k]);
    }
  }
  if (!ok && !error) error = budget.expired() ? budget.expired_reason() : "the matcher failed on this input";
  return segments;
}

ContentResult ContentScanner::scan_fetched(const Content& content, std::uint64_t size, const FetchRange& fetch,
                                           InputBudget& budget) {
  ContentResult result;
  result.scanned = true;
  result.content = content.claimed;
  std::vector<ScannedSegment> segments = fetch_split(content, size, 0, size, fetch, budget, result.error);
  for (const ScannedSegment& segment : segments) {
    if (segment.ok) result.bytes += segment.lines.span().end - segment.lines.span().begin;
  }
  result.matches = place_segments(segments);
  return result;
}

ContentResult ContentScanner::scan_fetched_ranges(const Content& content, std::uint64_t size,
                                                  const std::vector<std::uint32_t>& ranges, std::uint64_t range_size,
                                                  const FetchRange& fetch, InputBudget& budget,
                                                  std::vector<SplitRange>& facts) {
  ContentResult result;
  result.content = service_.unique_id();
  result.scanned = true;
  const auto count = static_cast<std::uint32_t>((size + range_size - 1) / range_size);
  for (const std::uint32_t range : ranges) {
    const std::uint64_t begin = std::uint64_t{range} * range_size;
    const std::uint64_t end = std::min<std::uint64_t>(size, begin + range_size);
    if (begin >= end) continue;
    std::vector<ScannedSegment> segments = fetch_split(content, size, begin, end, fetch, budget, result.error);
    // Placed as if the content began at the range: the merge adds what the ranges before say.
    engine::LinePlacer placer;
    for (ScannedSegment& segment : segments) place_into(placer, segment, result.matches, range);
    facts.push_back(SplitRange{content.chain.empty() ? std::string() : content.chain.front(), range, count, begin, end,
                               placer.newlines_before(), placer.last_before_from()});
    result.bytes += end - begin;
  }
  return result;
}

void ContentScanner::scan_plain(const Content& content, std::string_view bytes, bool split, InputBudget& budget,
                                ContentResult& result) {
  std::vector<ScannedSegment> segments;
  if (split) {
    segments = scan_split(content, bytes, 0, bytes.size(), budget);
  } else {
    segments.push_back(scan_whole(service_.context(), bytes, content.path, &budget));
  }
  bool ok = true;
  for (const ScannedSegment& segment : segments) ok = ok && segment.ok;
  if (!ok) result.error = budget.expired() ? budget.expired_reason() : "the matcher failed on this input";
  result.matches = place_segments(segments);
}

ContentResult ContentScanner::scan_ranges(const Content& content, std::string_view bytes,
                                          const std::vector<std::uint32_t>& ranges, std::uint64_t range_size,
                                          InputBudget& budget, std::vector<SplitRange>& facts) {
  ContentResult result;
  result.content = service_.unique_id();
  result.scanned = true;
  const auto count = static_cast<std::uint32_t>((bytes.size() + range_size - 1) / range_size);
  bool ok = true;
  for (const std::uint32_t range : ranges) {
    const std::uint64_t begin = std::uint64_t{range} * range_size;
    const std::uint64_t end = std::min<std::uint64_t>(bytes.size(), begin + range_size);
    if (begin >= end) continue;
    std::vector<ScannedSegment> segments = scan_split(content, bytes, begin, end, budget);
    // Placed as if the content began at the range: the merge adds what the ranges before say.
    engine::LinePlacer placer;
    for (ScannedSegment& segment : segments) {
      ok = ok && segment.ok;
      place_into(placer, segment, result.matches, range);
    }
    facts.push_back(SplitRange{content.chain.empty() ? std::string() : content.chain.front(), range, count, begin, end,
                               placer.newlines_before(), placer.last_before_from()});
    result.bytes += end - begin;
  }
  if (!ok) result.error = budget.expired() ? budget.expired_reason() : "the matcher failed on this input";
  return result;
}

ContentResult ContentScanner::scan(const Content& content, const io::ReadSome& read, InputBudget& budget) {
  ContentResult result;
  result.scanned = true;
  // The first bytes say whether the stream is an archive or compressed (`tar czf - . | sluice
  // scan -`); they are then read again like the rest.
  std::string head(io::kSniffBytes, '\0');
  std::string head_error;
  bool head_ok = true;
  head.resize(fill(read, head.data(), head.size(), &head_error, &head_ok));
  const bool head_failed = !head_ok;
  const ContentKind kind = head_failed ? ContentKind{} : classify_content(head, options_.archives.limits);
  if (kind.refused) result.error = *kind.refused;
  if (kind.container()) {
    const ContentId id = content.claimed ? *content.claimed : service_.unique_id();
    result.content = id;
    std::string block(std::size_t{1} << 20, '\0');
    io::PullSource source = [&](std::string* error) -> std::optional<std::string_view> {
      auto n = read(block.data(), block.size(), error);
      if (!n) return std::nullopt;
      return std::string_view(block.data(), *n);
    };
    result.archive.emplace();
    scan_archive_stream(service_, options_, budget, content.chain, id, head, std::move(source), *result.archive);
    result.bytes = result.archive->bytes;
    return result;
  }
  std::size_t head_used = 0;
  const io::ReadSome again = [&](char* into, std::size_t capacity, std::string* error) -> std::optional<std::size_t> {
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
    return read(into, capacity, error);
  };
  scan_plain_stream(content, again, budget, result);
  if (content.claimed) result.content = content.claimed;  // a blob named by its digest
  return result;
}

void ContentScanner::scan_plain_stream(const Content& content, const io::ReadSome& read, InputBudget& budget,
                                       ContentResult& result) {
  std::vector<engine::Match> matches;
  engine::StreamScanner scanner(service_.context(), content.path, matches);
  // Each chunk is read in after the last `keep` bytes before it: a match is confirmed up to
  // one overlap late (once the bytes after it arrived), and is placed from bytes at hand.
  const std::size_t keep = service_.context().rules().required_overlap();
  const std::size_t chunk = std::max<std::size_t>(options_.chunk_size, 1);
  std::string buffer(keep + chunk, '\0');
  std::size_t kept = 0;  // buffer[0, kept): the input bytes just before the chunk
  engine::LinePlacer placer;
  // Encoded spans that start before this offset were decoded; a span is decoded once `keep` / 2
  // bytes after its start are at hand (or the input ended).
  std::uint64_t decoded_to = 0;
  // A span that runs past the chunk is decoded later, its bytes kept until its end comes, as long
  // as no more than this is held; one longer is decoded as far as it is at hand, and counted.
  const std::size_t max_held = keep + 4 * service_.context().decode_limits().max_span;
  auto decode = [&](std::size_t filled, bool final) {
    const std::uint64_t end = result.bytes;
    const std::uint64_t buffer_begin = end - filled - kept;
    // Half the kept bytes: the next buffer starts before `to`, so a span that started earlier
    // is seen as cut there (and left alone), not as starting at the buffer's first byte.
    const std::uint64_t to = final ? end : (end > keep / 2 ? std::max(decoded_to, end - keep / 2) : decoded_to);
    if (to <= decoded_to) return true;
    const std::uint64_t from = std::max(decoded_to, buffer_begin);
    std::size_t deferred = 0;
    const bool defer = !final && kept + filled < max_held;
    const engine::DecodeStats before = service_.context().decode_stats();
    const bool ok =
        engine::scan_encoded(service_.context(), std::string_view(buffer.data(), kept + filled), buffer_begin,
                             static_cast<std::size_t>(from - buffer_begin), static_cast<std::size_t>(to - buffer_begin),
                             content.path, matches, final, defer ? &deferred : nullptr);
    decoded_to = defer ? buffer_begin + deferred : to;
    engine::DecodeStats delta = service_.context().decode_stats();
    delta -= before;
    budget.add_decoded(delta);
    return ok;
  };
  // Places what the matcher gave while reading the chunk buffer[kept, kept + filled), which
  // ends at result.bytes, then keeps the last `keep` bytes for the next chunk, or more when a
  // span left for later starts before them.
  auto place = [&](std::size_t filled) {
    const std::uint64_t end = result.bytes;
    const std::uint64_t begin = end - filled;
    const std::size_t next =
        std::min(std::max<std::size_t>(keep, static_cast<std::size_t>(end - std::min(end, decoded_to))), kept + filled);
    ScannedSegment segment{engine::SegmentLines({begin - kept, begin, end, end - next, false}), std::move(matches),
                           true};
    matches.clear();
    locate_matches(segment, std::string_view(buffer.data(), kept + filled));
    place_into(placer, segment, result.matches);
    std::memmove(buffer.data(), buffer.data() + kept + filled - next, next);
    kept = next;
    if (buffer.size() < kept + chunk) buffer.resize(kept + chunk);
  };
  // Bytes at hand are scanned before the budget is looked at: what arrived before a stall that
  // used the budget up (the first bytes, read to sniff the input) is still reported.
  for (;;) {
    std::string error;
    bool ok = true;
    const std::size_t filled = fill(read, buffer.data() + kept, chunk, &error, &ok);
    if (!scanner.feed(std::string_view(buffer.data() + kept, filled))) {
      result.error = "the matcher failed on this input";
      return;
    }
    result.bytes += filled;
    if (!decode(filled, !ok || filled < chunk)) {
      result.error = "the matcher failed on this input";
      return;
    }
    place(filled);
    if (!ok) {
      result.error = fmt::format("read failed after {} bytes: {}", result.bytes, error);
      break;
    }
    if (filled < chunk) break;  // end of input
    if (budget.expired()) {
      result.error = fmt::format("after {} bytes: {}", result.bytes, budget.expired_reason());
      break;
    }
  }
  if (!scanner.finish()) result.error = "the matcher failed on this input";
  place(0);
}

}  // namespace sluice::pipeline

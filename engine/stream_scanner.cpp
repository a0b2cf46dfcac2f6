#include "engine/stream_scanner.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice::engine {
namespace {

int on_hit(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int /*flags*/,
           void* user) noexcept {
  static_cast<std::vector<RawHit>*>(user)->push_back(RawHit{id, to});
  return 0;
}

}  // namespace

ScanContext::ScanContext(std::shared_ptr<const CompiledRules> rules) : rules_(std::move(rules)) {
  pending_.resize(rules_->size());
  last_start_.resize(rules_->size(), 0);
  last_end_.resize(rules_->size(), 0);
  const hs_database_t* db = rules_->database();
  if (db == nullptr) return;
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) throw std::runtime_error("cannot allocate Hyperscan scratch");
  scratch_.reset(scratch);
  hs_stream_t* stream = nullptr;
  if (hs_open_stream(db, 0, &stream) != HS_SUCCESS) throw std::runtime_error("cannot open a Hyperscan stream");
  stream_.reset(stream);
  stream = nullptr;
  if (hs_open_stream(db, 0, &stream) != HS_SUCCESS) throw std::runtime_error("cannot open a Hyperscan stream");
  rescan_stream_.reset(stream);
  tail_.reserve(rules_->max_window());
}

StreamScanner::StreamScanner(ScanContext& context, std::string_view path, std::vector<Match>& out, std::uint64_t base,
                             OwnedRange owned)
    : context_(context), path_(path), out_(out), base_(base), owned_(owned) {
  context_.tail_.clear();
  context_.deferred_.clear();
  for (std::uint32_t rule : context_.pending_rules_) context_.pending_[rule].reset();
  context_.pending_rules_.clear();
  std::fill(context_.last_start_.begin(), context_.last_start_.end(), 0);
  std::fill(context_.last_end_.begin(), context_.last_end_.end(), 0);
}

StreamScanner::~StreamScanner() {
  // An abandoned stream is reset without reporting, so the context is clean for the next input.
  if (!finished_ && context_.stream_) {
    hs_reset_stream(context_.stream_.get(), 0, nullptr, nullptr, nullptr);
  }
}

ScanContext& ScanContext::nested() {
  if (!nested_) {
    nested_ = std::make_unique<ScanContext>(rules_);
    nested_->min_confidence_ = min_confidence_;
  }
  return *nested_;
}

bool StreamScanner::feed(std::string_view chunk) {
  if (finished_) return false;
  if (!context_.stream_ || chunk.empty()) {
    fed_ += chunk.size();
    return true;
  }
  // hs_scan_stream takes a 32-bit length.
  constexpr std::size_t kMaxPiece = std::size_t{1} << 30;
  while (!chunk.empty()) {
    const std::string_view piece = chunk.substr(0, kMaxPiece);
    chunk.remove_prefix(piece.size());
    context_.hits_.clear();
    const hs_error_t rc = hs_scan_stream(context_.stream_.get(), piece.data(), static_cast<unsigned>(piece.size()), 0,
                                         context_.scratch_.get(), on_hit, &context_.hits_);
    if (rc != HS_SUCCESS) return false;
    if (fed_ > 0 && !context_.tail_.empty() && !rescan_boundary(piece)) return false;
    confirm_hits(piece, false);
    // Keep the bytes the next chunk's confirmations may need: a deferred hit's window and its
    // following context.
    const std::size_t keep = context_.rules().required_overlap();
    if (piece.size() >= keep) {
      context_.tail_.assign(piece.substr(piece.size() - keep));
    } else {
      context_.tail_.append(piece);
      if (context_.tail_.size() > keep) context_.tail_.erase(0, context_.tail_.size() - keep);
    }
    fed_ += piece.size();
    flush_settled(false);
  }
  return true;
}

bool StreamScanner::finish() {
  if (finished_) return true;
  finished_ = true;
  if (!context_.stream_) return true;
  // Reset (not close) keeps the stream allocated for the next input; with scratch given it
  // still reports end-of-data matches, exactly like hs_close_stream.
  const hs_error_t rc = hs_reset_stream(context_.stream_.get(), 0, context_.scratch_.get(), on_hit, &context_.hits_);
  if (rc != HS_SUCCESS) return false;
  confirm_hits({}, true);
  flush_settled(true);
  return true;
}

bool StreamScanner::rescan_boundary(std::string_view piece) {
  const std::string& tail = context_.tail_;
  // Small writes (tests, --chunk-size 1) would pay 4 KiB per byte: there the reach shrinks to
  // 64 times the write, at least 512 bytes. A match that spans several small writes ends in
  // the last of them and is covered by that boundary's rescan when it is no longer than this.
  const std::size_t reach = std::min(kBoundaryReach, std::max<std::size_t>(piece.size() * 64, 512));
  const std::size_t before = std::min(reach, tail.size());
  const std::size_t after = std::min(kBoundaryReach, piece.size());
  std::string& bytes = context_.rescan_bytes_;
  bytes.assign(tail, tail.size() - before, before);
  bytes.append(piece.substr(0, after));
  std::vector<RawHit>& found = context_.rescan_hits_;
  found.clear();
  hs_stream_t* stream = context_.rescan_stream_.get();
  // No end-of-data matches: the bytes go on after the window, and the stream reports what
  // ends at the window's end when it sees the bytes that follow.
  if (hs_reset_stream(stream, 0, nullptr, nullptr, nullptr) != HS_SUCCESS) return false;
  if (hs_scan_stream(stream, bytes.data(), static_cast<unsigned>(bytes.size()), 0, context_.scratch_.get(), on_hit,
                     &found) != HS_SUCCESS) {
    return false;
  }
  // Window offsets to stream offsets; a hit that ends before the boundary lay wholly in the
  // previous write, which the stream reported. A hit at a window start that is no real word
  // boundary is a candidate only: RE2 confirms it with the byte before it.
  std::vector<RawHit>& hits = context_.hits_;
  const std::size_t reported = hits.size();
  const std::uint64_t origin = fed_ - before;
  for (const RawHit& hit : found) {
    if (origin + hit.end > fed_) hits.push_back(RawHit{hit.rule, origin + hit.end});
  }
  if (hits.size() == reported) return true;
  // Hits are confirmed in end order; a hit both scans saw is confirmed once.
  const auto by_end = [](const RawHit& a, const RawHit& b) { return a.end != b.end ? a.end < b.end : a.rule < b.rule; };
  std::sort(hits.begin(), hits.end(), by_end);
  hits.erase(std::unique(hits.begin(), hits.end(),
                         [](const RawHit& a, const RawHit& b) { return a.end == b.end && a.rule == b.rule; }),
             hits.end());
  return true;
}

std::string_view StreamScanner::window_for(std::uint64_t start, std::uint64_t end, std::string_view chunk) {
  // Stream-relative offsets: the chunk covers [fed_, fed_ + chunk.size()), the tail the bytes before.
  if (start >= fed_) return chunk.substr(start - fed_, end - start);
  std::string& window = context_.window_;
  const std::string& tail = context_.tail_;
  const std::uint64_t tail_start = fed_ - tail.size();
  const std::uint64_t from = std::max(start, tail_start);
  const std::uint64_t tail_end = std::min<std::uint64_t>(end, fed_);
  window.assign(tail, from - tail_start, tail_end - from);
  if (end > fed_) window.append(chunk.substr(0, end - fed_));
  return window;
}

std::string_view StreamScanner::following_for(std::uint64_t end, std::string_view chunk) {
  // Up to kFollowingContext bytes from `end`, across the tail and the chunk.
  if (end >= fed_) return chunk.substr(end - fed_, kFollowingContext);
  const std::string& tail = context_.tail_;
  const std::uint64_t tail_start = fed_ - tail.size();
  const std::string_view in_tail = std::string_view(tail).substr(end - tail_start, kFollowingContext);
  if (in_tail.size() == kFollowingContext) return in_tail;
  context_.following_.assign(in_tail);
  context_.following_.append(chunk.substr(0, kFollowingContext - in_tail.size()));
  return context_.following_;
}

void StreamScanner::confirm_hits(std::string_view chunk, bool final) {
  const CompiledRules& rules = context_.rules();
  const std::uint64_t available = fed_ + chunk.size();
  // Deferred hits first: hits arrive in end order.
  std::vector<RawHit> hits;
  hits.swap(context_.deferred_);
  hits.insert(hits.end(), context_.hits_.begin(), context_.hits_.end());
  context_.hits_.clear();
  for (const RawHit& hit : hits) {
    const std::uint64_t end = hit.end;
    if (!final && end + kFollowingContext > available) {
      context_.deferred_.push_back(hit);
      continue;
    }
    const std::size_t reach = rules.compiled(hit.rule).window + 1;
    const std::uint64_t start = end > reach ? end - reach : 0;
    // A little more before it, as context (within the overlap kept: kFollowingContext).
    const std::uint64_t context_start = start > kPrecedingContext ? start - kPrecedingContext : 0;
    const std::string_view bytes = window_for(context_start, end, chunk);
    const std::string_view following = following_for(end, chunk);
    const std::size_t context = bytes.size() > end - start ? static_cast<std::size_t>(bytes.size() - (end - start)) : 0;
    std::optional<Match> match =
        confirm(rules, hit.rule, HitWindow{bytes, base_ + end - bytes.size(), path_, following, context},
                context_.min_confidence_);
    if (match) accept(std::move(*match));
  }
}

void StreamScanner::accept(Match match) {
  // Leftmost-longest, non-overlapping matches per rule, like a regex "find all": hits arrive
  // in end order, so a longer match that contains the last one replaces it, and any other
  // overlapping match is dropped.
  // A rule with `each_secret` reports a match holding a later secret beside the earlier one.
  const std::uint32_t rule = match.rule;
  std::optional<Match>& pending = context_.pending_[rule];
  const bool another_secret =
      context_.rules().compiled(rule).rule->each_secret && match.secret_offset >= context_.last_end_[rule];
  if (match.match_start < context_.last_end_[rule] && !another_secret) {
    if (pending && match.match_start <= context_.last_start_[rule] && match.match_end > pending->match_end) {
      context_.last_start_[rule] = match.match_start;
      context_.last_end_[rule] = match.match_end;
      pending = std::move(match);
    }
    return;
  }
  if (pending) {
    flush(rule);
  } else {
    context_.pending_rules_.push_back(rule);
  }
  context_.last_start_[rule] = match.match_start;
  context_.last_end_[rule] = match.match_end;
  pending = std::move(match);
}

void StreamScanner::flush(std::uint32_t rule) {
  std::optional<Match>& pending = context_.pending_[rule];
  if (!pending) return;
  // Segments of one input each report only the matches that end inside them; matches in
  // the overlap were still confirmed above so that overlaps resolve as in a serial scan.
  if (pending->match_end > owned_.begin && pending->match_end <= owned_.end) out_.push_back(std::move(*pending));
  pending.reset();
}

void StreamScanner::flush_settled(bool all) {
  // A pending match is settled once no match containing it can still end: that needs the
  // rule's window (plus one byte for a trailing \b) past its start.
  const CompiledRules& rules = context_.rules();
  std::vector<std::uint32_t>& open = context_.pending_rules_;
  std::size_t kept = 0;
  for (std::uint32_t rule : open) {
    std::optional<Match>& pending = context_.pending_[rule];
    // A deferred hit may still confirm a longer match containing the pending one.
    const std::uint64_t confirmed = context_.deferred_.empty() ? fed_ : context_.deferred_.front().end;
    if (pending && (all || pending->match_start + rules.compiled(rule).window + 2 <= base_ + confirmed)) flush(rule);
    if (pending) open[kept++] = rule;
  }
  open.resize(kept);
}

bool scan_buffer(ScanContext& context, std::string_view data, std::string_view path, std::vector<Match>& out,
                 std::uint64_t base, OwnedRange owned) {
  StreamScanner scanner(context, path, out, base, owned);
  return scanner.feed(data) && scanner.finish();
}

}  // namespace sluice::engine

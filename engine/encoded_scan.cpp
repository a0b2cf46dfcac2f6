#include "engine/encoded_scan.hpp"

#include <algorithm>

namespace sluice::engine {
namespace {

// Between two decoded spans: no secret runs across a blank line.
constexpr std::string_view kSeparator = "\n\n";

// Encoded bytes a part of a long span shares with the next part: a secret that starts before
// the cut and is at most about this long once decoded is whole in the part before it.
constexpr std::size_t kPartOverlap = 8192;

// A span that ends this close to the end of the bytes searched may go on past them.
constexpr std::size_t kCutSlack = 16;

// How far a span is followed past the bytes searched for it.
constexpr std::size_t kFollowReach = std::size_t{16} << 20;

// A decoded span in ScanContext::decoded_.
struct Piece {
  std::size_t begin = 0;  // in the decoded bytes
  std::size_t end = 0;
  std::size_t own_end = 0;   // a part of a long span: what starts from here is the next part's
  std::uint64_t offset = 0;  // the outermost encoded span (a part of it), absolute
  std::uint64_t offset_end = 0;
  DecodeChain chain;
};

}  // namespace

bool scan_encoded(ScanContext& context, std::string_view text, std::uint64_t base, std::size_t own_begin,
                  std::size_t own_end, std::string_view path, std::vector<Match>& out, bool ends_input,
                  std::size_t* defer_from) {
  const DecodeLimits& limits = context.decode_limits_;
  if (limits.max_depth == 0 || own_end <= own_begin) return true;
  DecodeStats& stats = context.decode_stats_;
  std::string& decoded = context.decoded_;
  std::string& decoding = context.decoding_;
  decoded.clear();
  std::vector<Piece> pieces;
  std::vector<EncodedSpan> spans;
  std::size_t budget = std::max(limits.min_budget, limits.budget_ratio * (own_end - own_begin));

  if (defer_from != nullptr) *defer_from = own_end;
  const std::size_t searched = std::min(text.size(), own_end + limits.max_span);
  // Whether a span found in text[0, limit) is whole: it ends before the bytes searched do (a
  // span is found whole units at a time, so one that was cut may end a few bytes before them).
  const auto whole_in = [&](const EncodedSpan& span, std::size_t limit) {
    return span.end + kCutSlack < limit || (limit == text.size() && ends_input);
  };
  const auto whole = [&](const EncodedSpan& span) { return whole_in(span, searched); };
  // A span the end of the search cut short while `text` goes on is followed to its end, as far
  // as kFollowReach: a long span across the segments of a mapped file. The decoded bytes it may
  // give grow by its bytes past own_end (no later call decodes them).
  const auto follow = [&](EncodedSpan& span) {
    if (searched == text.size()) return false;
    const std::size_t reach = std::min(text.size(), span.begin + kFollowReach);
    std::vector<EncodedSpan> found;
    find_encoded_spans(text.substr(span.begin, reach - span.begin), found);
    for (const EncodedSpan& f : found) {
      if (f.begin != 0 || f.decoding != span.decoding || f.end < span.end - span.begin) continue;
      span.end = span.begin + f.end;
      if (!whole_in(span, reach)) return false;
      budget += limits.budget_ratio * (span.end - std::min(span.end, own_end));
      return true;
    }
    return false;
  };
  std::vector<EncodedSpan> cut_spans;  // top-level spans whose end is not at hand
  std::string tail;
  // A span of `text` longer than max_span, cut into parts of at most that many bytes (each
  // decoded and scanned with kPartOverlap bytes of the next): a UTF-16 file, a base64 blob.
  // False when it cannot be cut.
  const auto decode_parts = [&](const EncodedSpan& span) {
    const std::string_view encoded = text.substr(span.begin, span.end - span.begin);
    if (limits.max_span <= 2 * kPartOverlap || cut_point(span.decoding, encoded, limits.max_span) == 0) return false;
    std::size_t from = 0;
    while (from < encoded.size()) {
      const std::size_t rest = encoded.size() - from;
      std::size_t cut = rest;
      if (rest > limits.max_span) {
        // Not 0: the decodings that are cut have a cut point in every stretch of max_span bytes.
        cut = cut_point(span.decoding, encoded.substr(from), limits.max_span - kPartOverlap);
        if (cut == 0) return false;
      }
      const std::size_t to = from + cut;
      const std::size_t shared = std::min(encoded.size(), to + kPartOverlap) - to;
      if (decoded.size() + cut + shared > budget) {
        ++stats.capped_spans;
        stats.capped_bytes += encoded.size() - from;
        return true;
      }
      if (decode_span(span.decoding, encoded.substr(from, cut), decoding)) {
        Piece piece;
        piece.begin = decoded.size();
        decoded += decoding;
        piece.own_end = decoded.size();
        if (shared > 0 && decode_span(span.decoding, encoded.substr(to, shared), tail)) decoded += tail;
        piece.end = decoded.size();
        decoded += kSeparator;
        piece.offset = base + span.begin + from;
        piece.offset_end = base + span.begin + to;
        piece.chain = DecodeChain{}.then(span.decoding);
        pieces.push_back(piece);
        ++stats.spans;
      }
      from = to;
    }
    return true;
  };

  // Decodes `spans` of `source` (decoded_ from `at` when `from_decoded`, else `text`).
  const auto decode_all = [&](bool from_decoded, std::size_t at, const Piece* parent) {
    for (const EncodedSpan& span : spans) {
      // What starts in a part's overlap is the next part's.
      if (parent != nullptr && at + span.begin >= parent->own_end) continue;
      const std::size_t length = span.end - span.begin;
      // Cut short by the end of the bytes at hand, the input going on: decoded as far as it is
      // at hand, and counted, as the rest of it is not decoded.
      const bool cut = !from_decoded && std::any_of(cut_spans.begin(), cut_spans.end(), [&](const EncodedSpan& c) {
        return c.begin == span.begin && c.decoding == span.decoding;
      });
      // A long span wholly at hand is decoded in parts.
      if (length > limits.max_span && !from_decoded && !cut && decode_parts(span)) continue;
      if (cut) {
        ++stats.capped_spans;
        stats.capped_bytes += length;
      }
      if (length > limits.max_span || decoded.size() + length > budget) {
        if (!cut) {
          ++stats.capped_spans;
          stats.capped_bytes += length;
        }
        continue;
      }
      const std::string_view source = from_decoded ? std::string_view(decoded) : text;
      if (!decode_span(span.decoding, source.substr(at + span.begin, length), decoding)) continue;
      Piece piece;
      piece.begin = decoded.size();
      decoded += decoding;
      piece.end = decoded.size();
      piece.own_end = piece.end;
      decoded += kSeparator;
      if (parent == nullptr) {
        piece.offset = base + span.begin;
        piece.offset_end = base + span.end;
        piece.chain = DecodeChain{}.then(span.decoding);
      } else {
        piece.offset = parent->offset;
        piece.offset_end = parent->offset_end;
        piece.chain = parent->chain.then(span.decoding);
      }
      pieces.push_back(piece);
      ++stats.spans;
    }
  };

  find_encoded_spans(text.substr(0, searched), spans);
  std::erase_if(spans, [&](const EncodedSpan& s) { return s.begin < own_begin || s.begin >= own_end; });
  std::vector<EncodedSpan> cut;
  for (EncodedSpan& span : spans) {
    if (!whole(span) && !follow(span)) cut.push_back(span);
  }
  // With defer_from, a cut span is left to a later call that has more of it at hand, and so is
  // every span that begins after it (that call owns them).
  if (defer_from != nullptr && !cut.empty()) {
    std::size_t first = own_end;
    for (const EncodedSpan& span : cut) first = std::min(first, span.begin);
    *defer_from = first;
    std::erase_if(spans, [&](const EncodedSpan& s) { return s.begin >= first; });
  }
  cut_spans.swap(cut);
  decode_all(false, 0, nullptr);
  // Each further depth searches what the one before decoded.
  std::size_t level_begin = 0;
  for (std::size_t depth = 1; depth < std::min(limits.max_depth, kMaxDecodeDepth); ++depth) {
    const std::size_t level_end = pieces.size();
    if (level_begin == level_end) break;
    for (std::size_t k = level_begin; k < level_end; ++k) {
      spans.clear();
      const Piece parent = pieces[k];
      find_encoded_spans(std::string_view(decoded).substr(parent.begin, parent.end - parent.begin), spans);
      decode_all(true, parent.begin, &parent);
    }
    level_begin = level_end;
  }
  if (pieces.empty()) return true;
  stats.bytes += decoded.size();

  std::vector<Match> found;
  if (!scan_buffer(context.nested(), decoded, path, found)) return false;
  for (Match& m : found) {
    // The piece the secret lies in; a match that spans two pieces is not a secret.
    auto it = std::upper_bound(pieces.begin(), pieces.end(), m.secret_offset,
                               [](std::uint64_t offset, const Piece& p) { return offset < p.begin; });
    if (it == pieces.begin()) continue;
    const Piece& piece = *std::prev(it);
    if (m.secret_offset + m.secret.size() > piece.end || m.secret_offset >= piece.own_end) continue;
    // A secret the encoding left as it was is where the plain scan finds it.
    const std::string_view encoded = text.substr(static_cast<std::size_t>(piece.offset - base),
                                                 static_cast<std::size_t>(piece.offset_end - piece.offset));
    if (encoded.find(m.secret) != std::string_view::npos) continue;
    m.secret_offset = piece.offset;
    m.match_start = piece.offset;
    m.match_end = piece.offset_end;
    // A rule that decoded its own value adds its step after the pieces'.
    DecodeChain chain = piece.chain;
    for (std::size_t k = 0; k < m.decodings.depth; ++k) chain = chain.then(m.decodings.steps[k]);
    m.decodings = chain;
    m.rule_decoded = false;
    out.push_back(std::move(m));
  }
  return true;
}

}  // namespace sluice::engine

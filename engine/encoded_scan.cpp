#include "engine/encoded_scan.hpp"

#include <algorithm>

namespace sluice::engine {
namespace {

// Between two decoded spans: no secret runs across a blank line.
constexpr std::string_view kSeparator = "\n\n";

// A decoded span in ScanContext::decoded_.
struct Piece {
  std::size_t begin = 0;  // in the decoded bytes
  std::size_t end = 0;
  std::uint64_t offset = 0;  // the outermost encoded span, absolute
  std::uint64_t offset_end = 0;
  DecodeChain chain;
};

}  // namespace

bool scan_encoded(ScanContext& context, std::string_view text, std::uint64_t base, std::size_t own_begin,
                  std::size_t own_end, std::string_view path, std::vector<Match>& out) {
  const DecodeLimits& limits = context.decode_limits_;
  if (limits.max_depth == 0 || own_end <= own_begin) return true;
  DecodeStats& stats = context.decode_stats_;
  std::string& decoded = context.decoded_;
  std::string& decoding = context.decoding_;
  decoded.clear();
  std::vector<Piece> pieces;
  std::vector<EncodedSpan> spans;
  const std::size_t budget = std::max(limits.min_budget, limits.budget_ratio * (own_end - own_begin));

  // Decodes `spans` of `source` (decoded_ from `at` when `from_decoded`, else `text`).
  const auto decode_all = [&](bool from_decoded, std::size_t at, const Piece* parent) {
    for (const EncodedSpan& span : spans) {
      const std::size_t length = span.end - span.begin;
      if (length > limits.max_span || decoded.size() + length > budget) {
        ++stats.capped_spans;
        stats.capped_bytes += length;
        continue;
      }
      const std::string_view source = from_decoded ? std::string_view(decoded) : text;
      if (!decode_span(span.decoding, source.substr(at + span.begin, length), decoding)) continue;
      Piece piece;
      piece.begin = decoded.size();
      decoded += decoding;
      piece.end = decoded.size();
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

  find_encoded_spans(text.substr(0, std::min(text.size(), own_end + limits.max_span)), spans);
  std::erase_if(spans, [&](const EncodedSpan& s) { return s.begin < own_begin || s.begin >= own_end; });
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
    if (m.secret_offset + m.secret.size() > piece.end) continue;
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

#pragma once
// Secrets inside encoded text: the encoded spans of a buffer (decoders.hpp) are decoded, nested
// up to the context's depth, and the decoded bytes go through the same rules and confirmation
// as plain bytes. A match found there is reported at the outermost encoded span, with the
// decodings that reached it.

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/stream_scanner.hpp"

namespace sluice::engine {

// Decodes the spans of `text` that begin in [own_begin, own_end) (offsets in `text`, whose
// first byte is at absolute offset `base`) and appends the matches of what they decode to, with
// secret_offset, match_start and match_end set to the outermost span's absolute offsets and
// `decodings` to the chain; a secret that stands as it is in the encoded text is left to the
// plain scan. Bounded by the context's DecodeLimits; what they leave undone is
// counted in its DecodeStats. Scans in context.nested(), so a stream open on `context` goes on
// undisturbed. A span longer than DecodeLimits::max_span is decoded in parts when its end is at
// hand: it ends before `text` does, or `ends_input` says that `text` ends where the input does.
// False if Hyperscan failed.
[[nodiscard]] bool scan_encoded(ScanContext& context, std::string_view text, std::uint64_t base, std::size_t own_begin,
                                std::size_t own_end, std::string_view path, std::vector<Match>& out,
                                bool ends_input = false);

}  // namespace sluice::engine

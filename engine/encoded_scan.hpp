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
// undisturbed. `ends_input` says that `text` ends where the input does. A span is followed to
// its end through the rest of `text`; one longer than DecodeLimits::max_span is decoded in parts.
// A span that `text` cuts short (the input going on) is, without `defer_from`, decoded as far as
// it is at hand and counted as capped, since its rest is not decoded. With `defer_from`, it is
// not decoded: *defer_from is set to its offset in `text` (the first such span's), spans that
// begin there or later are left too, and the caller calls again with more of the input at hand
// and own_begin there; *defer_from is own_end when nothing was left. False if Hyperscan failed.
[[nodiscard]] bool scan_encoded(ScanContext& context, std::string_view text, std::uint64_t base, std::size_t own_begin,
                                std::size_t own_end, std::string_view path, std::vector<Match>& out,
                                bool ends_input = false, std::size_t* defer_from = nullptr);

}  // namespace sluice::engine

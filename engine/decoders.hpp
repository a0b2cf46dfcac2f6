#pragma once
// Encoded text that may hide a secret: where it is (find_encoded_spans) and what it decodes to
// (decode_span). Pure functions on bytes; scan_encoded (encoded_scan.hpp) runs them on a
// content and scans what they give with the same rules.
//
// Candidates are cheap to find and cheap to reject: a span is a run of one encoding's alphabet
// long enough to hold a secret (base64 and hex runs, percent-encoded, backslash-escaped,
// entity-encoded and quoted-printable text, UTF-16/32 code units of ASCII), and its decoding is
// kept only when it reads as text (decode_span says no to the bytes that random base64, a hash
// in hex or an identifier decode to).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::engine {

enum class Decoding : std::uint8_t {
  kBase64,  // standard or URL-safe, padded or not, wrapped lines joined
  kHex,     // an even run of hex digits
  kPercent,
  kEscape,  // JSON, JavaScript and C string escapes: \n \t \uXXXX \/ \xNN ...
  kHtml,    // HTML and XML character references: &amp; &#43; &#x2b;
  kQuotedPrintable,
  kUtf16le,
  kUtf16be,
  kUtf32le,
  kUtf32be,
};

// "base64", "hex", "percent", "escape", "html", "quoted-printable", "utf-16le", "utf-16be",
// "utf-32le", "utf-32be".
[[nodiscard]] std::string_view decoding_name(Decoding decoding) noexcept;

// The decodings applied to reach a secret, outermost first.
inline constexpr std::size_t kMaxDecodeDepth = 4;
struct DecodeChain {
  std::array<Decoding, kMaxDecodeDepth> steps{};
  std::uint8_t depth = 0;

  [[nodiscard]] bool empty() const noexcept { return depth == 0; }
  [[nodiscard]] DecodeChain then(Decoding decoding) const noexcept {
    DecodeChain next = *this;
    if (next.depth < kMaxDecodeDepth) next.steps[next.depth++] = decoding;
    return next;
  }
  [[nodiscard]] std::vector<std::string> names() const;
  friend bool operator==(const DecodeChain& a, const DecodeChain& b) noexcept {
    if (a.depth != b.depth) return false;
    for (std::size_t k = 0; k < a.depth; ++k) {
      if (a.steps[k] != b.steps[k]) return false;
    }
    return true;
  }
};

struct EncodedSpan {
  std::size_t begin = 0;  // offsets in the text searched
  std::size_t end = 0;
  Decoding decoding = Decoding::kBase64;
};

// Shortest decoded text worth scanning: no secret of the catalog is shorter.
inline constexpr std::size_t kMinDecoded = 16;

// Appends to `out` the spans of `text` that may decode to a secret, in order of `begin` (spans
// of different decodings may overlap).
void find_encoded_spans(std::string_view text, std::vector<EncodedSpan>& out);

// The instruction sets the search can use: every one gives the same spans.
enum class SpanSearch : std::uint8_t { kPortable, kAvx2, kAvx512, kAvx512Vbmi };
[[nodiscard]] bool span_search_supported(SpanSearch search) noexcept;
// The best the CPU supports, or the lesser one the environment variable SLUICE_SPAN_SEARCH names
// (sse2, avx2, avx512bw: for benchmarks of what other CPUs run; anything else is ignored).
[[nodiscard]] SpanSearch default_span_search() noexcept;
// The same with a given instruction set (tests compare them).
void find_encoded_spans(std::string_view text, std::vector<EncodedSpan>& out, SpanSearch search);

// Decodes `encoded` (a span find_encoded_spans gave) into `out` (replaced). False when it does
// not decode, or decodes to fewer than kMinDecoded bytes or to bytes that are not text (a
// secret is printable; random base64 or a hex digest decodes to noise).
[[nodiscard]] bool decode_span(Decoding decoding, std::string_view encoded, std::string& out);

// Where a span longer than a decoding may take at once can be cut so that each part decodes on
// its own: an offset in (0, limit] of `encoded` (the span from where its last part began) at a
// base64 group (at a line start when one is near), a hex digit pair or a code unit; 0 for the
// decodings that are not cut (escapes, references, percent-encoding, quoted-printable).
[[nodiscard]] std::size_t cut_point(Decoding decoding, std::string_view encoded, std::size_t limit) noexcept;

// Decodes a whole value a format names as base64 (a rule's `decode`) into `out` (replaced).
// Stricter than decode_span and with no least length: true only when every character is of
// the base64 alphabet (standard or URL-safe, padding at the end) and every decoded byte is
// printable ASCII, a tab or line break, or part of valid UTF-8: a password, not a binary blob.
[[nodiscard]] bool decode_base64_value(std::string_view encoded, std::string& out);

}  // namespace sluice::engine

#include "engine/decoders.hpp"

#include <curl/curl.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <tuple>

namespace sluice::engine {
namespace {

// Byte classes, one table for the whole search.
enum : std::uint8_t {
  kB64 = 1,    // base64, standard and URL-safe alphabets
  kHexc = 2,   // hex digit
  kUpper = 4,  // A-Z
  kLower = 8,  // a-z
  kUrl = 16,   // may appear in a URL or a form value (percent-encoded text)
  kWord = 32,  // not a space, quote or bracket: may appear inside an entity-encoded value
  kText = 64,  // printable ASCII, tab, newline, carriage return
};

constexpr std::array<std::uint8_t, 256> make_classes() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t k = 0;
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    if (upper || lower || digit || c == '+' || c == '/' || c == '-' || c == '_') k |= kB64;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) k |= kHexc;
    if (upper) k |= kUpper;
    if (lower) k |= kLower;
    if (upper || lower || digit) k |= kUrl;
    for (char u : std::string_view("-._~:/?#[]@!$&'()*+,;=%")) {
      if (c == static_cast<unsigned char>(u)) k |= kUrl;
    }
    if (c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`') k |= kWord;
    if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r') k |= kText;
    t[static_cast<std::size_t>(c)] = k;
  }
  return t;
}
constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

std::uint8_t cls(char c) noexcept { return kClasses[static_cast<unsigned char>(c)]; }
bool is(char c, std::uint8_t k) noexcept { return (cls(c) & k) != 0; }

// Whether decoded bytes read as text: a secret is printable ASCII, and the NUL bytes of UTF-16
// are let through for the next decoding.
bool reads_as_text(std::string_view bytes) noexcept {
  std::size_t text = 0;
  for (char c : bytes) text += (is(c, kText) || c == '\0') ? 1 : 0;
  return text * 10 >= bytes.size() * 9;
}

// Shortest encoded run worth decoding.
constexpr std::size_t kMinBase64 = 20;
constexpr std::size_t kMinHex = 32;
// How far back a span around an escape, a '%' or a '&' is looked for.
constexpr std::size_t kMaxReach = 4096;
// The lengths of a quoted-printable line that ends in a soft break.
constexpr std::size_t kMinQpLine = 74;
constexpr std::size_t kMaxQpLine = 76;
// A wrapped base64 line at least this long is continued by the next line.
constexpr std::size_t kMinWrap = 40;

#if defined(__SSE2__)
// SSE2 byte classes: lo <= byte <= hi (signed bytes: ASCII ranges), byte == c.
inline __m128i sse2_range(__m128i v, char lo, char hi) noexcept {
  return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                       _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
}
inline __m128i sse2_eq(__m128i v, char c) noexcept { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); }
#endif

// The base64 (or hex) run at `at`, lines of equal length joined (PEM bodies, MIME parts, YAML
// block scalars): its end, and whether it holds upper and lower case letters and only hex.
// The end of the run of the base64 alphabet (both) at `at`: 16 bytes at a time.
std::size_t alphabet_end(std::string_view text, std::size_t at) noexcept {
#if defined(__SSE2__)
  while (at + 16 <= text.size()) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    const __m128i letters = sse2_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    const __m128i signs =
        _mm_or_si128(_mm_or_si128(sse2_eq(v, '+'), sse2_eq(v, '/')), _mm_or_si128(sse2_eq(v, '-'), sse2_eq(v, '_')));
    const __m128i alphabet = _mm_or_si128(_mm_or_si128(letters, sse2_range(v, '0', '9')), signs);
    const unsigned in = static_cast<unsigned>(_mm_movemask_epi8(alphabet));
    if (in != 0xffffu) return at + static_cast<unsigned>(__builtin_ctz(~in));
    at += 16;
  }
#endif
  while (at < text.size() && is(text[at], kB64)) ++at;
  return at;
}

struct Run {
  std::size_t alphabet_end = 0;  // before the padding
  std::size_t end = 0;
  std::size_t chars = 0;  // alphabet characters, without line breaks and indentation
  bool mixed_case = false;
  bool all_hex = true;
};

Run base64_run(std::string_view text, std::size_t at) {
  Run run;
  std::uint8_t seen = 0;
  // One line of the run from `i`: its end and what it holds (once both cases were seen and a
  // byte that is not hex, only the end: random base64 may run for megabytes).
  const auto line_of = [&](std::size_t i, std::uint8_t& classes, bool& hex) {
    while (i < text.size() && is(text[i], kB64)) {
      if (!hex && (classes & kUpper) != 0 && (classes & kLower) != 0) return alphabet_end(text, i);
      classes |= cls(text[i]);
      hex = hex && is(text[i], kHexc);
      ++i;
    }
    return i;
  };
  run.end = line_of(at, seen, run.all_hex);
  run.chars = run.end - at;
  const std::size_t width = run.chars;  // of every line but the last
  // Lines as long as the first (a wrap width), then a last one no longer, each filling its
  // line up to the padding: joined.
  const auto ends_line = [&](std::size_t i) {
    while (i < text.size() && text[i] == '=') ++i;
    return i >= text.size() || text[i] == '\n' || text[i] == '\r';
  };
  while (width >= kMinWrap && run.end < text.size() && text[run.end] != '=' && ends_line(run.end)) {
    std::size_t next = run.end;
    if (next < text.size() && text[next] == '\r') ++next;
    if (next >= text.size() || text[next] != '\n') break;
    ++next;
    while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
    std::uint8_t classes = seen;
    bool hex = run.all_hex;
    const std::size_t end = line_of(next, classes, hex);
    const std::size_t length = end - next;
    if (length == 0 || length > width || !ends_line(end)) break;
    seen = classes;
    run.all_hex = hex;
    run.chars += length;
    run.end = end;
    if (length < width) break;  // the last line
  }
  run.alphabet_end = run.end;
  for (int pad = 0; pad < 2 && run.end < text.size() && text[run.end] == '='; ++pad) ++run.end;
  run.mixed_case = (seen & kUpper) != 0 && (seen & kLower) != 0;
  return run;
}

// An upper-case letter next to a lower-case one: base64 of text has them, identifiers in
// snake_case or CONSTANT_CASE do not. A run needs one past its first kFlipFrom characters: names
// with a lower-case prefix (mmSDMA0_CNTL, regDCIO_CNTL, ixCG_SPLL: a million of them in the
// Linux tree) have their only flip there; random base64 of 24 characters has none there 0.09%
// of the time (0.03% anywhere).
constexpr std::size_t kFlipFrom = 3;
bool has_case_flip(std::string_view run) noexcept {
  for (std::size_t k = 1; k < run.size(); ++k) {
    const std::uint8_t a = cls(run[k - 1]), b = cls(run[k]);
    if (((a & kUpper) != 0 && (b & kLower) != 0) || ((a & kLower) != 0 && (b & kUpper) != 0)) return true;
  }
  return false;
}

bool hex_pair(std::string_view text, std::size_t at) noexcept {
  return at + 1 < text.size() && is(text[at], kHexc) && is(text[at + 1], kHexc);
}

bool upper_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

bool is_quote(char c) noexcept { return c == '"' || c == '\'' || c == '`'; }

// The string literal around the backslash at `at`: from the quote before it (or the line's
// start) to the quote that closes it (or the line's end).
EncodedSpan escaped_string(std::string_view text, std::size_t at, std::size_t floor) {
  std::size_t begin = at;
  while (begin > floor && text[begin - 1] != '\n' &&
         !(is_quote(text[begin - 1]) && (begin < 2 || text[begin - 2] != '\\')))
    --begin;
  std::size_t end = at;
  while (end < text.size() && text[end] != '\n') {
    if (text[end] == '\\') {
      end += 2;
      continue;
    }
    if (is_quote(text[end])) break;
    ++end;
  }
  return {begin, std::min(end, text.size()), Decoding::kEscape};
}

// A string whose only escapes are line breaks, tabs, quotes and backslashes holds any secret as
// it is (a secret has none of them), and the plain scan sees it: unescaping it pays only for a
// long one (a key in JSON, whose lines are joined by "\n", reads like a PEM block once
// unescaped). Most such strings are messages ("value %d\n", "\"%s\"").
constexpr std::size_t kMinWeaklyEscaped = 128;
// A weak escape (n r t " ' \\) on a line shorter than this is in such a string: step() passes it
// over without looking for its string (a strong escape of the same string, if any, finds it).
constexpr std::size_t kWeakLine = kMinWeaklyEscaped;
bool weak_escape_in_short_line(std::string_view text, std::size_t at) noexcept {
  const char e = text[at + 1];
  if (e != 'n' && e != 'r' && e != 't' && e != '"' && e != '\'' && e != '\\') return false;
  const std::size_t from = at > kWeakLine ? at - kWeakLine : 0;
  const void* before = memrchr(text.data() + from, '\n', at - from);
  if (before == nullptr && from > 0) return false;
  const std::size_t line_begin =
      before == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(before) - text.data()) + 1;
  const std::size_t limit = std::min(text.size(), line_begin + kWeakLine);
  const void* after = std::memchr(text.data() + at, '\n', limit - at);
  return after != nullptr || limit == text.size();
}

bool escape_follows(std::string_view text, std::size_t at) noexcept {
  if (at + 1 >= text.size()) return false;
  switch (text[at + 1]) {
    case 'n':
    case 'r':
    case 't':
    case '/':
    case '"':
    case '\'':
    case 'b':
    case 'f':
    case '\\':
      return true;
    case 'u':
      return at + 5 < text.size() && hex_pair(text, at + 2) && hex_pair(text, at + 4);
    case 'x':
      return hex_pair(text, at + 2);
    default:
      return false;
  }
}

bool worth_unescaping(std::string_view s) noexcept {
  if (s.size() < kMinDecoded) return false;
  if (s.size() >= kMinWeaklyEscaped) return true;
  // A strong escape is one the search stops at (escape_follows) that is not weak: the string is
  // then found from it whichever of its escapes was looked at first.
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    const char e = s[i + 1];
    if (e != 'n' && e != 'r' && e != 't' && e != '"' && e != '\'' && e != '\\' && escape_follows(s, i)) return true;
    ++i;
  }
  return false;
}

// A character reference at `at` (&name; &#NN; &#xHH;): its length, or 0.
std::size_t entity_at(std::string_view text, std::size_t at) noexcept {
  std::size_t i = at + 1;
  const std::size_t limit = std::min(text.size(), at + 12);
  if (i < limit && text[i] == '#') {
    ++i;
    const bool hex = i < limit && (text[i] == 'x' || text[i] == 'X');
    if (hex) ++i;
    const std::size_t digits = i;
    while (i < limit && (hex ? is(text[i], kHexc) : (text[i] >= '0' && text[i] <= '9'))) ++i;
    return i > digits && i < limit && text[i] == ';' ? i + 1 - at : 0;
  }
  const std::size_t name = i;
  while (i < limit && is(text[i], kUpper | kLower)) ++i;
  return i - name >= 2 && i < limit && text[i] == ';' ? i + 1 - at : 0;
}

// Widens [at, at + 1) to the maximal run of bytes of class `k`.
EncodedSpan run_around(std::string_view text, std::size_t at, std::size_t floor, std::uint8_t k, Decoding decoding) {
  std::size_t begin = at;
  while (begin > floor && is(text[begin - 1], k)) --begin;
  std::size_t end = at + 1;
  while (end < text.size() && is(text[end], k)) ++end;
  return {begin, end, decoding};
}

// Quoted-printable: the lines joined by soft breaks ("=" at a line's end) around `at`.
EncodedSpan quoted_printable(std::string_view text, std::size_t at) {
  std::size_t begin = at;
  while (begin > 0 && text[begin - 1] != '\n') --begin;
  std::size_t end = at;
  for (;;) {
    while (end < text.size() && text[end] != '\n') ++end;
    const bool soft = end > begin && text[end - 1] == '=';
    const bool soft_crlf = end > begin + 1 && text[end - 1] == '\r' && text[end - 2] == '=';
    if (end >= text.size() || !(soft || soft_crlf)) break;
    ++end;
  }
  return {begin, end, Decoding::kQuotedPrintable};
}

// UTF-16 or UTF-32 code units of ASCII text, `width` bytes each, the character first (little
// endian) or last: runs of at least kMinDecoded units.
void unit_runs(std::string_view text, std::vector<EncodedSpan>& out) {
  const auto unit = [&](std::size_t at, std::size_t width, bool little) {
    if (at + width > text.size()) return false;
    const std::size_t ch = little ? at : at + width - 1;
    for (std::size_t b = 0; b < width; ++b) {
      if (at + b != ch && text[at + b] != '\0') return false;
    }
    return is(text[ch], kText);
  };
  // A run of `width`-byte units from `start`: its end when it is long enough, else 0.
  const auto run_from = [&](std::size_t start, std::size_t width, bool little) -> std::size_t {
    std::size_t end = start;
    while (unit(end, width, little)) end += width;
    return (end - start) / width >= kMinDecoded ? end : 0;
  };
  std::size_t i = 0;
  while (i + 2 * kMinDecoded <= text.size()) {
    const void* zero = std::memchr(text.data() + i, '\0', text.size() - i);
    if (zero == nullptr) break;
    // A run of NUL bytes [a, b): a little-endian unit ends its character at a - 1, a big-endian
    // one starts its character at b. Long runs of NUL (padding, a zeroed file) cost one pass.
    const std::size_t a = static_cast<std::size_t>(static_cast<const char*>(zero) - text.data());
    std::size_t b = a + 1;
    while (b < text.size() && text[b] == '\0') ++b;
    std::size_t end = 0;
    if (a > 0 && b - a == 3 && (end = run_from(a - 1, 4, true)) != 0) {
      out.push_back({a - 1, end, Decoding::kUtf32le});
    } else if (b - a == 3 && b < text.size() && (end = run_from(a, 4, false)) != 0) {
      out.push_back({a, end, Decoding::kUtf32be});
    } else if (a > 0 && b - a == 1 && (end = run_from(a - 1, 2, true)) != 0) {
      out.push_back({a - 1, end, Decoding::kUtf16le});
    } else if (b < text.size() && (end = run_from(b - 1, 2, false)) != 0) {
      out.push_back({b - 1, end, Decoding::kUtf16be});
    }
    i = std::max(end, b);
  }
}

// Base64 of text: the first character of each group of four holds the top six bits of a
// byte, 8-31 for printable ASCII ('I'-'Z', 'a'-'f'), 2-3 for a tab or line break ('C', 'D') and
// 0 for the NUL of UTF-16 ('A'). Looked at in the first eight groups (an identifier passes
// one in about 2.7).
bool plausible_base64_text(std::string_view encoded) noexcept {
  std::size_t position = 0;
  std::size_t groups = 0;
  for (char c : encoded) {
    if (!is(c, kB64)) continue;  // line breaks and indentation of wrapped lines
    if (position++ % 4 != 0) continue;
    const bool text = (c >= 'I' && c <= 'Z') || (c >= 'a' && c <= 'f') || c == 'A' || c == 'C' || c == 'D';
    if (!text) return false;
    if (++groups == 8) break;
  }
  return true;
}

void decode_base64(std::string_view encoded, std::string& out) {
  std::string clean;
  clean.reserve(encoded.size() + 3);
  for (char c : encoded) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
    if (is(c, kB64)) clean.push_back(c);
  }
  if (clean.size() % 4 == 1) clean.pop_back();  // a stray character cannot be decoded
  std::size_t pad = 0;
  while (clean.size() % 4 != 0) {
    clean.push_back('=');
    ++pad;
  }
  out.resize(clean.size() / 4 * 3);
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) {
    out.clear();
    return;
  }
  out.resize(static_cast<std::size_t>(n) - pad);
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

std::uint32_t hex_number(std::string_view digits) noexcept {
  std::uint32_t value = 0;
  for (char c : digits) value = value * 16 + static_cast<std::uint32_t>(hex_value(c));
  return value;
}

void decode_escapes(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char e = s[++i];
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'x':
        if (hex_pair(s, i + 1)) {
          out.push_back(static_cast<char>(hex_number(s.substr(i + 1, 2))));
          i += 2;
        } else {
          out.push_back(e);
        }
        break;
      case 'u':
        if (i + 4 < s.size() && hex_pair(s, i + 1) && hex_pair(s, i + 3)) {
          std::uint32_t cp = hex_number(s.substr(i + 1, 4));
          i += 4;
          // A surrogate pair written as two escapes.
          if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' &&
              hex_pair(s, i + 3) && hex_pair(s, i + 5)) {
            const std::uint32_t low = hex_number(s.substr(i + 3, 4));
            if (low >= 0xdc00 && low < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
              i += 6;
            }
          }
          append_utf8(out, cp);
        } else {
          out.push_back(e);
        }
        break;
      default:
        out.push_back(e);  // \" \' \\ \/ and anything else: the character itself
    }
  }
}

void decode_percent(std::string_view s, std::string& out) {
  int length = 0;
  char* decoded = curl_easy_unescape(nullptr, s.data(), static_cast<int>(s.size()), &length);
  if (decoded == nullptr) return;
  out.assign(decoded, static_cast<std::size_t>(length));
  curl_free(decoded);
}

void decode_html(std::string_view s, std::string& out) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'},    {"lt", '<'},     {"gt", '>'},      {"quot", '"'},   {"apos", '\''},  {"sol", '/'},
      {"plus", '+'},   {"equals", '='}, {"colon", ':'},   {"period", '.'}, {"comma", ','},  {"excl", '!'},
      {"num", '#'},    {"dollar", '$'}, {"percnt", '%'},  {"lpar", '('},   {"rpar", ')'},   {"ast", '*'},
      {"quest", '?'},  {"commat", '@'}, {"lsqb", '['},    {"rsqb", ']'},   {"lowbar", '_'}, {"lcub", '{'},
      {"rcub", '}'},   {"verbar", '|'}, {"bsol", '\\'},   {"Hat", '^'},    {"grave", '`'},  {"semi", ';'},
      {"hyphen", '-'}, {"nbsp", ' '},   {"NewLine", '\n'}};
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::size_t length = s[i] == '&' ? entity_at(s, i) : 0;
    if (length == 0) {
      out.push_back(s[i]);
      continue;
    }
    const std::string_view body = s.substr(i + 1, length - 2);
    bool done = false;
    if (body[0] == '#') {
      const bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
      std::uint32_t cp = 0;
      for (char c : body.substr(hex ? 2 : 1)) {
        cp = hex ? cp * 16 + static_cast<std::uint32_t>(hex_value(c)) : cp * 10 + static_cast<std::uint32_t>(c - '0');
        if (cp > 0x10ffff) break;
      }
      if (cp <= 0x10ffff) {
        append_utf8(out, cp);
        done = true;
      }
    } else {
      for (const auto& [name, c] : kNamed) {
        if (body == name) {
          out.push_back(c);
          done = true;
          break;
        }
      }
    }
    if (done) {
      i += length - 1;
    } else {
      out.push_back(s[i]);
    }
  }
}

// False when it only dropped a soft break at the end (no escape, no lines joined).
bool decode_quoted_printable(std::string_view s, std::string& out) {
  bool changed = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '\n') {
      changed = changed || i + 2 < s.size();
      i += 1;
    } else if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
      changed = changed || i + 3 < s.size();
      i += 2;
    } else if (i + 2 < s.size() && upper_hex(s[i + 1]) && upper_hex(s[i + 2])) {
      out.push_back(static_cast<char>(hex_number(s.substr(i + 1, 2))));
      changed = true;
      i += 2;
    } else {
      out.push_back('=');
    }
  }
  return changed;
}

void decode_units(std::string_view s, std::size_t width, bool little, std::string& out) {
  for (std::size_t at = 0; at + width <= s.size(); at += width) out.push_back(s[little ? at : at + width - 1]);
}

// Where the spans found so far end, per escape character: one inside them starts nothing new
// (a string of a million "\n" is one span, not a million stops).
struct Covered {
  std::size_t backslash = 0;
  std::size_t percent = 0;
  std::size_t ampersand = 0;
  std::size_t equals = 0;
  [[nodiscard]] bool quiet(char c, std::size_t at) const noexcept {
    switch (c) {
      case '\\':
        return at < backslash;
      case '%':
        return at < percent;
      case '&':
        return at < ampersand;
      case '=':
        return at < equals;
      default:
        return false;
    }
  }
};

#if defined(__x86_64__)
// 64 bytes classified at once: bit k of each mask is byte k. Each byte is compared with the one
// after it (a second load one byte further), so a block needs nothing of the next but its
// masks for runs that cross into it.
struct BlockMasks {
  std::uint64_t alphabet = 0;  // base64, both alphabets
  std::uint64_t hex = 0;
  std::uint64_t flips = 0;       // a letter followed by one of the other case
  std::uint64_t escapes = 0;     // '\\', '%' or '=' followed by what step() needs there
  std::uint64_t ampersands = 0;  // '&' followed by a letter or '#'
  std::uint64_t semicolons = 0;  // which end a character reference
};

#define SLUICE_AVX2 __attribute__((target("avx2")))
#define SLUICE_AVX512 __attribute__((target("avx512f,avx512bw")))

SLUICE_AVX2 inline __m256i range32(__m256i x, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), x));
}
SLUICE_AVX2 inline __m256i eq32(__m256i x, char c) { return _mm256_cmpeq_epi8(x, _mm256_set1_epi8(c)); }
SLUICE_AVX2 inline std::uint64_t bits32(__m256i x) { return static_cast<std::uint32_t>(_mm256_movemask_epi8(x)); }

SLUICE_AVX2 __attribute__((always_inline)) inline BlockMasks block_masks(const char* p) {
  BlockMasks m;
  for (unsigned half = 0; half < 2; ++half) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half + 1));  // the next bytes
    const unsigned shift = 32 * half;
    const __m256i case_bit = _mm256_set1_epi8(0x20);
    const __m256i folded = _mm256_or_si256(v, case_bit);
    const __m256i letter = range32(folded, 'a', 'z');
    const __m256i next_letter = range32(_mm256_or_si256(w, case_bit), 'a', 'z');
    const __m256i lower = _mm256_cmpeq_epi8(_mm256_and_si256(v, case_bit), case_bit);
    const __m256i next_lower = _mm256_cmpeq_epi8(_mm256_and_si256(w, case_bit), case_bit);
    const __m256i digit = range32(v, '0', '9');
    const __m256i sign =
        _mm256_or_si256(_mm256_or_si256(eq32(v, '+'), eq32(v, '/')), _mm256_or_si256(eq32(v, '-'), eq32(v, '_')));
    const __m256i flips = _mm256_and_si256(_mm256_and_si256(letter, next_letter), _mm256_xor_si256(lower, next_lower));
    m.ampersands |= bits32(_mm256_and_si256(eq32(v, '&'), _mm256_or_si256(next_letter, eq32(w, '#')))) << shift;
    m.semicolons |= bits32(eq32(v, ';')) << shift;
    m.alphabet |= bits32(_mm256_or_si256(_mm256_or_si256(letter, digit), sign)) << shift;
    m.hex |= bits32(_mm256_or_si256(digit, range32(folded, 'a', 'f'))) << shift;
    m.flips |= bits32(flips) << shift;
    // The escape characters, each only before what step() takes (as in block_masks_avx512).
    const __m256i backslashes = eq32(v, '\\'), percents = eq32(v, '%'), equals = eq32(v, '=');
    if (bits32(_mm256_or_si256(_mm256_or_si256(backslashes, percents), equals)) == 0) continue;
    const __m256i w2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half + 2));
    const __m256i escaped = _mm256_or_si256(
        _mm256_or_si256(_mm256_or_si256(eq32(w, 'n'), eq32(w, 'r')), _mm256_or_si256(eq32(w, 't'), eq32(w, '/'))),
        _mm256_or_si256(
            _mm256_or_si256(_mm256_or_si256(eq32(w, '"'), eq32(w, '\'')), _mm256_or_si256(eq32(w, 'b'), eq32(w, 'f'))),
            _mm256_or_si256(eq32(w, '\\'), _mm256_or_si256(eq32(w, 'u'), eq32(w, 'x')))));
    const __m256i next_hex = _mm256_or_si256(range32(w, '0', '9'), range32(_mm256_or_si256(w, case_bit), 'a', 'f'));
    const __m256i next2_hex = _mm256_or_si256(range32(w2, '0', '9'), range32(_mm256_or_si256(w2, case_bit), 'a', 'f'));
    const __m256i next_af = range32(w, 'A', 'F'), next2_af = range32(w2, 'A', 'F');
    const __m256i qp_escape = _mm256_and_si256(_mm256_and_si256(_mm256_or_si256(range32(w, '0', '9'), next_af),
                                                                _mm256_or_si256(range32(w2, '0', '9'), next2_af)),
                                               _mm256_or_si256(next_af, next2_af));
    const __m256i soft = _mm256_or_si256(eq32(w, '\n'), _mm256_and_si256(eq32(w, '\r'), eq32(w2, '\n')));
    const __m256i escapes =
        _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(backslashes, escaped),
                                        _mm256_and_si256(percents, _mm256_and_si256(next_hex, next2_hex))),
                        _mm256_and_si256(equals, _mm256_or_si256(qp_escape, soft)));
    m.escapes |= bits32(escapes) << shift;
  }
  return m;
}

SLUICE_AVX512 inline std::uint64_t in_range64(__m512i x, char lo, char span) {
  return _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(lo)), _mm512_set1_epi8(span));
}
SLUICE_AVX512 inline std::uint64_t eq64(__m512i x, char c) { return _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c)); }

// '\\' before what an escape step() takes (n r t / " ' b f \\ u x; a weak one, n r t " ' \\, only
// where its line may be kWeakLine bytes long: see weak_escape_in_short_line), '%' before two hex
// digits: `p` the bytes (`v` holds 64 of them), `w` and `w2` those one and two further.
SLUICE_AVX512 inline std::uint64_t rare_escapes_avx512(const char* p, __m512i v, __m512i w, __m512i w2) {
  const __m512i case_bit = _mm512_set1_epi8(0x20);
  std::uint64_t out = 0;
  if (const std::uint64_t backslashes = eq64(v, '\\'); backslashes != 0) {
    out |= backslashes & (eq64(w, '/') | eq64(w, 'b') | eq64(w, 'f') | eq64(w, 'u') | eq64(w, 'x'));
    const std::uint64_t weak =
        backslashes & (eq64(w, 'n') | eq64(w, 'r') | eq64(w, 't') | eq64(w, '"') | eq64(w, '\'') | eq64(w, '\\'));
    if (weak != 0) {
      // A byte with a line break before it in this block and one after it within the next is
      // on a line shorter than 128 bytes.
      const std::uint64_t breaks = eq64(v, '\n');
      const std::uint64_t later_breaks = eq64(_mm512_loadu_si512(p + 64), '\n');
      const std::uint64_t first = breaks & (~breaks + 1);
      const std::uint64_t past_first = breaks != 0 ? ~(first | (first - 1)) : 0;
      const std::uint64_t up_to_last = later_breaks != 0 ? ~std::uint64_t{0}
                                       : breaks != 0     ? (std::uint64_t{2} << (63 - __builtin_clzll(breaks))) - 1
                                                         : 0;
      static_assert(kWeakLine >= 128, "two blocks hold no line of kWeakLine bytes");
      out |= weak & ~(past_first & up_to_last);
    }
  }
  if (const std::uint64_t percents = eq64(v, '%'); percents != 0) {
    const std::uint64_t next_hex = in_range64(w, '0', 9) | in_range64(_mm512_or_si512(w, case_bit), 'a', 5);
    const std::uint64_t next2_hex = in_range64(w2, '0', 9) | in_range64(_mm512_or_si512(w2, case_bit), 'a', 5);
    out |= percents & next_hex & next2_hex;
  }
  return out;
}

SLUICE_AVX512 __attribute__((always_inline)) inline BlockMasks block_masks_avx512(const char* p) {
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i w = _mm512_loadu_si512(p + 1);  // the next bytes
  const __m512i case_bit = _mm512_set1_epi8(0x20);
  const __m512i folded = _mm512_or_si512(v, case_bit);
  const std::uint64_t letter = in_range64(folded, 'a', 25);
  const std::uint64_t next_letter = in_range64(_mm512_or_si512(w, case_bit), 'a', 25);
  const std::uint64_t lower = _mm512_test_epi8_mask(v, case_bit);
  const std::uint64_t next_lower = _mm512_test_epi8_mask(w, case_bit);
  const std::uint64_t digit = in_range64(v, '0', 9);
  BlockMasks m;
  m.alphabet = letter | digit | eq64(v, '+') | eq64(v, '/') | eq64(v, '-') | eq64(v, '_');
  m.hex = digit | in_range64(folded, 'a', 5);
  m.flips = letter & next_letter & (lower ^ next_lower);
  m.ampersands = eq64(v, '&') & (next_letter | eq64(w, '#'));
  m.semicolons = eq64(v, ';');
  // The escape characters, each only before what step() takes. '=' is in many blocks of code
  // (most often before a space) and is looked at in every one; '\\' (most often ending a macro
  // line) and '%' ('%d') are in few, and looked at when there.
  const __m512i w2 = _mm512_loadu_si512(p + 2);  // the bytes after those
  const std::uint64_t next_af = in_range64(w, 'A', 5);
  // =XX with a letter in it (a superset: step() decides), or a soft line break (=\n, =\r\n).
  m.escapes = eq64(v, '=') & (next_af | (in_range64(w, '0', 9) & in_range64(w2, 'A', 5)) | eq64(w, '\n') |
                              (eq64(w, '\r') & eq64(w2, '\n')));
  if ((eq64(v, '\\') | eq64(v, '%')) != 0) m.escapes |= rare_escapes_avx512(p, v, w, w2);
  return m;
}

// With AVX-512 VBMI (Ice Lake, Zen 4 and later) one table lookup (vpermi2b over 128 entries)
// classifies a byte at once, and each mask is one test of the class bits: half the instructions
// of the compares above. The bytes after each byte get their classes from a second lookup.
#define SLUICE_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

enum : std::uint8_t {
  kcAlphabet = 1,  // base64, both alphabets
  kcHex = 2,
  kcLetter = 4,
  kcEqualsFollow = 8,  // 0-9 A-F \n \r: what may follow '=' in quoted-printable (step() decides)
  kcEquals = 16,
  kcAmpersand = 32,
  kcSemicolon = 64,
  kcRare = 128,  // '\\', '%' or NUL: looked at exactly when a block has one
};

constexpr std::array<std::uint8_t, 128> make_vbmi_classes() {
  std::array<std::uint8_t, 128> t{};
  for (int c = 0; c < 128; ++c) {
    const bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
    std::uint8_t k = 0;
    if (upper || lower || digit || c == '+' || c == '/' || c == '-' || c == '_') k |= kcAlphabet;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) k |= kcHex;
    if (upper || lower) k |= kcLetter;
    if (digit || (c >= 'A' && c <= 'F') || c == '\n' || c == '\r') k |= kcEqualsFollow;
    if (c == '=') k |= kcEquals;
    if (c == '&') k |= kcAmpersand;
    if (c == ';') k |= kcSemicolon;
    if (c == '\\' || c == '%' || c == 0) k |= kcRare;
    t[static_cast<std::size_t>(c)] = k;
  }
  return t;
}
alignas(64) constexpr std::array<std::uint8_t, 128> kVbmiClasses = make_vbmi_classes();

SLUICE_VBMI inline std::uint64_t test(__m512i classes, std::uint8_t bits) {
  return _mm512_test_epi8_mask(classes, _mm512_set1_epi8(static_cast<char>(bits)));
}

// The class bits of 64 bytes; 0 for bytes of 0x80 and above.
SLUICE_VBMI inline __m512i classes_vbmi(__m512i v, __m512i low_table, __m512i high_table) {
  return _mm512_maskz_permutex2var_epi8(~_mm512_movepi8_mask(v), low_table, v, high_table);
}

struct VbmiMasks {
  __m512i classes;  // the class bits of each byte
  std::uint64_t alphabet = 0;
  std::uint64_t flips = 0;
  std::uint64_t escapes = 0;
  std::uint64_t ampersands = 0;  // before a letter or '#'
  std::uint64_t hex = 0;
  bool nul = false;  // a NUL byte among the 64
};

SLUICE_VBMI __attribute__((always_inline)) inline VbmiMasks block_masks_vbmi(const char* p) {
  const __m512i low_table = _mm512_load_si512(kVbmiClasses.data());
  const __m512i high_table = _mm512_load_si512(kVbmiClasses.data() + 64);
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i w = _mm512_loadu_si512(p + 1);  // the next bytes
  VbmiMasks m;
  m.classes = classes_vbmi(v, low_table, high_table);
  const __m512i cw = classes_vbmi(w, low_table, high_table);
  m.hex = test(m.classes, kcHex);
  m.alphabet = test(m.classes, kcAlphabet);
  // Letters on both sides, the case bit (0x20) differing.
  m.flips = test(_mm512_and_si512(m.classes, cw), kcLetter) & test(_mm512_xor_si512(v, w), 0x20);
  m.escapes = test(m.classes, kcEquals) & test(cw, kcEqualsFollow);
  // '&', '\\' and '%' are in few blocks.
  if (test(m.classes, kcAmpersand | kcRare) != 0) {
    m.ampersands =
        test(m.classes, kcAmpersand) & (test(cw, kcLetter) | _mm512_cmpeq_epi8_mask(w, _mm512_set1_epi8('#')));
    if (test(m.classes, kcRare) != 0) {
      m.escapes |= rare_escapes_avx512(p, v, w, _mm512_loadu_si512(p + 2));
      m.nul = eq64(v, '\0') != 0;
    }
  }
  return m;
}

// A block and the next are read, each with two bytes after it, and a block whose weak escapes
// are looked at reads the 64 bytes after it (rare_escapes_avx512): the next block's reach
// 128 + 64 bytes from the first's start.
constexpr std::size_t kBlocksNeed = 3 * 64;

// The 128-bit mask (lo, hi) shifted right by K < 64: the low half.
template <unsigned K>
inline std::uint64_t shifted(std::uint64_t lo, std::uint64_t hi) noexcept {
  return (lo >> K) | (hi << (64 - K));
}

// Bit p of the result: bits p .. p + 19 (all_set20) or p .. p + 31 (all_set32) of the 128-bit
// mask (lo, hi) are all set, or one of p .. p + 19 is (any_set20); exact for every bit of the
// low half. The shifts are constants (a loop over them compiles to shifts by a register).
template <unsigned... K>
inline std::uint64_t and_steps(std::uint64_t lo, std::uint64_t hi) noexcept {
  ((lo &= shifted<K>(lo, hi), hi &= hi >> K), ...);
  return lo;
}
template <unsigned... K>
inline std::uint64_t or_steps(std::uint64_t lo, std::uint64_t hi) noexcept {
  ((lo |= shifted<K>(lo, hi), hi |= hi >> K), ...);
  return lo;
}
inline std::uint64_t all_set20(std::uint64_t lo, std::uint64_t hi) noexcept { return and_steps<1, 2, 4, 8, 4>(lo, hi); }
inline std::uint64_t all_set32(std::uint64_t lo, std::uint64_t hi) noexcept {
  return and_steps<1, 2, 4, 8, 16>(lo, hi);
}
// The flips with three bytes of the alphabet before them (the bits of `below`, the 64 bytes
// before, serve for the first three; all set when they are not known): the only ones that
// flips_past3 can find inside a run of the alphabet.
inline std::uint64_t flips_in_runs(std::uint64_t flips, std::uint64_t alphabet, std::uint64_t below) noexcept {
  return flips & ((alphabet << 1) | (below >> 63)) & ((alphabet << 2) | (below >> 62)) &
         ((alphabet << 3) | (below >> 61));
}

// Bit p: one of bits p + 3 .. p + 19 of (lo, hi) is set (a case flip inside a window of 20,
// past its first three pairs: see kFlipFrom).
inline std::uint64_t flips_past3(std::uint64_t lo, std::uint64_t hi) noexcept {
  ((lo |= shifted<1>(lo, hi)), (hi |= hi >> 1));
  ((lo |= shifted<2>(lo, hi)), (hi |= hi >> 2));
  ((lo |= shifted<4>(lo, hi)), (hi |= hi >> 4));
  ((lo |= shifted<8>(lo, hi)), (hi |= hi >> 8));
  ((lo |= shifted<1>(lo, hi)), (hi |= hi >> 1));  // one of p .. p + 16
  return shifted<3>(lo, hi);
}
// Bit p: one of bits p + 3 .. p + 11 of (lo, hi) is set.
inline std::uint64_t references_end(std::uint64_t lo, std::uint64_t hi) noexcept {
  // One of p .. p + 8 (the last step's hi is not needed), then 3 further.
  std::uint64_t x = lo, y = hi;
  ((x |= shifted<1>(x, y)), (y |= y >> 1));
  ((x |= shifted<2>(x, y)), (y |= y >> 2));
  ((x |= shifted<4>(x, y)), (y |= y >> 4));
  x |= shifted<1>(x, y);
  y |= y >> 1;
  return shifted<3>(x, y);
}
// Whether a run of 32 set bits can start in the low half of (lo, hi): it holds one of the
// 16-bit lanes 0-3 of lo or lane 0 of hi whole.
inline bool may_hold_hex_run(std::uint64_t lo, std::uint64_t hi) noexcept {
  std::uint64_t t = lo & (lo >> 1);
  t &= t >> 2;
  t &= t >> 4;
  t &= t >> 8;
  return (t & 0x0001000100010001ULL) != 0 || (hi & 0xffffU) == 0xffffU;
}
static_assert(kMinBase64 == 20 && kMinHex == 32, "all_set20 and all_set32 follow the minimum run lengths");

// Whether the block has a NUL byte, when its masks say (VBMI's do).
constexpr bool has_nul(const BlockMasks& /*unused*/) noexcept { return false; }
inline bool has_nul(const VbmiMasks& masks) noexcept { return masks.nul; }

// The bytes of `cur` that may start a base64 or hex run, from the masks every search has.
// Most blocks of code hold a run of 20 (snake_case names, paths) but no case flip past the
// first three characters of a run (prose: "The", "Linux"; names: getName).
template <typename Masks>
inline std::uint64_t run_hits(const Masks& cur, const Masks& next) noexcept {
  std::uint64_t hits = 0;
  const std::uint64_t flips = flips_in_runs(cur.flips, cur.alphabet, ~std::uint64_t{0});
  const std::uint64_t next_flips = flips_in_runs(next.flips, next.alphabet, cur.alphabet);
  if ((flips | next_flips) != 0) {
    const std::uint64_t runs = all_set20(cur.alphabet, next.alphabet);
    if (runs != 0) hits |= runs & flips_past3(flips, next_flips);
  }
  if (may_hold_hex_run(cur.hex, next.hex)) hits |= all_set32(cur.hex, next.hex);
  return hits;
}

// The bytes of `cur` that may start a span.
inline std::uint64_t block_hits(const BlockMasks& cur, const BlockMasks& next) noexcept {
  std::uint64_t hits = cur.escapes;
  // A character reference ends with ';' 3 to 11 bytes after its '&' (&lt; .. &#x10FFFF;).
  if (cur.ampersands != 0) hits |= cur.ampersands & references_end(cur.semicolons, next.semicolons);
  return hits | run_hits(cur, next);
}

// The same with VBMI: the masks most blocks do not need are tested only when needed.
SLUICE_VBMI inline std::uint64_t block_hits(const VbmiMasks& cur, const VbmiMasks& next) {
  std::uint64_t hits = cur.escapes;
  if (cur.ampersands != 0) {
    hits |= cur.ampersands & references_end(test(cur.classes, kcSemicolon), test(next.classes, kcSemicolon));
  }
  return hits | run_hits(cur, next);
}

// Where the block search stopped last, so that the next search in the same text goes on from
// there instead of classifying the two blocks again (stops come every 150 bytes or so in code).
template <typename Masks>
struct BlockCursor {
  std::size_t base = SIZE_MAX;  // offset of `cur`; SIZE_MAX: none
  Masks cur;
  Masks next;
  std::uint64_t hits = 0;  // cur's candidates after the one returned
};

// clang-format off
// The body of skip_plain for 64-byte blocks classified by MASKS (compiled once per instruction
// set): stops at the first byte that may start a span (a run of the alphabet at least 20 long
// with a case flip, or of hex digits at least 32 long, looked at from its start; an escape
// character followed by what its encoding needs), or with fewer than kBlocksNeed bytes left (the
// caller goes on from there). A search from inside the block of the last stop goes on with that
// block's masks and candidates (those before `at` dropped; a quiet one stays quiet).
#define SLUICE_SKIP_BLOCKS(MASKS)                                                           \
  const std::size_t entry = at;                                                             \
  const char* data = text.data();                                                           \
  std::size_t base = at;                                                                    \
  decltype(MASKS(data)) cur;                                                                \
  decltype(MASKS(data)) next;                                                               \
  std::uint64_t hits = 0;                                                                   \
  bool resumed = cursor.base <= at && at - cursor.base < 64;                                \
  if (resumed) {                                                                            \
    base = cursor.base;                                                                     \
    cur = cursor.cur;                                                                       \
    next = cursor.next;                                                                     \
    hits = cursor.hits & (~std::uint64_t{0} << (at - base));                                \
  } else {                                                                                  \
    cur = MASKS(data + at);                                                                 \
    nul = nul || has_nul(cur);                                                              \
  }                                                                                         \
  while (resumed || base + kBlocksNeed <= text.size()) {                                    \
    if (!resumed) {                                                                         \
      next = MASKS(data + base + 64);                                                       \
      nul = nul || has_nul(next);                                                           \
      hits = block_hits(cur, next);                                                         \
    }                                                                                       \
    resumed = false;                                                                        \
    for (; hits != 0; hits &= hits - 1) {                                                  \
      std::size_t p = base + static_cast<unsigned>(__builtin_ctzll(hits));                 \
      if (covered.quiet(data[p], p)) continue;                                              \
      const std::size_t hit = p;                                                            \
      while (p > entry && is(data[p - 1], kB64)) --p;                                       \
      /* A candidate found through the run before it is still one once past that run. */   \
      cursor = {base, cur, next, p < hit ? hits : hits & (hits - 1)};                       \
      return p;                                                                             \
    }                                                                                       \
    cur = next;                                                                             \
    base += 64;                                                                             \
  }                                                                                         \
  cursor.base = SIZE_MAX;                                                                   \
  while (base > entry && is(data[base - 1], kB64)) --base;                                  \
  return base;

SLUICE_AVX2 std::size_t skip_plain_avx2(std::string_view text, std::size_t at, const Covered& covered,
                                        BlockCursor<BlockMasks>& cursor, bool& nul) {
  SLUICE_SKIP_BLOCKS(block_masks)
}
SLUICE_AVX512 std::size_t skip_plain_avx512(std::string_view text, std::size_t at, const Covered& covered,
                                            BlockCursor<BlockMasks>& cursor, bool& nul) {
  SLUICE_SKIP_BLOCKS(block_masks_avx512)
}
SLUICE_VBMI std::size_t skip_plain_vbmi(std::string_view text, std::size_t at, const Covered& covered,
                                        BlockCursor<VbmiMasks>& cursor, bool& nul) {
  SLUICE_SKIP_BLOCKS(block_masks_vbmi)
}
// clang-format on
#endif

// Where, from `at`, the next byte that may start a span is: the first byte of a run of the
// alphabet of kMinBase64 or more, or an escape character ('\\', '%', '&', '=') followed by what
// its encoding needs. Most text is neither; 16 bytes are looked at at once.
std::size_t skip_plain_sse2(std::string_view text, std::size_t at, const Covered& covered) {
#if defined(__SSE2__)
  const std::size_t n = text.size();
  std::size_t run_start = at;  // where the run of the alphabet that reaches `at` starts
  bool in_run = false;
  while (at + 17 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at + 1));
    // A superset of the alphabet is enough here ('+' to '9' takes ',' and '.' in too): the
    // caller measures the run exactly.
    const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i alphabet =
        _mm_or_si128(_mm_or_si128(sse2_range(v, '+', '9'), sse2_range(folded, 'a', 'z')), sse2_eq(v, '_'));
    const __m128i next_word = _mm_or_si128(sse2_range(_mm_or_si128(next, _mm_set1_epi8(0x20)), 'a', 'z'),
                                           _mm_or_si128(sse2_range(next, '0', '9'), sse2_eq(next, '#')));
    const __m128i next_line = _mm_or_si128(sse2_eq(next, '\n'), sse2_eq(next, '\r'));
    // '\\', '%', '&' before a letter, digit or '#', '=' before one or a line break.
    const __m128i escape =
        _mm_or_si128(_mm_or_si128(sse2_eq(v, '\\'), sse2_eq(v, '%')),
                     _mm_or_si128(_mm_and_si128(sse2_eq(v, '&'), next_word),
                                  _mm_and_si128(sse2_eq(v, '='), _mm_or_si128(next_word, next_line))));
    const unsigned triggers = static_cast<unsigned>(_mm_movemask_epi8(escape));
    const unsigned letters = static_cast<unsigned>(_mm_movemask_epi8(alphabet));
    // The run in progress ends at the first byte out of the alphabet (16: it goes on).
    const unsigned first_out = letters == 0xffffu ? 16u : static_cast<unsigned>(__builtin_ctz(~letters));
    const std::size_t start = in_run ? run_start : at;
    if ((in_run || first_out > 0) && at + first_out - start >= kMinBase64) return start;
    // A trigger ends any run before it, and that run is short (checked above).
    for (unsigned t = triggers; t != 0; t &= t - 1) {
      const std::size_t p = at + static_cast<unsigned>(__builtin_ctz(t));
      if (!covered.quiet(text[p], p)) return p;
    }
    if (letters == 0xffffu) {
      if (!in_run) run_start = at;
      in_run = true;
    } else if ((letters & 0x8000u) != 0) {
      // A run reaches the block's end: it starts after the last byte out of the alphabet.
      run_start = at + 16 - static_cast<unsigned>(__builtin_clz(~letters & 0xffffu) - 16);
      in_run = true;
    } else {
      in_run = false;
    }
    at += 16;
  }
  return in_run ? run_start : at;
#else
  (void)text;
  (void)covered;
  return at;
#endif
}

struct SearchState {
#if defined(__x86_64__)
  BlockCursor<BlockMasks> cursor;
  BlockCursor<VbmiMasks> vbmi_cursor;
#endif
  // A block the search classified held a NUL byte (VBMI only). The search classifies every
  // byte but those a step passed over (runs of the alphabet, their line breaks and indentation:
  // never NUL) and the last kBlocksNeed, which the caller looks at.
  bool nul = false;
};

std::size_t skip_plain(std::string_view text, std::size_t at, SpanSearch search, const Covered& covered,
                       SearchState& state) {
#if defined(__x86_64__)
  const std::size_t last = search == SpanSearch::kAvx512Vbmi ? state.vbmi_cursor.base : state.cursor.base;
  const bool resumable = last <= at && at - last < 64;
  if (search != SpanSearch::kPortable && (resumable || at + kBlocksNeed <= text.size())) {
    at = search == SpanSearch::kAvx512Vbmi ? skip_plain_vbmi(text, at, covered, state.vbmi_cursor, state.nul)
         : search == SpanSearch::kAvx512   ? skip_plain_avx512(text, at, covered, state.cursor, state.nul)
                                           : skip_plain_avx2(text, at, covered, state.cursor, state.nul);
    const std::size_t stopped = search == SpanSearch::kAvx512Vbmi ? state.vbmi_cursor.base : state.cursor.base;
    if (stopped != SIZE_MAX || at + kBlocksNeed <= text.size()) return at;
  }
#else
  (void)search;
  (void)state;
#endif
  return skip_plain_sse2(text, at, covered);
}

}  // namespace

std::string_view decoding_name(Decoding decoding) noexcept {
  switch (decoding) {
    case Decoding::kBase64:
      return "base64";
    case Decoding::kHex:
      return "hex";
    case Decoding::kPercent:
      return "percent";
    case Decoding::kEscape:
      return "escape";
    case Decoding::kHtml:
      return "html";
    case Decoding::kQuotedPrintable:
      return "quoted-printable";
    case Decoding::kUtf16le:
      return "utf-16le";
    case Decoding::kUtf16be:
      return "utf-16be";
    case Decoding::kUtf32le:
      return "utf-32le";
    case Decoding::kUtf32be:
      return "utf-32be";
  }
  return "?";
}

std::vector<std::string> DecodeChain::names() const {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < depth; ++k) out.emplace_back(decoding_name(steps[k]));
  return out;
}

void find_encoded_spans(std::string_view text, std::vector<EncodedSpan>& out, SpanSearch search) {
  const std::size_t first = out.size();
  const std::size_t n = text.size();
  std::size_t escaped_to = 0;  // the end of the last escaped string (its backslashes are in it)
  std::size_t percent_to = 0;
  std::size_t html_to = 0;
  std::size_t qp_to = 0;
  const auto floor = [](std::size_t to, std::size_t at) { return std::max(to, at > kMaxReach ? at - kMaxReach : 0); };
  // The run of the alphabet at `at`: a span when it is long enough; where to go on.
  const auto run_at = [&](std::size_t at) {
    const std::size_t j = alphabet_end(text, at);
    bool hex = j - at >= kMinHex;
    for (std::size_t k = at; hex && k < j; ++k) hex = is(text[k], kHexc);
    // Most long runs are identifiers in one case (snake_case, CONSTANT_NAMES): not base64 (whose
    // first line has a case flip) nor hex. skip_plain stops at the same runs.
    if (j - at < kMinBase64 ||
        (!(hex && j - at >= kMinHex) && !has_case_flip(text.substr(at + kFlipFrom, j - at - kFlipFrom)))) {
      return j;
    }
    const Run run = base64_run(text, at);
    if (run.all_hex && run.chars >= kMinHex) {
      out.push_back({at, run.end, Decoding::kHex});
    } else if (run.chars >= kMinBase64 && run.mixed_case) {
      out.push_back({at, run.end, Decoding::kBase64});
    }
    // After the alphabet: a '=' there may be padding or start quoted-printable.
    return run.alphabet_end;
  };
  // Looks at the byte at `i` (not inside a run of the alphabet); where to go on.
  const auto step = [&](std::size_t i) -> std::size_t {
    const char c = text[i];
    if (is(c, kB64)) return run_at(i);
    switch (c) {
      case '\\':
        if (i >= escaped_to && escape_follows(text, i) && !weak_escape_in_short_line(text, i)) {
          const EncodedSpan span = escaped_string(text, i, floor(escaped_to, i));
          if (worth_unescaping(text.substr(span.begin, span.end - span.begin))) out.push_back(span);
          escaped_to = span.end;
        }
        break;
      case '%':
        if (i >= percent_to && hex_pair(text, i + 1)) {
          const EncodedSpan span = run_around(text, i, floor(percent_to, i), kUrl, Decoding::kPercent);
          if (span.end - span.begin >= kMinDecoded) out.push_back(span);
          percent_to = span.end;
        }
        break;
      case '&':
        if (i >= html_to && entity_at(text, i) != 0) {
          const EncodedSpan span = run_around(text, i, floor(html_to, i), kWord, Decoding::kHtml);
          if (span.end - span.begin >= kMinDecoded) out.push_back(span);
          html_to = span.end;
        }
        break;
      case '=': {
        if (i < qp_to) break;
        // A soft line break after a long line, or an escaped byte with a letter in it (=3D,
        // =0A): "x=10" in code is neither.
        const bool soft =
            (i + 1 < n && text[i + 1] == '\n') || (i + 2 < n && text[i + 1] == '\r' && text[i + 2] == '\n');
        const bool escaped =
            i + 2 < n && upper_hex(text[i + 1]) && upper_hex(text[i + 2]) && (text[i + 1] > '9' || text[i + 2] > '9');
        if (!soft && !escaped) break;
        std::size_t line_start = i;
        while (line_start > 0 && text[line_start - 1] != '\n' && i - line_start < 80) --line_start;
        // Quoted-printable lines are cut at 76 columns, the '=' included (74 or 75 when an
        // escape would cross it); "==" (base64 padding) is no soft break.
        const std::size_t columns = i + 1 - line_start;
        const bool wrapped = soft && columns >= kMinQpLine && columns <= kMaxQpLine && i > 0 && text[i - 1] != '=';
        if (wrapped || escaped) {
          const EncodedSpan span = quoted_printable(text, i);
          if (span.end - span.begin >= kMinDecoded) out.push_back(span);
          qp_to = span.end;
        }
        break;
      }
      default:
        break;
    }
    return i + 1;
  };
  std::size_t i = 0;
  SearchState state;
  while (i < n) {
    i = skip_plain(text, i, search, {escaped_to, percent_to, html_to, qp_to}, state);
    if (i >= n) break;
    i = step(i);
  }
  // UTF-16 and UTF-32 have NUL bytes: found by the search (VBMI) or here.
  bool nul = state.nul;
#if defined(__x86_64__)
  const std::size_t unseen = search == SpanSearch::kAvx512Vbmi ? std::min<std::size_t>(n, 2 * kBlocksNeed) : n;
#else
  const std::size_t unseen = n;
#endif
  nul = nul || std::memchr(text.data() + (n - unseen), '\0', unseen) != nullptr;
  if (nul) unit_runs(text, out);
  // An escaped string starts at its quote, before the runs inside it that came first.
  const auto order = [](const EncodedSpan& a, const EncodedSpan& b) {
    return std::tie(a.begin, a.end, a.decoding) < std::tie(b.begin, b.end, b.decoding);
  };
  const auto from = out.begin() + static_cast<std::ptrdiff_t>(first);
  if (!std::is_sorted(from, out.end(), order)) std::sort(from, out.end(), order);
}

bool span_search_supported(SpanSearch search) noexcept {
#if defined(__x86_64__)
  switch (search) {
    case SpanSearch::kPortable:
      return true;
    case SpanSearch::kAvx2:
      return __builtin_cpu_supports("avx2");
    case SpanSearch::kAvx512:
      return __builtin_cpu_supports("avx512bw");
    case SpanSearch::kAvx512Vbmi:
      return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi");
  }
  return false;
#else
  return search == SpanSearch::kPortable;
#endif
}

SpanSearch default_span_search() noexcept {
  SpanSearch best = span_search_supported(SpanSearch::kAvx512Vbmi) ? SpanSearch::kAvx512Vbmi
                    : span_search_supported(SpanSearch::kAvx512)   ? SpanSearch::kAvx512
                    : span_search_supported(SpanSearch::kAvx2)     ? SpanSearch::kAvx2
                                                                   : SpanSearch::kPortable;
  // A benchmark may ask for a lesser instruction set (what another CPU would run).
  if (const char* asked = std::getenv("SLUICE_SPAN_SEARCH"); asked != nullptr) {
    const std::string_view name(asked);
    for (const auto& [known, search] : {std::pair{"sse2", SpanSearch::kPortable}, std::pair{"avx2", SpanSearch::kAvx2},
                                        std::pair{"avx512bw", SpanSearch::kAvx512}}) {
      if (name == known && search < best) best = search;
    }
  }
  return best;
}

void find_encoded_spans(std::string_view text, std::vector<EncodedSpan>& out) {
  static const SpanSearch best = default_span_search();
  find_encoded_spans(text, out, best);
}

std::size_t cut_point(Decoding decoding, std::string_view encoded, std::size_t limit) noexcept {
  limit = std::min(limit, encoded.size());
  switch (decoding) {
    case Decoding::kBase64: {
      std::size_t cut = limit;
      // A line start within the last 4 KiB: wrapped lines are cut between them.
      const std::size_t near = std::min<std::size_t>(4096, limit / 2);
      if (const void* line = memrchr(encoded.data() + (limit - near), '\n', near); line != nullptr) {
        cut = static_cast<std::size_t>(static_cast<const char*>(line) - encoded.data()) + 1;
      }
      // The characters of the alphabet before the cut, a run at a time (line breaks and
      // indentation between them).
      const std::string_view head = encoded.substr(0, cut);
      std::size_t chars = 0;
      for (std::size_t k = 0; k < cut;) {
        const std::size_t end = alphabet_end(head, k);
        chars += end - k;
        k = end;
        while (k < cut && !is(encoded[k], kB64)) ++k;
      }
      while (cut > 0 && chars % 4 != 0) {
        --cut;
        if (is(encoded[cut], kB64)) --chars;
      }
      return cut;
    }
    case Decoding::kHex:
    case Decoding::kUtf16le:
    case Decoding::kUtf16be:
      return limit & ~std::size_t{1};
    case Decoding::kUtf32le:
    case Decoding::kUtf32be:
      return limit & ~std::size_t{3};
    default:
      return 0;
  }
}

bool decode_base64_value(std::string_view encoded, std::string& out) {
  out.clear();
  std::size_t data = encoded.size();
  while (data > 0 && encoded[data - 1] == '=') --data;
  if (data == 0 || encoded.size() - data > 2 || data % 4 == 1) return false;
  if (encoded.size() != data && encoded.size() % 4 != 0) return false;
  for (char c : encoded.substr(0, data)) {
    if (!is(c, kB64)) return false;
  }
  decode_base64(encoded, out);
  if (out.empty()) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(out.data());
  for (std::size_t i = 0; i < out.size();) {
    const unsigned char c = bytes[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
      ++i;
      continue;
    }
    // A UTF-8 sequence: a lead byte of 2-4 bytes, then continuation bytes.
    const std::size_t length = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (length == 0 || i + length > out.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((bytes[i + k] & 0xc0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

bool decode_span(Decoding decoding, std::string_view encoded, std::string& out) {
  out.clear();
  switch (decoding) {
    case Decoding::kBase64: {
      // Most candidates are identifiers or random data: the first characters of its groups,
      // then a decoded prefix, say so before the rest is decoded.
      if (!plausible_base64_text(encoded)) return false;
      if (encoded.size() > 128) {
        decode_base64(encoded.substr(0, 64), out);
        if (!reads_as_text(out)) return false;
        out.clear();
      }
      decode_base64(encoded, out);
      break;
    }
    case Decoding::kHex:
      for (std::size_t i = 0; i + 1 < encoded.size(); i += 2) {
        out.push_back(static_cast<char>(hex_value(encoded[i]) * 16 + hex_value(encoded[i + 1])));
      }
      break;
    case Decoding::kPercent:
      decode_percent(encoded, out);
      break;
    case Decoding::kEscape:
      decode_escapes(encoded, out);
      break;
    case Decoding::kHtml:
      decode_html(encoded, out);
      break;
    case Decoding::kQuotedPrintable:
      // Nothing to undo but a soft break at the end: the text was scanned as it is.
      if (!decode_quoted_printable(encoded, out)) return false;
      break;
    case Decoding::kUtf16le:
      decode_units(encoded, 2, true, out);
      break;
    case Decoding::kUtf16be:
      decode_units(encoded, 2, false, out);
      break;
    case Decoding::kUtf32le:
      decode_units(encoded, 4, true, out);
      break;
    case Decoding::kUtf32be:
      decode_units(encoded, 4, false, out);
      break;
  }
  return out.size() >= kMinDecoded && reads_as_text(out);
}

}  // namespace sluice::engine

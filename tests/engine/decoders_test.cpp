#include "engine/decoders.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "../support/encoders.hpp"
#include "engine/encoded_scan.hpp"
#include "test_keys.hpp"
#include "test_rules.hpp"

namespace sluice::engine {
namespace {

using testing::base64;

std::vector<EncodedSpan> spans_of(std::string_view text) {
  std::vector<EncodedSpan> spans;
  find_encoded_spans(text, spans);
  return spans;
}

// The text decoded from the first span of `decoding` in `text`.
std::string decoded(std::string_view text, Decoding decoding) {
  for (const EncodedSpan& span : spans_of(text)) {
    if (span.decoding != decoding) continue;
    std::string out;
    if (decode_span(decoding, text.substr(span.begin, span.end - span.begin), out)) return out;
  }
  return "(none)";
}

// A fake key, format-valid.
const std::string kSecret = [] {
  std::mt19937_64 rng(41);
  return testing::personal_key(rng, 0);
}();

// SLUICE_SPAN_SEARCH picks a lesser instruction set for benchmarks, never a better one than the
// CPU has; anything else leaves the best.
TEST(Decoders, TheEnvironmentMayAskForALesserSpanSearch) {
  const SpanSearch best = span_search_supported(SpanSearch::kAvx512Vbmi) ? SpanSearch::kAvx512Vbmi
                          : span_search_supported(SpanSearch::kAvx512)   ? SpanSearch::kAvx512
                          : span_search_supported(SpanSearch::kAvx2)     ? SpanSearch::kAvx2
                                                                         : SpanSearch::kPortable;
  ::unsetenv("SLUICE_SPAN_SEARCH");
  EXPECT_EQ(default_span_search(), best);
  ::setenv("SLUICE_SPAN_SEARCH", "sse2", 1);
  EXPECT_EQ(default_span_search(), SpanSearch::kPortable);
  ::setenv("SLUICE_SPAN_SEARCH", "avx2", 1);
  EXPECT_EQ(default_span_search(), std::min(best, SpanSearch::kAvx2));
  ::setenv("SLUICE_SPAN_SEARCH", "avx512vbmi-please", 1);
  EXPECT_EQ(default_span_search(), best);
  ::unsetenv("SLUICE_SPAN_SEARCH");
}

TEST(Decoders, EachDecodingUndoesItsEncoding) {
  EXPECT_EQ(decoded("token: " + base64(kSecret) + "\n", Decoding::kBase64), kSecret);
  EXPECT_EQ(decoded("t=" + base64("k=" + kSecret, true) + ";", Decoding::kBase64), "k=" + kSecret);
  std::string hex;
  for (unsigned char c : kSecret) hex += fmt::format("{:02x}", c);
  EXPECT_EQ(decoded("x " + hex + " y", Decoding::kHex), kSecret);
  const std::string body = kSecret.substr(4);
  EXPECT_EQ(decoded("url=https://u:phx%5F" + body + "@h/", Decoding::kPercent), "url=https://u:" + kSecret + "@h/");
  EXPECT_EQ(decoded(R"({"k": "\u0070hx_q8W2e4R6t8Y0\/u2I4\nx"})", Decoding::kEscape), "phx_q8W2e4R6t8Y0/u2I4\nx");
  EXPECT_EQ(decoded(R"(<a v="phx&#95;q8W2e4R6t8Y0u2I4&#x6F;6P8&amp;"/>)", Decoding::kHtml),
            "phx_q8W2e4R6t8Y0u2I4o6P8&");
  EXPECT_EQ(decoded("key=3Dphx=5F" + body + "\n", Decoding::kQuotedPrintable), "key=" + kSecret);
  std::string utf16le, utf16be, utf32le;
  for (char c : kSecret) {
    utf16le += std::string{c, '\0'};
    utf16be += std::string{'\0', c};
    utf32le += std::string{c, '\0', '\0', '\0'};
  }
  EXPECT_EQ(decoded("\xff\xfe" + utf16le, Decoding::kUtf16le), kSecret);
  EXPECT_EQ(decoded(utf16be, Decoding::kUtf16be), kSecret);
  EXPECT_EQ(decoded(utf32le, Decoding::kUtf32le), kSecret);
}

TEST(Decoders, WrappedBase64LinesAreOneSpan) {
  const std::string text = "-----BEGIN X-----\n" + kSecret + kSecret + kSecret + "\n-----END X-----\n";
  const std::string encoded = base64(text);
  std::string wrapped = "data:\n";
  for (std::size_t at = 0; at < encoded.size(); at += 64) wrapped += "    " + encoded.substr(at, 64) + "\n";
  EXPECT_EQ(decoded(wrapped, Decoding::kBase64), text);
}

TEST(Decoders, NoiseIsNotDecoded) {
  std::mt19937_64 rng(5);
  std::string noise;
  for (int i = 0; i < 2000; ++i) noise.push_back(static_cast<char>(rng()));
  // Random base64, a hex digest, identifiers and minified code decode to nothing.
  for (const std::string& text :
       {base64(noise), std::string("sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
        std::string("static inline int someVeryLongFunctionName_withCamelCase(void) { return 0; }"),
        std::string("function(e){return e.replace(/\\s+/g,\"\")}var aB3dE5fG7hI9jK1lM3nO5pQ7rS9=1;")}) {
    for (const EncodedSpan& span : spans_of(text)) {
      std::string out;
      EXPECT_FALSE(decode_span(span.decoding, std::string_view(text).substr(span.begin, span.end - span.begin), out))
          << text.substr(span.begin, 60) << " as " << decoding_name(span.decoding);
    }
  }
}

TEST(EncodedScan, FindsTheSecretAtTheEncodedSpanWithItsChain) {
  auto rules = testing::builtin_subset({"posthog_personal_key"});
  ScanContext context(rules);
  std::string utf16;
  for (char c : "key = " + kSecret) utf16 += std::string{c, '\0'};
  const std::string text = "a: " + base64(kSecret) + "\nb: " + base64(utf16) + "\nc: " + base64(base64(kSecret)) + "\n";
  std::vector<Match> found;
  ASSERT_TRUE(scan_encoded(context, text, 100, 0, text.size(), "f", found));
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].secret, kSecret);
  EXPECT_EQ(found[0].secret_offset, 103u);
  EXPECT_EQ(found[0].decodings.names(), std::vector<std::string>{"base64"});
  EXPECT_EQ(found[1].decodings.names(), (std::vector<std::string>{"base64", "utf-16le"}));
  EXPECT_EQ(found[1].secret_offset, 100 + text.find("b: ") + 3);
  EXPECT_EQ(found[2].decodings.names(), (std::vector<std::string>{"base64", "base64"}));

  // Only spans that start in the owned range; depth 1 stops after one decoding; 0 turns it off.
  found.clear();
  ASSERT_TRUE(scan_encoded(context, text, 0, 1, text.find("b: "), "f", found));
  EXPECT_EQ(found.size(), 1u);
  DecodeLimits limits;
  limits.max_depth = 1;
  context.set_decode_limits(limits);
  found.clear();
  ASSERT_TRUE(scan_encoded(context, text, 0, 0, text.size(), "f", found));
  EXPECT_EQ(found.size(), 1u);
  limits.max_depth = 0;
  context.set_decode_limits(limits);
  found.clear();
  ASSERT_TRUE(scan_encoded(context, text, 0, 0, text.size(), "f", found));
  EXPECT_TRUE(found.empty());
}

TEST(EncodedScan, SpansOverTheCapsAreCountedNotDecoded) {
  auto rules = testing::builtin_subset({"posthog_personal_key"});
  ScanContext context(rules);
  DecodeLimits limits;
  limits.max_span = 40;
  context.set_decode_limits(limits);
  const std::string encoded = base64(kSecret);
  const std::string text = "a: " + encoded + "\n";
  std::vector<Match> found;
  ASSERT_TRUE(scan_encoded(context, text, 0, 0, text.size(), "f", found));
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(context.decode_stats().capped_spans, 1u);
  EXPECT_EQ(context.decode_stats().capped_bytes, encoded.size());
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

// Text with every kind of span and near miss, in random order.
std::string mixed_text(std::mt19937_64& rng, std::size_t size) {
  const std::vector<std::string> pieces{"snake_case_identifier_that_is_long",
                                        "CONSTANT_NAME_THAT_IS_QUITE_LONG",
                                        "someCamelCaseFunctionName",
                                        "0123456789abcdef0123456789abcdef01",
                                        "printk(\"value %d\\n\", x);",
                                        "a = b;",
                                        "x=10;",
                                        "&dev->foo;",
                                        "&amp;&#x2b;",
                                        "%2Fpath%3D",
                                        "=3D",
                                        "line ending in a soft break at a plausible column ...........=\n",
                                        "\"\\u0041\\/\\x41\"",
                                        " ",
                                        "\n",
                                        "\t",
                                        "+/",
                                        "==",
                                        "--",
                                        "__"};
  std::string text;
  while (text.size() < size) {
    switch (rng() % 4) {
      case 0:
        text += pieces[rng() % pieces.size()];
        break;
      case 1:
        text += base64(testing::random_body(rng, 10 + rng() % 60, testing::kBase62));
        break;
      case 2:
        text += testing::random_body(rng, 1 + rng() % 40, testing::kBase62 + std::string("+/_-="));
        break;
      default:
        text.push_back(static_cast<char>(rng() % 128));
        break;
    }
  }
  return text;
}

TEST(Decoders, EveryInstructionSetFindsTheSameSpans) {
  std::mt19937_64 rng(99);
  const std::string text = mixed_text(rng, 300'000);
  const auto key = [](const std::vector<EncodedSpan>& spans) {
    std::vector<std::tuple<std::size_t, std::size_t, int>> out;
    for (const EncodedSpan& s : spans) out.emplace_back(s.begin, s.end, static_cast<int>(s.decoding));
    return out;
  };
  for (std::size_t from : {std::size_t{0}, std::size_t{1}, std::size_t{17}, std::size_t{63}, std::size_t{64}}) {
    const std::string_view view = std::string_view(text).substr(from);
    std::vector<EncodedSpan> portable;
    find_encoded_spans(view, portable, SpanSearch::kPortable);
    ASSERT_GT(portable.size(), 1000u);
    for (SpanSearch search : {SpanSearch::kAvx2, SpanSearch::kAvx512, SpanSearch::kAvx512Vbmi}) {
      if (!span_search_supported(search)) continue;
      std::vector<EncodedSpan> got;
      find_encoded_spans(view, got, search);
      EXPECT_EQ(key(got), key(portable)) << "instruction set " << static_cast<int>(search) << ", from " << from;
    }
  }
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

// Text that ends where readable memory ends: a read past its last byte faults.
TEST(Decoders, NoInstructionSetReadsPastTheEnd) {
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t size = static_cast<std::size_t>(page) * 2;
  void* mapped = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapped, MAP_FAILED);
  char* guard = static_cast<char*>(mapped) + page;
  ASSERT_EQ(::mprotect(guard, static_cast<std::size_t>(page), PROT_NONE), 0);
  std::mt19937_64 rng(5);
  // Mixed text, and text where every block has what the rare paths look at (weak and strong
  // escapes on short lines, '%', '&', '=', NUL bytes).
  std::string escapes;
  while (escapes.size() < 512) escapes += "printf(\"a\\n\\t\\\"%41%4&amp;=3D\\u0041\");\n";
  escapes[100] = '\0';
  for (const std::string& text : {mixed_text(rng, static_cast<std::size_t>(page)), escapes}) {
    for (std::size_t length = 1; length <= std::min<std::size_t>(400, text.size()); ++length) {
      std::memcpy(guard - length, text.data(), length);
      for (SpanSearch search :
           {SpanSearch::kPortable, SpanSearch::kAvx2, SpanSearch::kAvx512, SpanSearch::kAvx512Vbmi}) {
        if (!span_search_supported(search)) continue;
        std::vector<EncodedSpan> spans;
        find_encoded_spans(std::string_view(guard - length, length), spans, search);
      }
    }
  }
  ::munmap(mapped, size);
}

TEST(Decoders, ABase64ValueDecodesOnlyToText) {
  std::string out;
  EXPECT_TRUE(decode_base64_value("dXNlcjpwYXNz", out));
  EXPECT_EQ(out, "user:pass");
  EXPECT_TRUE(decode_base64_value("dXNlcjpwYXM=", out));  // padded
  EXPECT_EQ(out, "user:pas");
  EXPECT_TRUE(decode_base64_value("dXNlcjpwYXM", out));  // unpadded
  EXPECT_EQ(out, "user:pas");
  EXPECT_TRUE(decode_base64_value("cMOkc3N3w7ZydA==", out));  // UTF-8
  EXPECT_EQ(out, "p\xc3\xa4ssw\xc3\xb6rt");
  EXPECT_TRUE(decode_base64_value("bGluZTEKbGluZTI=", out));  // line breaks
  EXPECT_FALSE(decode_base64_value("AAECAwQF", out));         // control bytes
  EXPECT_FALSE(decode_base64_value("/wABAgME", out));         // 0xff: not UTF-8
  EXPECT_FALSE(decode_base64_value("dXNl cjpw", out));        // not the alphabet
  EXPECT_FALSE(decode_base64_value("dXNlc", out));            // a stray character
  EXPECT_FALSE(decode_base64_value("dXN=lcjp", out));         // padding inside
  EXPECT_FALSE(decode_base64_value("dXNlcjpwYXM===", out));   // too much padding
  EXPECT_FALSE(decode_base64_value("", out));
}

// UTF-16 is found by its NUL bytes wherever it is: at the start, in the middle, in the last
// bytes (which the block search leaves to the caller), in texts shorter than a block.
TEST(Decoders, EveryInstructionSetFindsUtf16Anywhere) {
  std::string units;
  for (char c : std::string("api_token=Qm9vZ2llV29vZ2llMTIz")) {
    units.push_back(c);
    units.push_back('\0');
  }
  for (std::size_t size : {std::size_t{80}, std::size_t{300}, std::size_t{5000}, std::size_t{70'000}}) {
    for (std::size_t at : {std::size_t{0}, size / 2, size - units.size(), size - units.size() - 150}) {
      if (at + units.size() > size) continue;
      std::string text;
      while (text.size() < size) text += "plain text, no encoding here; ";
      text.resize(size);
      text.replace(at, units.size(), units);
      for (SpanSearch search :
           {SpanSearch::kPortable, SpanSearch::kAvx2, SpanSearch::kAvx512, SpanSearch::kAvx512Vbmi}) {
        if (!span_search_supported(search)) continue;
        std::vector<EncodedSpan> spans;
        find_encoded_spans(text, spans, search);
        const bool found = std::any_of(spans.begin(), spans.end(), [&](const EncodedSpan& s) {
          return s.decoding == Decoding::kUtf16le && s.begin <= at + 1 && s.end >= at + units.size() - 1;
        });
        EXPECT_TRUE(found) << "size " << size << ", at " << at << ", instruction set " << static_cast<int>(search);
      }
    }
  }
}

}  // namespace
}  // namespace sluice::engine

#include "engine/filters.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace sluice::engine {
namespace {

bool contains_ignore_case(std::string_view haystack, std::string_view needle) noexcept {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

std::size_t longest_run(std::string_view text) noexcept {
  std::size_t best = 0;
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    run = (i > 0 && text[i] == text[i - 1]) ? run + 1 : 1;
    best = std::max(best, run);
  }
  return best;
}

}  // namespace

double shannon_entropy(std::string_view text) noexcept {
  if (text.empty()) return 0.0;
  std::array<std::size_t, 256> counts{};
  for (unsigned char c : text) ++counts[c];
  double entropy = 0.0;
  const double size = static_cast<double>(text.size());
  for (std::size_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / size;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

bool looks_like_placeholder(std::string_view secret) noexcept {
  // Case-insensitive markers long enough that a random token contains them with negligible
  // probability (a 7-letter word in 45 random base62 characters: ~1e-10).
  static constexpr std::array<std::string_view, 9> kMarkers = {"example", "xxxx",    "placeholder", "changeme", "your_",
                                                               "your-",   "0123456", "abcdefg",     "redacted"};
  for (std::string_view marker : kMarkers) {
    if (contains_ignore_case(secret, marker)) return true;
  }
  static constexpr std::array<std::string_view, 5> kTemplates = {"${", "{{", "<", "****", "..."};
  for (std::string_view marker : kTemplates) {
    if (secret.find(marker) != std::string_view::npos) return true;
  }
  return longest_run(secret) >= 6;
}

bool allowlisted(const CompiledAllowlist& list, const AllowlistSubject& subject) {
  const Allowlist& source = *list.source;
  std::string_view target = subject.secret;
  if (source.regex_target == Allowlist::Target::kMatch) target = subject.match;
  if (source.regex_target == Allowlist::Target::kLine) target = subject.line;

  // Each present criterion votes; OR needs one, AND needs all.
  int present = 0;
  int hit = 0;
  auto vote = [&](bool has, bool matched) {
    if (!has) return;
    ++present;
    if (matched) ++hit;
  };
  vote(!list.regexes.empty(), std::any_of(list.regexes.begin(), list.regexes.end(),
                                          [&](const auto& re) { return RE2::PartialMatch(target, *re); }));
  vote(!source.stopwords.empty(),
       std::any_of(source.stopwords.begin(), source.stopwords.end(),
                   [&](const std::string& w) { return contains_ignore_case(subject.secret, w); }));
  vote(!list.paths.empty(), std::any_of(list.paths.begin(), list.paths.end(),
                                        [&](const auto& re) { return RE2::PartialMatch(subject.path, *re); }));
  if (present == 0) return false;
  return source.condition == Allowlist::Condition::kAnd ? hit == present : hit > 0;
}

bool allowlisted(const std::vector<CompiledAllowlist>& lists, const AllowlistSubject& subject) {
  return std::any_of(lists.begin(), lists.end(), [&](const CompiledAllowlist& l) { return allowlisted(l, subject); });
}

bool github_checksum_ok(std::string_view token) noexcept {
  constexpr std::size_t kEntropy = 30;
  constexpr std::size_t kChecksum = 6;
  if (token.size() < kEntropy + kChecksum) return false;
  const std::string_view entropy = token.substr(token.size() - kChecksum - kEntropy, kEntropy);
  const std::string_view checksum = token.substr(token.size() - kChecksum);
  std::uint64_t decoded = 0;
  for (char c : checksum) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'Z') digit = c - 'A' + 10;
    if (c >= 'a' && c <= 'z') digit = c - 'a' + 36;
    if (digit < 0) return false;
    decoded = decoded * 62 + static_cast<std::uint64_t>(digit);
  }
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(entropy.data()), static_cast<uInt>(entropy.size()));
  return decoded == static_cast<std::uint64_t>(crc);
}

bool has_inline_allow(std::string_view line) noexcept {
  for (std::string_view marker : {std::string_view("sluice:allow"), std::string_view("gitleaks:allow"),
                                  std::string_view("pragma: allowlist secret")}) {
    if (line.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace sluice::engine

#include "engine/confirmer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "engine/filters.hpp"

namespace sluice::engine {
namespace {

constexpr int kMaxGroups = 65;

bool has_keyword(const Rule& rule, std::string_view bytes) {
  if (rule.keywords.empty()) return true;
  return std::any_of(rule.keywords.begin(), rule.keywords.end(), [&](const std::string& keyword) {
    auto it = std::search(bytes.begin(), bytes.end(), keyword.begin(), keyword.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    return it != bytes.end();
  });
}

// The line holding the secret, as far as the window and the bytes after it reach.
std::string line_around(const HitWindow& window, std::size_t offset) {
  const std::string_view bytes = window.bytes;
  const std::size_t before = offset == 0 ? std::string_view::npos : bytes.rfind('\n', offset - 1);
  const std::size_t begin = before == std::string_view::npos ? 0 : before + 1;
  const std::size_t end = bytes.find('\n', offset);
  std::string line(bytes.substr(begin, end == std::string_view::npos ? bytes.size() - begin : end - begin));
  if (end == std::string_view::npos) line += window.following.substr(0, window.following.find('\n'));
  return line;
}

bool base64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// Whether `secret` (a view into the window) is a piece of a longer base64 run: kPrecedingContext
// characters of it on both sides, and a '+' or '/' next to the secret or in it (so that a long
// word, a path of names or a hex string is not taken for one).
bool inside_base64_blob(const HitWindow& window, std::string_view secret) {
  const std::string_view bytes = window.bytes;
  const std::size_t begin = static_cast<std::size_t>(secret.data() - bytes.data());
  const std::size_t end = begin + secret.size();
  if (begin < kPrecedingContext) return false;
  bool sign = false;
  for (char c : secret) {
    if (c == '-' || c == '_') continue;
    if (!base64_char(c)) return false;
    sign = sign || c == '+' || c == '/';
  }
  for (std::size_t k = begin - kPrecedingContext; k < begin; ++k) {
    if (!base64_char(bytes[k])) return false;
  }
  sign = sign || bytes[begin - 1] == '+' || bytes[begin - 1] == '/';
  // After the secret: the rest of the window (a delimiter the regex took), then what follows.
  std::size_t seen = 0;
  const auto after = [&](std::string_view part) {
    for (char c : part) {
      if (seen == kPrecedingContext) return true;
      if (!base64_char(c)) return false;
      if (seen == 0) sign = sign || c == '+' || c == '/';
      ++seen;
    }
    return true;
  };
  if (!after(bytes.substr(end)) || !after(window.following) || seen < kPrecedingContext) return false;
  return sign;
}

}  // namespace

std::optional<Match> confirm(const CompiledRules& rules, std::uint32_t rule_index, const HitWindow& window,
                             Confidence min_confidence) {
  const CompiledRule& compiled = rules.compiled(rule_index);
  const Rule& rule = *compiled.rule;
  const RE2& program = compiled.confirm();
  const int secret_group = compiled.secret_group();
  const int groups = program.NumberOfCapturingGroups();
  const int key_group = compiled.key_group();
  const int wanted = std::min(kMaxGroups, std::max(secret_group == -1 ? groups + 1 : secret_group + 1, key_group + 1));
  std::array<re2::StringPiece, kMaxGroups> spans;
  const std::size_t skip = std::min(window.context, window.bytes.size());
  const re2::StringPiece text(window.bytes.data() + skip, window.bytes.size() - skip);
  if (!program.Match(text, 0, text.size(), RE2::UNANCHORED, spans.data(), wanted)) return std::nullopt;

  re2::StringPiece secret = spans[0];
  if (secret_group > 0) {
    secret = spans[static_cast<std::size_t>(secret_group)];
  } else if (secret_group == -1) {
    for (int g = 1; g < wanted; ++g) {
      if (g != key_group && !spans[static_cast<std::size_t>(g)].empty()) {
        secret = spans[static_cast<std::size_t>(g)];
        break;
      }
    }
  }
  if (secret.data() == nullptr || secret.empty()) return std::nullopt;

  const std::string_view secret_view(secret.data(), secret.size());
  const std::string_view match_view(spans[0].data(), spans[0].size());
  // The context bytes before the rule's reach do not count: the keyword is in the match's window.
  if (!has_keyword(rule, window.bytes.substr(window.context))) return std::nullopt;
  if (compiled.path && !RE2::PartialMatch(window.path, *compiled.path)) return std::nullopt;
  Confidence confidence = compiled.confidence;
  std::string_view reason;
  if (rule.checksum == "github-crc32" && !github_checksum_ok(secret_view)) {
    reason = "checksum";
  } else if (rule.placeholder_filter && looks_like_placeholder(secret_view)) {
    reason = "placeholder";
  } else if (rule.entropy > 0 && shannon_entropy(secret_view) < rule.entropy) {
    reason = "low-entropy";
  }
  std::string decoded;
  const bool is_decoded = rule.decode == "base64" && decode_base64_value(secret_view, decoded);
  if (reason.empty() && is_decoded && rule.placeholder_filter && looks_like_placeholder(decoded)) {
    reason = "placeholder";
  }
  if (reason.empty() && !is_decoded && inside_base64_blob(window, secret_view)) reason = "in-base64";
  if (!reason.empty()) confidence = Confidence::kLow;
  if (confidence < min_confidence) return std::nullopt;

  const std::size_t secret_pos = static_cast<std::size_t>(secret.data() - window.bytes.data());
  {
    // Confirmed hits are rare: the line is built for each, for inline markers and allowlists.
    const std::string line = line_around(window, secret_pos);
    if (has_inline_allow(line)) return std::nullopt;
    const AllowlistSubject subject{secret_view, match_view, line, window.path};
    if (allowlisted(compiled.allowlists, subject) || allowlisted(rules.global_allowlists(), subject)) {
      return std::nullopt;
    }
  }

  Match match;
  match.rule = rule_index;
  match.match_start = window.start + static_cast<std::uint64_t>(spans[0].data() - window.bytes.data());
  match.match_end = match.match_start + spans[0].size();
  match.secret_offset = window.start + secret_pos;
  if (is_decoded) {
    match.secret = std::move(decoded);
    match.decodings = DecodeChain{}.then(Decoding::kBase64);
    match.rule_decoded = true;
  } else {
    match.secret.assign(secret_view);
  }
  if (key_group > 0 && key_group < wanted) {
    const re2::StringPiece key = spans[static_cast<std::size_t>(key_group)];
    if (key.data() != nullptr) match.key.assign(key.data(), key.size());
  }
  match.confidence = confidence;
  match.confidence_reason = reason;
  return match;
}

}  // namespace sluice::engine

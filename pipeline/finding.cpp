#include "pipeline/finding.hpp"

#include <fmt/chrono.h>

#include <fmt/format.h>
#include <xxhash.h>
#include <ctime>

#include <mutex>
#include <optional>
#include <set>
#include <utility>

namespace sluice::pipeline {

std::string fingerprint(std::string_view rule_id, std::string_view secret) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  XXH3_128bits_update(state, rule_id.data(), rule_id.size());
  const char separator = '\0';
  XXH3_128bits_update(state, &separator, 1);
  XXH3_128bits_update(state, secret.data(), secret.size());
  const XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  return fmt::format("{:016x}{:016x}", hash.high64, hash.low64);
}

namespace {

// The code point of the UTF-8 sequence at the start of `text` and its length, or nullopt if
// it is not a valid one (overlong, a surrogate, past U+10FFFF, cut short).
std::optional<std::pair<char32_t, std::size_t>> utf8_at(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  std::size_t length = 0;
  char32_t point = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    point = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    point = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    point = lead & 0x07;
  } else {
    return std::nullopt;
  }
  if (text.size() < length) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[k]);
    if ((next & 0xc0) != 0x80) return std::nullopt;
    point = (point << 6) | (next & 0x3f);
  }
  const char32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
  if (point < smallest || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return std::nullopt;
  return std::make_pair(point, length);
}

// C1 controls, and the marks that reorder or hide text: shown as escapes.
bool deceptive(char32_t point) {
  return (point >= 0x80 && point <= 0x9f) || point == 0x061c || point == 0x200b || point == 0x200e || point == 0x200f ||
         (point >= 0x202a && point <= 0x202e) || (point >= 0x2066 && point <= 0x2069) || point == 0xfeff;
}

}  // namespace

std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  const std::string_view shown = text.substr(0, limit);
  for (std::size_t at = 0; at < shown.size();) {
    const auto c = static_cast<unsigned char>(shown[at]);
    if (c >= 0x80) {
      const auto sequence = utf8_at(shown.substr(at));
      if (!sequence) {
        out += fmt::format("\\x{:02x}", c);
        ++at;
      } else if (deceptive(sequence->first)) {
        out += fmt::format("\\u{{{:04x}}}", static_cast<std::uint32_t>(sequence->first));
        at += sequence->second;
      } else {
        out.append(shown.substr(at, sequence->second));
        at += sequence->second;
      }
      continue;
    }
    ++at;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";  // so that an escape in the output always stands for a byte it replaced
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > limit) out += fmt::format("… ({} bytes)", text.size());
  return out;
}

std::string printable_chain(const std::vector<std::string>& chain, std::size_t limit) {
  std::string out;
  for (const std::string& part : chain) {
    if (!out.empty()) out.push_back('!');
    for (char c : printable(part, limit)) {
      if (c == '!') out.push_back('\\');  // a '!' in a name is not a step into an archive
      out.push_back(c);
    }
  }
  return out;
}

std::string join_chain(const std::vector<std::string>& chain) {
  std::string out;
  for (const std::string& part : chain) {
    if (!out.empty()) out.push_back('!');
    out += part;
  }
  return out;
}

std::string_view interned_reason(std::string_view reason) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> reasons;
  std::lock_guard lock(mutex);
  auto found = reasons.find(reason);
  if (found == reasons.end()) found = reasons.emplace(reason).first;
  return *found;
}

std::string redact(std::string_view secret) {
  // Keep a short prefix (vendor prefixes like "phx_" say what it is) only when the secret is
  // long enough that the rest stays unguessable.
  const std::size_t keep = secret.size() >= 24 ? 4 : 0;
  return fmt::format("{}…[REDACTED]", secret.substr(0, keep));
}

std::string_view to_string(Validation::Status status) noexcept {
  switch (status) {
    case Validation::Status::kValid:
      return "valid";
    case Validation::Status::kInvalid:
      return "invalid";
    case Validation::Status::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<Validation::Status> parse_validation_status(std::string_view text) noexcept {
  for (auto status : {Validation::Status::kValid, Validation::Status::kInvalid, Validation::Status::kUnknown}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

std::string utc_timestamp(std::int64_t unix_seconds) {
  const auto when = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&when, &parts);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", parts);
}

}  // namespace sluice::pipeline

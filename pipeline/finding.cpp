#include "pipeline/finding.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <mutex>
#include <set>

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

std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  for (unsigned char c : text.substr(0, limit)) {
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

}  // namespace sluice::pipeline

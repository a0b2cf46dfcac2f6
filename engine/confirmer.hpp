#pragma once
// Turns a raw Hyperscan hit (rule, end offset) into a confirmed secret, or nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/compiled_rules.hpp"
#include "engine/decoders.hpp"

namespace sluice::engine {

struct Match {
  std::uint32_t rule = 0;
  std::uint64_t match_start = 0;  // absolute offsets in the input
  std::uint64_t match_end = 0;
  std::uint64_t secret_offset = 0;
  std::string secret;
  Confidence confidence = Confidence::kHigh;
  // Why the confidence is low: "checksum", "placeholder", "low-entropy" or "in-base64" (static
  // strings); empty otherwise.
  std::string_view confidence_reason{};
  // Found in decoded bytes: the decodings applied, outermost first; then the offsets are those
  // of the outermost encoded span in the input.
  DecodeChain decodings{};
  // The rule decoded the secret itself (its `decode`): `decodings` is that one step, and the
  // offsets are those of the match in the input, as for any plain match.
  bool rule_decoded = false;
  // The name the value is assigned to (the rule's `key` group): a Secret's data key, a registry.
  std::string key;
};

struct HitWindow {
  std::string_view bytes;      // input bytes ending exactly at the hit's end offset
  std::uint64_t start = 0;     // absolute offset of bytes[0]
  std::string_view path;       // input path, for path filters and allowlists
  std::string_view following;  // bytes after the hit that are at hand (for line allowlists)
  std::size_t context = 0;     // leading bytes that are only context: no match starts in them
};

// Bytes of context a window should hold before the rule's own reach: a secret inside a base64
// blob is told by what is around it.
inline constexpr std::size_t kPrecedingContext = 16;

// Runs the rule's RE2 program anchored at the window's end, extracts the secret group and
// applies the keyword, path and allowlist filters (which drop a hit) and the checksum,
// placeholder and entropy filters (which make it a low-confidence match). A match below
// `min_confidence` is dropped. A rule with `decode` reports its secret decoded when it decodes
// to text (the placeholder filter then reads the decoded value too). A secret of the base64
// alphabet with kPrecedingContext base64 characters on each side, a '+' or '/' among them or in
// it, is a piece of a blob (a key file, an image, random data), not a token: low, "in-base64".
// Pure; thread-safe.
[[nodiscard]] std::optional<Match> confirm(const CompiledRules& rules, std::uint32_t rule_index,
                                           const HitWindow& window, Confidence min_confidence = Confidence::kMedium);

}  // namespace sluice::engine

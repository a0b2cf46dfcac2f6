#pragma once
// A rule set in a compact binary form (CBOR, through nlohmann::json), for the built-in
// catalog: sluice-dbgen encodes the parsed TOML at build time, and a scan decodes it instead of
// parsing 1.7 MB of TOML at every start. Every field of a rule round-trips.

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/rule_loader.hpp"

namespace sluice::engine {

// The set in parts of `rules_per_part` rules, each a CBOR document after its 4-byte
// little-endian length, so that decoding runs on every core.
[[nodiscard]] std::string encode_rules(const RuleSet& set, std::size_t rules_per_part = 32);

// Throws RuleError when `bytes` is not a rule set this version of sluice encoded.
[[nodiscard]] RuleSet decode_rules(std::string_view bytes);

}  // namespace sluice::engine

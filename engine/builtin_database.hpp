#pragma once
// The built-in catalog as the build prepared it (library sluice_builtin_db; only the binaries
// that want it link it): its Hyperscan database, and its rules parsed and encoded.

#include <string_view>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"

namespace sluice::engine {

[[nodiscard]] const PrecompiledDatabase* builtin_database();

// builtin_rules() as sluice-dbgen encoded it (rule_codec), and builtin_rules_key() then.
struct EncodedRules {
  std::string_view key;
  std::string_view bytes;
};
[[nodiscard]] EncodedRules builtin_encoded_rules();

// The built-in rules: decoded from their encoded form when its key is that of the embedded
// rule files (a few milliseconds), else parsed from the TOML (builtin_rules()). The same rules
// either way.
[[nodiscard]] RuleSet builtin_catalog();

}  // namespace sluice::engine

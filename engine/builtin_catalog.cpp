#include "engine/builtin_database.hpp"
#include "engine/rule_codec.hpp"

namespace sluice::engine {

RuleSet builtin_catalog() {
  const EncodedRules encoded = builtin_encoded_rules();
  if (encoded.key == builtin_rules_key()) {
    try {
      return decode_rules(encoded.bytes);
    } catch (const RuleError&) {
      // An encoding this build cannot read: the TOML says the same.
    }
  }
  return builtin_rules();
}

}  // namespace sluice::engine

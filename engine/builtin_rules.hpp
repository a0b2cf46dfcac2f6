#pragma once
// Rule files compiled into the binary from engine/rules/*.toml.

#include <span>
#include <string_view>

namespace sluice::engine {

struct EmbeddedRuleFile {
  std::string_view name;  // file name, e.g. "posthog.toml"
  std::string_view text;
};

[[nodiscard]] std::span<const EmbeddedRuleFile> builtin_rule_files();

}  // namespace sluice::engine

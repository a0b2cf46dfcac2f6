#pragma once
// Reads rule files (TOML; a superset of gitleaks' [[rules]] schema) into Rule values.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule.hpp"

namespace sluice::engine {

// A rule file or rule set that cannot be used; the message names the file and rule.
class RuleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RuleSet {
  std::vector<Rule> rules;
  std::vector<Allowlist> global_allowlists;  // gitleaks' top-level [allowlist] / [[allowlists]]
  bool extends_default = false;              // gitleaks' [extend] useDefault = true

  void append(RuleSet other);
};

// Bounds on what a rule file may cost to load and compile (the command line can raise them):
// rules come from the user, or from a config file in the tree being scanned.
struct RuleLimits {
  static constexpr std::size_t kDefaultMaxRules = 10'000;  // the built-in catalog has ~300
  static constexpr std::uint64_t kDefaultMaxFileBytes = std::uint64_t{32} << 20;
  std::size_t max_rules = kDefaultMaxRules;             // in one file, and in all files together
  std::uint64_t max_file_bytes = kDefaultMaxFileBytes;  // of one rule file
};

// Parses one TOML document. `origin` names it in messages. Throws RuleError.
[[nodiscard]] RuleSet parse_rules(std::string_view toml_text, const std::string& origin, const RuleLimits& limits = {});
// Reads a rule file (a regular file or a FIFO; at most `limits.max_file_bytes`). Throws RuleError.
[[nodiscard]] RuleSet load_rule_file(const std::string& path, const RuleLimits& limits = {});
[[nodiscard]] RuleSet builtin_rules();
// What builtin_rules() parses: XXH3-128 (hex) of the embedded rule files' names and texts.
[[nodiscard]] std::string builtin_rules_key();
// The rules that are on by default (`enabled` is not false): what a scan without --enable runs,
// and what the build precompiles.
[[nodiscard]] RuleSet enabled_rules(RuleSet set);

}  // namespace sluice::engine

#pragma once
// Reads rule files (TOML; a superset of gitleaks' [[rules]] schema) into Rule values.

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

// Parses one TOML document. `origin` names it in messages. Throws RuleError.
[[nodiscard]] RuleSet parse_rules(std::string_view toml_text, const std::string& origin);
[[nodiscard]] RuleSet load_rule_file(const std::string& path);
[[nodiscard]] RuleSet builtin_rules();
// The rules that are on by default (`enabled` is not false): what a scan without --enable runs,
// and what the build precompiles.
[[nodiscard]] RuleSet enabled_rules(RuleSet set);

}  // namespace sluice::engine

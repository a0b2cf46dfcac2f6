#pragma once
// A compiled rule set of a few built-in rules, for tests that need the real cards but not the
// seconds a full catalog compile costs.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"

namespace sluice::testing {

inline std::shared_ptr<const engine::CompiledRules> builtin_subset(const std::vector<std::string>& ids) {
  engine::RuleSet set = engine::builtin_rules();
  std::erase_if(set.rules,
                [&](const engine::Rule& rule) { return std::find(ids.begin(), ids.end(), rule.id) == ids.end(); });
  return engine::CompiledRules::compile(std::move(set));
}

}  // namespace sluice::testing

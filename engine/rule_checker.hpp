#pragma once
// `sluice rules check`: every rule compiles in Hyperscan and RE2, names one secret group,
// finds each example's secret and none of its negative examples.

#include <string>
#include <vector>

#include "engine/rule_loader.hpp"

namespace sluice::engine {

struct RuleProblem {
  std::string origin;
  std::string rule_id;
  std::string message;
};

struct CheckOptions {
  // Built-in rules must carry the whole card, and a literal anchor or a card note why not.
  bool require_complete_cards = false;
};

[[nodiscard]] std::vector<RuleProblem> check_rules(const RuleSet& rules, const CheckOptions& options = {});

}  // namespace sluice::engine

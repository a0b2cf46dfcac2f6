#pragma once
// What each rule costs on a corpus: `sluice rules profile`. Each rule is compiled into a
// database of its own and run over the corpus twice: Hyperscan alone (its hits, the time spent
// finding them) and the whole engine path (Hyperscan, then RE2 confirmation and the filters of
// every hit). A rule with many hits per match (an open-ended repeat with nothing after it
// reports every end position) or a slow Hyperscan program shows at the top.
//
// A rule's own database is not its share of the catalog's combined one (Hyperscan shares
// literal matching across patterns), so the catalog is timed as well, for scale.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"

namespace sluice::engine {

struct RuleProfile {
  std::size_t rule = 0;        // index in the profiled RuleSet
  std::uint64_t hits = 0;      // Hyperscan reports
  std::uint64_t matches = 0;   // confirmed matches, any confidence
  double match_seconds = 0;    // Hyperscan alone
  double confirm_seconds = 0;  // the whole engine path minus Hyperscan alone (not below 0)
  bool skipped = false;        // a rule on paths only: nothing to run
  // Literals of 3+ bytes one of which every match contains (literal_anchors, the atoms that
  // occur least in the corpus kept), and how often any of them occurs there,
  // case-insensitively: how selective a literal pre-filter on this rule would be. `anchored`
  // is false when the regex has no such set.
  std::vector<std::string> anchors;
  bool anchored = false;
  std::uint64_t anchor_hits = 0;
};

struct CatalogProfile {
  std::vector<RuleProfile> rules;  // in RuleSet order
  std::uint64_t bytes = 0;         // of the corpus, per pass
  std::uint64_t hits = 0;          // the catalog's database together
  double match_seconds = 0;        // the catalog's database together, Hyperscan alone
  double total_seconds = 0;        // the catalog, the whole engine path
};

// Profiles every rule of `set` over `corpus` (each buffer one stream), `passes` times each
// (the fastest pass is kept). Rules are profiled in parallel; times are per rule, wall clock of
// one thread. Throws RuleError when a rule does not compile.
// `precompiled` serves the catalog pass when its key matches (the built-in catalog).
[[nodiscard]] CatalogProfile profile_rules(const RuleSet& set, const std::vector<std::string_view>& corpus,
                                           unsigned passes = 1, const PrecompiledDatabase* precompiled = nullptr);

}  // namespace sluice::engine

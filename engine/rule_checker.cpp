#include "engine/rule_checker.hpp"

#include <fmt/format.h>

#include <set>

#include "engine/anchors.hpp"
#include "engine/compiled_rules.hpp"
#include "engine/stream_scanner.hpp"

namespace sluice::engine {
namespace {

std::string describe(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string shown(text.substr(0, kMax));
  for (char& c : shown) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text.size() > kMax ? shown + "..." : shown;
}

// A pattern that begins with an unbounded repeat of a class (`[a-z]+…`, `\w*…`) gives
// Hyperscan nothing to look for and can match anywhere: rules must start with a literal,
// an anchor or a bounded repeat.
bool starts_with_unbounded_class(std::string_view regex) {
  // Skip what matches no character: \b, group openers, inline flags.
  for (;;) {
    if (regex.substr(0, 2) == "\\b") {
      regex.remove_prefix(2);
    } else if (regex.substr(0, 3) == "(?:") {
      regex.remove_prefix(3);
    } else if (regex.substr(0, 2) == "(?" && regex.size() > 2 &&
               regex.find_first_of(":)", 2) != std::string_view::npos &&
               regex.find_first_not_of("imsU-", 2) == regex.find_first_of(":)", 2)) {
      regex.remove_prefix(regex.find_first_of(":)", 2) + 1);
    } else if (!regex.empty() && regex.front() == '(' && regex.substr(0, 2) != "(?") {
      regex.remove_prefix(1);
    } else if (!regex.empty() && regex.front() == '^') {
      return false;  // anchored at a line start: not "anywhere"
    } else {
      break;
    }
  }
  std::size_t atom = 0;
  if (!regex.empty() && regex.front() == '[') {
    atom = regex.find(']', regex.size() > 1 && regex[1] == ']' ? 2 : 1);
    if (atom == std::string_view::npos) return false;
    ++atom;
  } else if (regex.substr(0, 1) == ".") {
    atom = 1;
  } else if (regex.size() >= 2 && regex.front() == '\\' &&
             std::string_view("wWdDsS").find(regex[1]) != std::string_view::npos) {
    atom = 2;
  } else {
    return false;
  }
  const std::string_view rest = regex.substr(atom);
  if (rest.empty()) return false;
  if (rest.front() == '*' || rest.front() == '+') return true;
  if (rest.front() == '{') {
    const std::size_t close = rest.find('}');
    return close != std::string_view::npos && rest.substr(0, close).back() == ',';
  }
  return false;
}

void check_one(const Rule& rule, const CheckOptions& options, std::vector<RuleProblem>& problems) {
  auto problem = [&](std::string message) { problems.push_back({rule.origin, rule.id, std::move(message)}); };
  if (starts_with_unbounded_class(rule.regex)) {
    problem(
        "regex starts with an unbounded repeat of a character class: start with a literal, an anchor or a "
        "bounded repeat");
  }
  if (options.require_complete_cards) {
    for (const std::string& field : missing_card_fields(rule))
      problem(fmt::format("card field '{}' is missing", field));
    if (rule.examples.size() < 2) problem("needs at least two examples");
    if (rule.negative_examples.size() < 2) problem("needs at least two negative examples");
    if (!rule.regex.empty() && rule.no_anchor.empty() && !literal_anchors(rule.regex)) {
      problem(
          "no literal anchor: some match need not contain a literal of 3+ bytes (a prefix, the key's or the "
          "vendor's name); add one, or say why the format has none in 'no_anchor'");
    }
  }
  if (rule.regex.empty()) return;  // path-only rule: nothing to match

  RuleSet alone;
  alone.rules.push_back(rule);
  std::shared_ptr<const CompiledRules> compiled;
  try {
    compiled = CompiledRules::compile(std::move(alone));
  } catch (const RuleError& error) {
    problem(error.what());
    return;
  }
  const CompiledRule& c = compiled->compiled(0);
  const int groups = c.confirm().NumberOfCapturingGroups() - (c.key_group() > 0 ? 1 : 0);
  if (rule.secret_group == 0 && groups != 1) {
    problem(fmt::format(
        "regex has {} capture groups besides 'key': set secretGroup or use exactly one group for the secret", groups));
  }
  ScanContext context(compiled);
  for (std::size_t i = 0; i < rule.examples.size(); ++i) {
    const RuleExample& example = rule.examples[i];
    std::vector<Match> found;
    if (!scan_buffer(context, example.text, "example", found)) {
      problem(fmt::format("example {}: Hyperscan scan failed", i + 1));
      continue;
    }
    bool hit = false;
    for (const Match& m : found) hit = hit || m.secret == example.secret;
    if (!hit) {
      problem(found.empty() ? fmt::format("example {} does not match: {}", i + 1, describe(example.text))
                            : fmt::format("example {} yields a different secret than the one given", i + 1));
    }
  }
  for (std::size_t i = 0; i < rule.negative_examples.size(); ++i) {
    std::vector<Match> found;
    if (!scan_buffer(context, rule.negative_examples[i], "example", found)) {
      problem(fmt::format("negative example {}: Hyperscan scan failed", i + 1));
    } else if (!found.empty()) {
      problem(fmt::format("negative example {} matches: {}", i + 1, describe(rule.negative_examples[i])));
    }
  }
}

// Two rules must not both report an example's secret unless one is marked as the more
// specific (`fallback = true` on the generic one, or `overrides` on the specific one): the
// scan then keeps only the specific finding.
void check_overlaps(const RuleSet& rules, std::vector<RuleProblem>& problems) {
  std::shared_ptr<const CompiledRules> all;
  try {
    all = CompiledRules::compile(rules);
  } catch (const RuleError&) {
    return;  // the rule that does not compile is reported on its own
  }
  ScanContext context(all);
  for (std::size_t r = 0; r < rules.rules.size(); ++r) {
    const Rule& rule = rules.rules[r];
    for (std::size_t i = 0; i < rule.examples.size(); ++i) {
      const RuleExample& example = rule.examples[i];
      const std::size_t at = example.text.find(example.secret);
      if (example.secret.empty() || at == std::string::npos) continue;
      std::vector<Match> found;
      if (!scan_buffer(context, example.text, "example", found)) continue;
      for (const Match& m : found) {
        const bool overlaps = m.secret_offset < at + example.secret.size() && at < m.secret_offset + m.secret.size();
        if (m.rule == r || !overlaps || all->yields(m.rule, static_cast<std::uint32_t>(r))) continue;
        problems.push_back(
            {rule.origin, rule.id,
             fmt::format("example {} is also reported by rule '{}': mark the more specific one "
                         "(`fallback = true` on a generic rule, or `overrides = [...]` on the specific rule)",
                         i + 1, rules.rules[m.rule].id)});
      }
    }
  }
}

}  // namespace

std::vector<RuleProblem> check_rules(const RuleSet& rules, const CheckOptions& options) {
  std::vector<RuleProblem> problems;
  for (const Rule& rule : rules.rules) check_one(rule, options, problems);
  // A validation that pairs the secret with another rule's finding names a rule of the set.
  std::set<std::string_view> ids;
  for (const Rule& rule : rules.rules) ids.insert(rule.id);
  for (const Rule& rule : rules.rules) {
    if (rule.validation && !rule.validation->pair.empty() && ids.count(rule.validation->pair) == 0) {
      problems.push_back({rule.origin, rule.id,
                          fmt::format("validation: pair '{}' is not a rule of this catalog", rule.validation->pair)});
    }
  }
  if (rules.rules.size() > 1) check_overlaps(rules, problems);
  return problems;
}

}  // namespace sluice::engine

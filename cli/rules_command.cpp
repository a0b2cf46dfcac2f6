// `sluice rules list|show|check` (`profile` is in profile_command.cpp).
#include <fmt/format.h>

#include <algorithm>

#include <cctype>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "engine/builtin_database.hpp"
#include "engine/rule_checker.hpp"
#include "io/http_client.hpp"
#include "pipeline/finding.hpp"

namespace sluice::cli {
namespace {

// The URL of each region of a rule's validation, placeholders as the card has them.
std::vector<std::string> validation_urls(const engine::ValidationSpec& spec) {
  std::vector<std::string> urls;
  const std::vector<std::string> regions = spec.regions.empty() ? std::vector<std::string>{""} : spec.regions;
  for (const std::string& region : regions) {
    std::string url = spec.url;
    if (const std::size_t at = url.find("{region}"); at != std::string::npos) url.replace(at, 8, region);
    urls.push_back(std::move(url));
  }
  return urls;
}

// {method, hosts, url} for `rules list -f json`; null when the rule does not validate.
nlohmann::json validation_json(const engine::Rule& rule) {
  if (!rule.validation) return nullptr;
  nlohmann::json hosts = nlohmann::json::array();
  for (const std::string& url : validation_urls(*rule.validation)) hosts.push_back(io::url_host(url));
  return {{"method", rule.validation->method}, {"hosts", std::move(hosts)}, {"url", rule.validation->url}};
}

// What `rules show` prints of the request --validate sends: the secret and its pair elided.
void print_validation(const engine::Rule& rule) {
  if (!rule.validation) {
    fmt::print("\nValidation: none (--validate reports this rule's findings as unknown, unsupported)\n");
    return;
  }
  const engine::ValidationSpec& spec = *rule.validation;
  const std::string key = spec.pair.empty() ? std::string() : fmt::format("<{} of the same file>", spec.pair);
  auto elided = [&](std::string text) {
    for (const auto& [name, value] : {std::pair<std::string_view, std::string>{"{secret}", "<secret>"},
                                      std::pair<std::string_view, std::string>{"{key}", key}}) {
      for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
        text.replace(at, name.size(), value);
      }
    }
    return text;
  };
  // Card text is printed escaped: a control byte could redraw the line to show another host.
  const auto shown = [&](const std::string& text) { return pipeline::printable(elided(text), 512); };
  fmt::print("\nValidation (sent only with --validate; valid in any region is valid):\n");
  for (const std::string& url : validation_urls(spec)) fmt::print("  {} {}\n", spec.method, shown(url));
  for (const std::string& header : spec.headers) fmt::print("  {}\n", shown(header));
  if (!spec.aws_sigv4.empty()) {
    fmt::print("  signed with AWS SigV4 ({}), key id {}\n", shown(spec.aws_sigv4), shown(spec.user));
  } else if (!spec.user.empty() || !spec.password.empty()) {
    fmt::print("  HTTP Basic: user {}, password {}\n", shown(spec.user), shown(spec.password));
  }
  if (!spec.body.empty()) fmt::print("  body: {}\n", shown(spec.body));
  fmt::print("  valid: HTTP {}{}; invalid: HTTP {}{}; anything else: unknown\n", fmt::join(spec.valid, ", "),
             spec.valid_body.empty() ? std::string() : fmt::format(" with '{}' in the body", shown(spec.valid_body)),
             spec.invalid.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(spec.invalid, ", ")),
             spec.invalid_body.empty()
                 ? std::string()
                 : fmt::format(", or in the body: {}", shown(fmt::format("{}", fmt::join(spec.invalid_body, " | ")))));
}

// What `rules list` shows: every rule, or those of a vendor, family and confidence class.
struct ListFilter {
  std::string format = "text";
  std::string vendor;      // case-insensitive, exact
  std::string family;      // case-insensitive, exact
  std::string confidence;  // high|medium|low: the class of a match that passes every filter
  bool stats = false;      // counts per family (and totals) instead of the rules
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool listed(const engine::Rule& rule, const ListFilter& filter) {
  if (!filter.vendor.empty() && lower(rule.vendor) != lower(filter.vendor)) return false;
  if (!filter.family.empty() && lower(rule.family) != lower(filter.family)) return false;
  if (!filter.confidence.empty() && engine::to_string(engine::base_confidence(rule)) != filter.confidence) return false;
  return true;
}

void print_stats(const std::vector<const engine::Rule*>& rules, const std::string& format) {
  struct Counts {
    std::size_t rules = 0, high = 0, medium = 0, low = 0, off = 0;
    std::set<std::string> vendors;
  };
  std::map<std::string, Counts> families;
  Counts total;
  for (const engine::Rule* rule : rules) {
    for (Counts* c : {&families[rule->family.empty() ? std::string("(none)") : rule->family], &total}) {
      ++c->rules;
      const engine::Confidence confidence = engine::base_confidence(*rule);
      ++(confidence == engine::Confidence::kHigh     ? c->high
         : confidence == engine::Confidence::kMedium ? c->medium
                                                     : c->low);
      if (!rule->enabled) ++c->off;
      c->vendors.insert(rule->vendor);
    }
  }
  if (format == "json") {
    auto as_json = [](const Counts& c) {
      return nlohmann::json{{"rules", c.rules}, {"vendors", c.vendors.size()}, {"high", c.high}, {"medium", c.medium},
                            {"low", c.low},     {"off_by_default", c.off}};
    };
    nlohmann::json out = {{"total", as_json(total)}, {"families", nlohmann::json::object()}};
    for (const auto& [family, counts] : families) out["families"][family] = as_json(counts);
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return;
  }
  std::size_t width = 6;
  for (const auto& [family, counts] : families) width = std::max(width, family.size());
  fmt::print("{:<{}}  {:>5}  {:>7}  {:>5}  {:>6}  {:>4}  {:>3}\n", "FAMILY", width, "RULES", "VENDORS", "HIGH",
             "MEDIUM", "LOW", "OFF");
  for (const auto& [family, c] : families) {
    fmt::print("{:<{}}  {:>5}  {:>7}  {:>5}  {:>6}  {:>4}  {:>3}\n", family, width, c.rules, c.vendors.size(), c.high,
               c.medium, c.low, c.off);
  }
  fmt::print("{:<{}}  {:>5}  {:>7}  {:>5}  {:>6}  {:>4}  {:>3}\n", "total", width, total.rules, total.vendors.size(),
             total.high, total.medium, total.low, total.off);
}

int list_rules(const RuleSources& sources, const ListFilter& filter) {
  const engine::RuleSet set = load_rules(sources);
  std::vector<const engine::Rule*> rules;
  for (const engine::Rule& rule : set.rules) {
    if (listed(rule, filter)) rules.push_back(&rule);
  }
  if (filter.stats) {
    print_stats(rules, filter.format);
    return kClean;
  }
  if (filter.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const engine::Rule* rule : rules) {
      out.push_back({{"id", rule->id},
                     {"name", rule->name},
                     {"vendor", rule->vendor},
                     {"family", rule->family},
                     {"severity", engine::to_string(rule->severity)},
                     {"confidence", engine::to_string(engine::base_confidence(*rule))},
                     {"regex", rule->regex},
                     {"enabled", rule->enabled},
                     {"fallback", rule->fallback},
                     {"validation", validation_json(*rule)},
                     {"origin", rule->origin}});
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kClean;
  }
  std::size_t width = 2;
  for (const engine::Rule* rule : rules) width = std::max(width, rule->id.size());
  fmt::print("{:<{}}  {:<8}  {:<10}  {:<14}  {:<20}  {}\n", "ID", width, "SEVERITY", "CONFIDENCE", "VENDOR", "FAMILY",
             "NAME");
  for (const engine::Rule* rule : rules) {
    fmt::print("{:<{}}  {:<8}  {:<10}  {:<14}  {:<20}  {}{}\n", rule->id, width, engine::to_string(rule->severity),
               engine::to_string(engine::base_confidence(*rule)), rule->vendor, rule->family, rule->name,
               rule->enabled ? "" : "  (off unless --enable)");
  }
  return kClean;
}

void print_list(const char* title, const std::vector<std::string>& items, bool numbered) {
  if (items.empty()) return;
  fmt::print("\n{}:\n", title);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (numbered) {
      fmt::print("  {}. {}\n", i + 1, items[i]);
    } else {
      fmt::print("  - {}\n", items[i]);
    }
  }
}

int show_rule(const RuleSources& sources, const std::string& id) {
  const engine::RuleSet set = load_rules(sources);
  for (const engine::Rule& rule : set.rules) {
    if (rule.id != id) continue;
    fmt::print("{} ({})\n", rule.name, rule.id);
    fmt::print("  severity:   {}\n  confidence: {}\n  vendor:     {}\n  family:     {}\n  source:     {}\n",
               engine::to_string(rule.severity), engine::to_string(engine::base_confidence(rule)), rule.vendor,
               rule.family, rule.origin);
    if (!rule.description.empty()) fmt::print("\n{}\n", rule.description);
    print_list("Impact of a leak", rule.security, false);
    print_list("Mitigation", rule.mitigation, true);
    fmt::print("\nPattern:\n  {}\n", rule.regex.empty() ? "(path only) " + rule.path : rule.regex);
    std::vector<std::string> examples;
    for (const engine::RuleExample& example : rule.examples) examples.push_back(example.text);
    print_list("Examples (fake)", examples, false);
    print_list("Not matched", rule.negative_examples, false);
    print_list("References", rule.references, false);
    print_validation(rule);
    return kClean;
  }
  say("sluice: no rule with id '{}' (see `sluice rules list`)\n", id);
  return kFatal;
}

int check(const std::vector<std::string>& files) {
  engine::RuleSet set;
  std::vector<engine::RuleProblem> problems;
  engine::CheckOptions options;
  if (files.empty()) {
    set = engine::builtin_catalog();
    options.require_complete_cards = true;  // built-in rules ship whole detector cards
  } else {
    for (const std::string& file : files) {
      try {
        set.append(engine::load_rule_file(file));
      } catch (const engine::RuleError& error) {
        problems.push_back({file, "", error.what()});
      }
    }
  }
  for (engine::RuleProblem& problem : engine::check_rules(set, options)) problems.push_back(std::move(problem));
  for (const engine::RuleProblem& problem : problems) {
    if (problem.rule_id.empty()) {
      say("FAIL {}\n", problem.message);
    } else {
      say("FAIL {}: rule '{}': {}\n", problem.origin, problem.rule_id, problem.message);
    }
  }
  if (!problems.empty()) {
    say("sluice: {} problem{} in {} rule{}\n", problems.size(), problems.size() == 1 ? "" : "s", set.rules.size(),
        set.rules.size() == 1 ? "" : "s");
    return kFindings;
  }
  fmt::print("ok: {} rule{} checked (patterns compile in Hyperscan and RE2, examples match, negatives do not)\n",
             set.rules.size(), set.rules.size() == 1 ? "" : "s");
  return kClean;
}

}  // namespace

void add_rule_source_options(CLI::App& command, RuleSources& sources) {
  // Each occurrence takes one value, so that `--rules x.toml DIR` leaves DIR a path to scan.
  command.add_option("--rules", sources.files, "Add rules from a TOML file (sluice or gitleaks schema); repeatable")
      ->type_name("FILE")
      ->allow_extra_args(false)
      ->group("Rules");
  command.add_flag("--no-builtin-rules", sources.no_builtin, "Use only the rules given with --rules")->group("Rules");
  command
      .add_option("--enable", sources.enable,
                  "Turn on rules that are off by default (the generic family), by rule id, family, vendor or tag; "
                  "repeatable")
      ->allow_extra_args(false)
      ->group("Rules");
  command.add_option("--disable", sources.disable, "Turn rules off by rule id, family, vendor or tag; repeatable")
      ->allow_extra_args(false)
      ->group("Rules");
  command
      .add_option("--max-rules", sources.limits.max_rules,
                  "Refuse to load more rules than this (built-in and --rules together): compile time grows with them")
      ->check(CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max()))
      ->capture_default_str()
      ->group("Rules");
  command
      .add_option("--max-rule-file-size", sources.limits.max_file_bytes,
                  "Refuse a --rules file larger than this many bytes")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str()
      ->group("Rules");
}

namespace {

bool selected_by(const engine::Rule& rule, const std::string& selector) {
  const std::string wanted = lower(selector);
  if (lower(rule.id) == wanted || lower(rule.family) == wanted || lower(rule.vendor) == wanted) return true;
  for (const std::string& tag : rule.tags) {
    if (lower(tag) == wanted) return true;
  }
  return false;
}

}  // namespace

engine::RuleSet select_rules(engine::RuleSet set, const RuleSources& sources) {
  for (const std::vector<std::string>* selectors : {&sources.enable, &sources.disable}) {
    for (const std::string& selector : *selectors) {
      const bool known = std::any_of(set.rules.begin(), set.rules.end(),
                                     [&](const engine::Rule& rule) { return selected_by(rule, selector); });
      if (!known) {
        throw engine::RuleError(
            fmt::format("'{}' names no rule id, family, vendor or tag (see `sluice rules list`)", selector));
      }
    }
  }
  std::vector<engine::Rule> kept;
  for (engine::Rule& rule : set.rules) {
    auto named = [&](const std::vector<std::string>& selectors) {
      return std::any_of(selectors.begin(), selectors.end(),
                         [&](const std::string& selector) { return selected_by(rule, selector); });
    };
    if ((rule.enabled || named(sources.enable)) && !named(sources.disable) && !named(sources.disable_if_known)) {
      kept.push_back(std::move(rule));
    }
  }
  set.rules = std::move(kept);
  if (set.rules.empty()) throw engine::RuleError("no rules to scan with (every rule is disabled)");
  return set;
}

engine::RuleSet load_rules(const RuleSources& sources) {
  engine::RuleSet set;
  if (!sources.no_builtin) set = engine::builtin_catalog();
  for (const std::string& file : sources.files) {
    set.append(engine::load_rule_file(file, sources.limits));
    if (set.rules.size() > sources.limits.max_rules) {
      throw engine::RuleError(
          fmt::format("{}: {} rules with this file, more than --max-rules {} (raise it to load "
                      "them)",
                      file, set.rules.size(), sources.limits.max_rules));
    }
  }
  set.global_allowlists.insert(set.global_allowlists.end(), sources.allowlists.begin(), sources.allowlists.end());
  std::set<std::string> seen;
  for (const engine::Rule& rule : set.rules) {
    if (!seen.insert(rule.id).second) {
      throw engine::RuleError(
          fmt::format("{}: rule '{}': id already defined by another rule file", rule.origin, rule.id));
    }
  }
  if (set.rules.empty()) throw engine::RuleError("no rules to scan with");
  return set;
}

void register_rules(CLI::App& app, int& exit_code) {
  CLI::App* rules = app.add_subcommand("rules", "List, show and check detector rules");
  rules->require_subcommand(1);

  auto list_sources = std::make_shared<RuleSources>();
  auto list_filter = std::make_shared<ListFilter>();
  CLI::App* list =
      rules->add_subcommand("list", "List the rules (id, severity, confidence, vendor, family, name) or count them");
  list->add_option("-f,--format", list_filter->format, "text or json (json adds the regex)")
      ->check(CLI::IsMember({"text", "json"}));
  list->add_option("--vendor", list_filter->vendor, "Only this vendor's rules (case-insensitive)");
  list->add_option("--family", list_filter->family, "Only this family's rules (case-insensitive), e.g. 'API Key'");
  list->add_option("--confidence", list_filter->confidence,
                   "Only rules whose matches are of this class when they pass every filter (high, medium, low)")
      ->check(CLI::IsMember({"high", "medium", "low"}));
  list->add_flag("--stats", list_filter->stats,
                 "Counts per family: rules, vendors, confidence classes, off by default");
  add_rule_source_options(*list, *list_sources);
  list->callback([=, &exit_code] { exit_code = list_rules(*list_sources, *list_filter); });

  auto show_sources = std::make_shared<RuleSources>();
  auto show_id = std::make_shared<std::string>();
  CLI::App* show = rules->add_subcommand("show", "Print a rule's detector card");
  show->add_option("id", *show_id, "Rule id")->required();
  add_rule_source_options(*show, *show_sources);
  show->callback([=, &exit_code] { exit_code = show_rule(*show_sources, *show_id); });

  auto check_files = std::make_shared<std::vector<std::string>>();
  CLI::App* check_command = rules->add_subcommand(
      "check",
      "Check rules: patterns compile in Hyperscan and RE2, one secret group, examples match, negatives do not");
  check_command->add_option("files", *check_files, "Rule files to check (default: the built-in catalog)");
  check_command->callback([=, &exit_code] { exit_code = check(*check_files); });

  register_rules_profile(*rules, exit_code);
}

}  // namespace sluice::cli

#pragma once
// Subcommands of the sluice binary. Each returns the process exit code.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "engine/rule_loader.hpp"

namespace sluice::cli {

enum ExitCode : int { kClean = 0, kFindings = 1, kFatal = 2, kIncomplete = 3 };

struct RuleSources {
  std::vector<std::string> files;    // --rules
  bool no_builtin = false;           // --no-builtin-rules
  std::vector<std::string> enable;   // --enable: rule ids, families, vendors or tags
  std::vector<std::string> disable;  // --disable
  // From a discovered .sluice.toml (cli/config.hpp): selectors that name no rule are ignored
  // there (scanned content must not stop the scan), and global allowlists.
  std::vector<std::string> disable_if_known;
  std::vector<engine::Allowlist> allowlists;
  engine::RuleLimits limits;  // --max-rules, --max-rule-file-size
};

void add_rule_source_options(CLI::App& command, RuleSources& sources);
// Built-in rules (unless disabled) plus every --rules file. Throws engine::RuleError.
[[nodiscard]] engine::RuleSet load_rules(const RuleSources& sources);
// The rules a scan runs: those on by default or named by --enable, minus --disable.
[[nodiscard]] engine::RuleSet select_rules(engine::RuleSet set, const RuleSources& sources);

void register_scan(CLI::App& app, int& exit_code);
void register_merge(CLI::App& app, int& exit_code);
void register_report(CLI::App& app, int& exit_code);
void register_rules(CLI::App& app, int& exit_code);
// `rules profile`, a subcommand of `rules`.
void register_rules_profile(CLI::App& rules, int& exit_code);

}  // namespace sluice::cli

#include "cli/scan_workflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <set>

#include "cli/config.hpp"
#include "pipeline/ignore_file.hpp"

namespace sluice::cli {

void add_workflow_options(CLI::App& scan, WorkflowFlags& flags) {
  const std::string output_group = "Output";
  scan.add_flag("--no-progress", flags.no_progress,
                "No live progress line (it is shown only when standard error is a terminal)")
      ->group(output_group);
  scan.add_option("--fail-on", flags.fail_on,
                  "Exit 1 only for findings at or above this severity (critical, high, medium, low, info)")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info"}))
      ->type_name("SEVERITY")
      ->capture_default_str()
      ->group(output_group);

  scan.add_option("--config", flags.config,
                  "Read flags ([scan] table) and extra rules from FILE (default: .sluice.toml in the first "
                  "directory scanned); a .gitleaks.toml works as is")
      ->type_name("FILE")
      ->allow_extra_args(false)
      ->group("Configuration");

  const std::string filter_group = "Ignores and baselines";
  scan.add_option("--baseline", flags.baselines,
                  "Report only findings whose fingerprint is not in this earlier report (json, jsonl or sarif, "
                  "redacted or not); repeatable")
      ->type_name("REPORT")
      ->allow_extra_args(false)
      ->group(filter_group);
  scan.add_option("--max-baseline-size", flags.max_baseline_size,
                  "Bytes read from a --baseline report at most (a bigger one is an error)")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str()
      ->group(filter_group);
  scan.add_option("--ignore-file", flags.ignore_file,
                  "Fingerprints and gitignore-style path patterns to ignore (default: .sluiceignore in the first "
                  "directory scanned)")
      ->type_name("FILE")
      ->allow_extra_args(false)
      ->group(filter_group);
  scan.add_option("--exclude", flags.excludes, "Skip paths matching this gitignore-style pattern; repeatable")
      ->type_name("PATTERN")
      ->allow_extra_args(false)
      ->group(filter_group);
  scan.add_option("--include", flags.includes,
                  "Scan only files matching this glob (a glob without '/' matches the file name); repeatable")
      ->type_name("GLOB")
      ->allow_extra_args(false)
      ->group(filter_group);
  scan.add_flag("--no-default-excludes", flags.no_default_excludes,
                "Also scan lock files and the test fixtures of vendored dependencies (node_modules, vendor)")
      ->group(filter_group);
  scan.add_flag("--report-unused-ignores", flags.report_unused_ignores,
                "List baseline and ignore-file entries that matched nothing (stderr; exit code unchanged)")
      ->group(filter_group);

  scan.add_flag("--staged", flags.staged,
                "Scan what `git commit` would record: the staged version of each added or changed file of the "
                "repository containing PATH (default: .), read from the index; for pre-commit hooks")
      ->group("Input");
}

void apply_config_file(const WorkflowFlags& flags, const std::vector<std::string>& paths, CLI::App& scan,
                       RuleSources& rules, bool verbose) {
  const auto path = find_config(flags.config, paths);
  if (!path) return;
  const ConfigFile config = apply_config(scan, *path);
  if (config.has_rules) rules.files.push_back(config.path);
  if (verbose) fmt::print(stderr, "sluice: config {}{}\n", config.path, config.has_rules ? " (with rules)" : "");
}

std::shared_ptr<io::PathFilter> prepare_ignores(const WorkflowFlags& flags, const std::vector<std::string>& paths,
                                                pipeline::Suppressions& suppressions) {
  auto filter = std::make_shared<io::PathFilter>();
  if (!flags.no_default_excludes) {
    for (const std::string& pattern : io::default_excludes()) filter->add_exclude(pattern, "default");
  }
  std::string ignore_file = flags.ignore_file;
  if (ignore_file.empty()) {
    if (const auto root = first_directory_root(paths)) {
      const std::string candidate = (std::filesystem::path(*root) / pipeline::kIgnoreFileName).string();
      std::error_code error;
      if (std::filesystem::is_regular_file(candidate, error)) ignore_file = candidate;
    }
  }
  if (!ignore_file.empty()) pipeline::load_ignore_file(ignore_file, suppressions, *filter);
  for (const std::string& pattern : flags.excludes) filter->add_exclude(pattern, "--exclude");
  for (const std::string& glob : flags.includes) filter->add_include(glob);
  for (const std::string& baseline : flags.baselines) suppressions.add_report(baseline, flags.max_baseline_size);
  if (filter->empty()) return nullptr;
  return filter;
}

void report_unused_ignores(const pipeline::Suppressions& suppressions, const io::PathFilter* filter) {
  std::set<std::pair<std::string, std::string>> unused;  // (origin, entry): a SARIF baseline repeats
  for (const pipeline::Suppressions::Entry& entry : suppressions.entries()) {
    if (entry.hits == 0) unused.emplace(entry.origin, entry.fingerprint);
  }
  if (filter != nullptr) {
    for (const io::PathFilter::Pattern& pattern : filter->excludes()) {
      if (pattern.hits == 0 && pattern.origin != "default" && pattern.origin != "--exclude") {
        unused.emplace(pattern.origin, pattern.text);
      }
    }
  }
  for (const auto& [origin, entry] : unused) fmt::print(stderr, "sluice: unused ignore: {}: {}\n", origin, entry);
  if (unused.empty()) fmt::print(stderr, "sluice: every baseline and ignore entry was used\n");
}

bool any_failing(const std::vector<pipeline::Finding>& findings, const engine::CompiledRules& rules,
                 const WorkflowFlags& flags) {
  const engine::Severity threshold = engine::parse_severity(flags.fail_on).value_or(engine::Severity::kInfo);
  return std::any_of(findings.begin(), findings.end(),
                     [&](const pipeline::Finding& f) { return rules.rules()[f.rule].severity >= threshold; });
}

}  // namespace sluice::cli

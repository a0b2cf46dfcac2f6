#include "cli/scan_workflow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <limits>
#include <set>

#include "cli/config.hpp"
#include "cli/messages.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/ignore_file.hpp"

namespace sluice::cli {

void add_workflow_options(CLI::App& scan, WorkflowFlags& flags) {
  const std::string output_group = "Output";
  scan.add_flag("--no-progress", flags.no_progress,
                "No live progress line (it is shown only when standard error is a terminal)")
      ->group(output_group);
  scan.add_option("--fail-on", flags.fail_on,
                  "Exit 1 only for findings at or above this severity (critical, high, medium, low, info), or, "
                  "with --validate, only for secrets the vendor confirmed as working (valid)")
      ->check(CLI::IsMember({"critical", "high", "medium", "low", "info", "valid"}))
      ->type_name("SEVERITY")
      ->capture_default_str()
      ->group(output_group);

  scan.add_option("--config", flags.config,
                  "Read flags ([scan] table) and extra rules from FILE, trusted in full; a .gitleaks.toml works as "
                  "is. A .sluice.toml found in the first directory scanned may only narrow the report, unless "
                  "named here")
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

namespace {

void print_problems(const std::vector<std::string>& problems) {
  for (const std::string& problem : problems) say("sluice: error: {}\n", pipeline::printable(problem));
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  return std::filesystem::equivalent(a, b, error);
}

}  // namespace

void apply_config_file(const WorkflowFlags& flags, const std::vector<std::string>& paths, CLI::App& scan,
                       RuleSources& rules, bool verbose) {
  // Trusted sources first, in precedence order (each sets only what is not set yet), then the
  // discovered config, which may only narrow (see cli/config.hpp).
  std::vector<std::string> trusted;
  if (!flags.config.empty()) trusted.push_back(flags.config);
  if (const auto user = user_config_path(); user && !(!flags.config.empty() && same_file(*user, flags.config))) {
    trusted.push_back(*user);
  }
  for (const std::string& path : trusted) {
    const ConfigFile config = apply_config(scan, path);
    if (config.has_rules) rules.files.push_back(config.path);
    if (verbose) say("sluice: config {}{}\n", config.path, config.has_rules ? " (with rules)" : "");
  }
  for (const std::string& unused : discovered_elsewhere(paths, kConfigFileName)) {
    if (std::none_of(trusted.begin(), trusted.end(),
                     [&](const std::string& path) { return same_file(path, unused); })) {
      say("sluice: note: {}: not applied: several paths are scanned, and a config found in one may not narrow the "
          "others (pass --config {} to apply it to all)\n",
          pipeline::printable(unused), pipeline::printable(unused));
    }
  }
  const auto discovered = discovered_config_path(paths);
  if (!discovered) return;
  // `--config .sluice.toml` says the file is the user's own: it was applied in full above.
  if (std::any_of(trusted.begin(), trusted.end(),
                  [&](const std::string& path) { return same_file(path, *discovered); })) {
    return;
  }
  const pipeline::DiscoveredFile file = pipeline::read_discovered_file(*discovered);
  if (!file.error.empty()) {
    print_problems({fmt::format("{}: {}; the config is ignored", *discovered, file.error)});
    return;
  }
  ConfigFile config = apply_discovered_config(scan, *discovered, file.text);
  print_problems(config.problems);
  rules.disable_if_known.insert(rules.disable_if_known.end(), config.disable.begin(), config.disable.end());
  rules.allowlists.insert(rules.allowlists.end(), std::make_move_iterator(config.allowlists.begin()),
                          std::make_move_iterator(config.allowlists.end()));
  // Always said: a file in the scanned tree changed what is reported.
  say("sluice: note: {}: config found in the scanned tree, applied for its narrowing keys only (exclude, include, "
      "disable, allowlists)\n",
      pipeline::printable(*discovered));
}

std::shared_ptr<io::PathFilter> prepare_ignores(const WorkflowFlags& flags, const std::vector<std::string>& paths,
                                                pipeline::Suppressions& suppressions) {
  auto filter = std::make_shared<io::PathFilter>();
  if (!flags.no_default_excludes) {
    for (const std::string& pattern : io::default_excludes()) filter->add_exclude(pattern, "default");
  }
  if (!flags.ignore_file.empty()) {
    print_problems(pipeline::load_ignore_file(flags.ignore_file, suppressions, *filter));
  } else if (const auto root = discovery_root(paths)) {
    // Found in the scanned tree: content, read defensively and capped (pipeline/ignore_file.hpp).
    const std::string candidate = (std::filesystem::path(*root) / pipeline::kIgnoreFileName).string();
    const pipeline::DiscoveredFile file = pipeline::read_discovered_file(candidate);
    if (!file.error.empty()) {
      print_problems({fmt::format("{}: {}; the ignore file is ignored", candidate, file.error)});
    } else if (file.present) {
      print_problems(pipeline::parse_ignore_file(file.text, candidate, suppressions, *filter,
                                                 pipeline::kMaxDiscoveredPatterns,
                                                 /*from_content=*/true));
      say("sluice: note: {}: ignore file found in the scanned tree, applied (its paths are not scanned, its "
          "fingerprints not reported)\n",
          pipeline::printable(candidate));
    }
  }
  if (flags.ignore_file.empty()) {
    for (const std::string& unused : discovered_elsewhere(paths, pipeline::kIgnoreFileName)) {
      say("sluice: note: {}: not applied: several paths are scanned, and an ignore file found in one may not "
          "narrow the others (pass --ignore-file {} to apply it to all)\n",
          pipeline::printable(unused), pipeline::printable(unused));
    }
  }
  for (const std::string& pattern : flags.excludes) {
    if (!filter->add_exclude(pattern, "--exclude")) {
      print_problems({fmt::format("--exclude: a pattern longer than {} bytes; ignored", io::kMaxPatternLength)});
    }
  }
  for (const std::string& glob : flags.includes) {
    if (!filter->add_include(glob)) {
      // An include that cannot be used must not widen the scan to everything: stop.
      throw pipeline::SuppressionError(
          fmt::format("--include: a glob longer than {} bytes cannot be used", io::kMaxPatternLength));
    }
  }
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
  for (const auto& [origin, entry] : unused) say("sluice: unused ignore: {}: {}\n", origin, entry);
  if (unused.empty()) say("sluice: every baseline and ignore entry was used\n");
}

bool any_failing(const std::vector<pipeline::Finding>& findings, const engine::CompiledRules& rules,
                 const WorkflowFlags& flags) {
  if (flags.fail_on == "valid") {
    return std::any_of(findings.begin(), findings.end(), [](const pipeline::Finding& f) {
      return f.validation && f.validation->status == pipeline::Validation::Status::kValid;
    });
  }
  const engine::Severity threshold = engine::parse_severity(flags.fail_on).value_or(engine::Severity::kInfo);
  return std::any_of(findings.begin(), findings.end(),
                     [&](const pipeline::Finding& f) { return rules.rules()[f.rule].severity >= threshold; });
}

}  // namespace sluice::cli

#pragma once
// The workflow side of `sluice scan` (issue 6), kept apart from scan_command.cpp: its flags
// (config, baselines, ignores, path filters, --fail-on, --staged, progress), the config file
// applied before anything reads the flags, the walk's path filter and the fingerprint
// suppressions, and the unused-entry report.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "engine/compiled_rules.hpp"
#include "io/path_filter.hpp"
#include "pipeline/baseline.hpp"
#include "pipeline/finding.hpp"

namespace sluice::cli {

struct WorkflowFlags {
  std::string config;                                                    // --config
  std::vector<std::string> baselines;                                    // --baseline
  std::uint64_t max_baseline_size = pipeline::kDefaultMaxBaselineBytes;  // --max-baseline-size
  std::string ignore_file;                                               // --ignore-file
  std::vector<std::string> excludes;                                     // --exclude
  std::vector<std::string> includes;                                     // --include
  bool no_default_excludes = false;
  bool report_unused_ignores = false;
  std::string fail_on = "info";
  bool no_progress = false;
  bool staged = false;
};

// Registers the workflow flags on `scan` in their help groups (Output, Configuration, Ignores
// and baselines, Input).
void add_workflow_options(CLI::App& scan, WorkflowFlags& flags);

// Applies the configs to every option of `scan` not given on the command line, in precedence
// order: --config, the user's config (both trusted in full; one with rules is added to `rules`),
// then .sluice.toml discovered in the first directory of `paths` (narrowing keys only; its
// disables and allowlists go to `rules`; what it may not set is named on stderr and ignored,
// exit code unchanged). Throws ConfigError for a trusted config only.
void apply_config_file(const WorkflowFlags& flags, const std::vector<std::string>& paths, CLI::App& scan,
                       RuleSources& rules, bool verbose);

// The walk's path filter (default noise list, ignore-file patterns, --exclude, --include;
// nullptr when empty) and the suppressions (ignore-file fingerprints, baselines). A
// .sluiceignore discovered in the first directory is read as untrusted content (size and
// pattern caps, regular files only; problems on stderr, then ignored). Throws
// pipeline::SuppressionError.
[[nodiscard]] std::shared_ptr<io::PathFilter> prepare_ignores(const WorkflowFlags& flags,
                                                              const std::vector<std::string>& paths,
                                                              pipeline::Suppressions& suppressions);

// --report-unused-ignores: baseline and ignore-file entries that matched nothing, on stderr.
// Informational: the exit code is unchanged (a stale entry is not a leak).
void report_unused_ignores(const pipeline::Suppressions& suppressions, const io::PathFilter* filter);

// Whether a finding is at or above --fail-on.
[[nodiscard]] bool any_failing(const std::vector<pipeline::Finding>& findings, const engine::CompiledRules& rules,
                               const WorkflowFlags& flags);

}  // namespace sluice::cli

#pragma once
// Live validation from the command line: the flags `sluice scan --validate` and `sluice
// validate REPORT` share, the line printed before anything is sent, and `sluice validate`,
// which adds the vendors' answers to the findings of an earlier JSON or JSON Lines report.

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/rule.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/state_store.hpp"

namespace sluice::cli {

struct ValidateFlags {
  bool validate = false;               // --validate
  bool dry_run = false;                // --validate-dry-run
  std::vector<std::string> endpoints;  // --validate-endpoint RULE=URL
  std::size_t concurrency = 8;         // --validate-concurrency
  double per_host_per_second = 2.0;    // --validate-rate
  long timeout_seconds = 10;           // --validate-timeout
  double max_age_hours = 24;           // --validate-max-age: answers in --state younger than this are reused
};

// Registers the flags in the "Validation" group; `with_switch`: --validate and
// --validate-dry-run too (sluice scan), else validation is what the command does.
void add_validate_options(CLI::App& command, ValidateFlags& flags, bool with_switch);

// Validates `findings` (rules indexed by Finding::rule) as the flags say: prints once, on
// standard error, how many secrets go to which hosts, then asks (or, with --validate-dry-run,
// only prints). Returns false, having printed a one-line error, when a flag is wrong (an
// endpoint that is not loopback, a rule that does not validate).
// `state` (--state): answers of earlier runs are reused and new ones recorded.
[[nodiscard]] bool run_validation(const ValidateFlags& flags, const std::vector<engine::Rule>& rules,
                                  std::vector<pipeline::Finding>& findings, const std::atomic<bool>* stop, bool quiet,
                                  pipeline::StateStore* state = nullptr);

void register_validate(CLI::App& app, int& exit_code);

}  // namespace sluice::cli

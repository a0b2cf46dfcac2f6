#pragma once
// Output sinks: begin / accept / finish, called from one thread.

#include <memory>
#include <ostream>
#include <string>

#include "engine/compiled_rules.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

enum class OutputFormat { kText, kJson, kJsonl };

struct SinkOptions {
  bool redact = false;
  std::size_t max_locations_shown = 20;  // text format only; JSON always has all
  // For the JSON summary: the inputs not (completely) scanned or skipped, with reasons, and the
  // findings left out by a baseline or ignore file.
  const std::vector<InputIssue>* issues = nullptr;
  std::size_t suppressed = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void begin() {}
  virtual void accept(const Finding& finding) = 0;
  virtual void finish(const ScanStats& /*stats*/) {}
};

[[nodiscard]] std::unique_ptr<Sink> make_sink(OutputFormat format, std::ostream& out, const engine::CompiledRules& rules,
                                              const SinkOptions& options);
[[nodiscard]] std::unique_ptr<Sink> make_text_sink(std::ostream& out, const engine::CompiledRules& rules,
                                                   const SinkOptions& options);
[[nodiscard]] std::unique_ptr<Sink> make_json_sink(std::ostream& out, const engine::CompiledRules& rules,
                                                   const SinkOptions& options, bool lines);

// Findings in report order: severity (highest first), then rule id, then first location.
void sort_for_report(std::vector<Finding>& findings, const engine::CompiledRules& rules);

}  // namespace sluice::pipeline

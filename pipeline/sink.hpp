#pragma once
// Output sinks: the report in one format (text, JSON, JSONL; SARIF in sarif_sink.hpp).
//
// The contract, for every Sink:
// - Calls: begin() once, then accept() once per finding, then finish() once with the final
//   stats. Nothing else, and never again after finish(). The caller (cli/scan_command.cpp)
//   makes them after the scan has ended, so a sink never sees a finding that a later input
//   could still change (dedup, suppression, redaction are done by then).
// - Thread: all from one thread, the one that made the sink; a sink holds no lock.
// - Order: findings come in report order (sort_for_report); a sink keeps it.
// - Ownership: the sink borrows the ostream, the rules and SinkOptions::issues, which outlive
//   it; a Finding is only borrowed for the duration of accept() (a sink that needs it later
//   copies what it needs). The sink owns nothing but its own buffers.
// - Redaction: under SinkOptions::redact, secrets inside free text (paths, commit summaries,
//   issue reasons) were already masked by pipeline::Redactor; the sink masks the secret field
//   itself (redact() in finding.hpp) and says so ("redacted": true).
// - Errors: a sink never throws for a failed write and never prints elsewhere; it writes
//   through `out`, and the caller checks the stream (and errno) after finish(), then reports
//   the failure and removes an incomplete report file (cli/report_output.*). A streaming
//   format (text, JSONL) may have written part of the report before a failure; a document
//   format (JSON, SARIF) writes in finish().

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
  // A shard's report (`sluice scan --shard`, JSONL only): its header record, one JSON object
  // written as the first line, and the fingerprints of the findings a baseline or ignore file
  // suppressed, in the summary (sluice merge counts each once across the shards).
  std::string shard_header;
  const std::vector<std::string>* suppressed_fingerprints = nullptr;
  // ...and the share of each top-level content it scanned (ScanReport::shares).
  const std::vector<InputShare>* shares = nullptr;
  // ...and the line facts of the byte ranges of cut files it scanned (ScanReport::splits).
  const std::vector<SplitRange>* splits = nullptr;
  // The secrets were masked before (a merge of reports written with --redact): under `redact`,
  // they are written as they are.
  bool secrets_masked = false;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void begin() {}
  virtual void accept(const Finding& finding) = 0;
  virtual void finish(const ScanStats& /*stats*/) {}
};

[[nodiscard]] std::unique_ptr<Sink> make_sink(OutputFormat format, std::ostream& out,
                                              const engine::CompiledRules& rules, const SinkOptions& options);
[[nodiscard]] std::unique_ptr<Sink> make_text_sink(std::ostream& out, const engine::CompiledRules& rules,
                                                   const SinkOptions& options);
[[nodiscard]] std::unique_ptr<Sink> make_json_sink(std::ostream& out, const engine::CompiledRules& rules,
                                                   const SinkOptions& options, bool lines);

// The secret as a report writes it: masked under SinkOptions::redact (unless it was masked
// before), else as it is.
[[nodiscard]] std::string shown_secret(const Finding& finding, const SinkOptions& options);

// Findings in report order: severity (highest first), then rule id, then first location.
void sort_for_report(std::vector<Finding>& findings, const engine::CompiledRules& rules);

}  // namespace sluice::pipeline

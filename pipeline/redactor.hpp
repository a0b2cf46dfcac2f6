#pragma once
// --redact as a property of the output, not of one field: every text that leaves the process
// (report fields, paths, archive member names, commit summaries, messages on stderr) goes
// through mask(), which replaces any byte span that a rule matches, and any secret the scan
// found, with its redacted form. A secret in a file name or a commit message is masked like
// one in the content.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/literal_set.hpp"
#include "engine/stream_scanner.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

class Redactor {
 public:
  explicit Redactor(std::shared_ptr<const engine::CompiledRules> rules);

  // The secrets found by the scan: masked wherever they reappear, matched by a rule there or not.
  void add_found(const std::vector<Finding>& findings);

  // `text` with every span a rule matches and every found secret masked. Thread-safe.
  [[nodiscard]] std::string mask(std::string_view text) const;

  // Masks every free-text field of the findings' locations (path, chain, repository, commit
  // summary and author, image name) and of the issues (path, reason), in place.
  void apply(std::vector<Finding>& findings, std::vector<InputIssue>& issues) const;

 private:
  std::shared_ptr<const engine::CompiledRules> rules_;
  engine::LiteralSet found_;
  mutable std::mutex lock_;                             // guards context_
  mutable std::optional<engine::ScanContext> context_;  // none when the rules have no database
};

}  // namespace sluice::pipeline

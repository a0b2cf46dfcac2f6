#pragma once
// Suppression by fingerprint: a baseline (a JSON, JSON Lines or SARIF report of an earlier
// run) or the fingerprint lines of an ignore file. Keyed by content (rule id + secret, see
// fingerprint()), never by path or line, so an entry survives a rebase that moves the secret;
// and a redacted report works as well as a plain one (every format carries the fingerprint).

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/finding.hpp"

namespace sluice::pipeline {

// A baseline or ignore file that cannot be read; the message names the file.
class SuppressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes read from one baseline at most (`--max-baseline-size`): a FIFO that never ends must.
inline constexpr std::uint64_t kDefaultMaxBaselineBytes = std::uint64_t{4} << 30;

class Suppressions {
 public:
  struct Entry {
    std::string fingerprint;
    std::string origin;  // "report.json", ".sluiceignore:4"
    std::uint64_t hits = 0;
  };

  // Every fingerprint of a report written by `sluice scan -f json|jsonl|sarif` (any of them,
  // redacted or not; the format is recognised from the content). The report is read as a
  // stream, keeping only fingerprints; a regular file or a FIFO/pipe, at most `max_bytes`.
  // Throws SuppressionError (a directory, a device, too large, not a report).
  void add_report(const std::string& path, std::uint64_t max_bytes = kDefaultMaxBaselineBytes);
  // Parses report text; `origin` names it in entries and messages. Throws SuppressionError.
  void add_report_text(std::string_view text, const std::string& origin);
  void add_report_stream(std::streambuf& in, const std::string& origin);
  // One entry per (fingerprint, origin): a repeat is not added again.
  void add(std::string fingerprint, std::string origin);

  // Removes the findings whose fingerprint is suppressed; returns how many were removed.
  std::size_t apply(std::vector<Finding>& findings);

  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }

 private:
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::vector<std::size_t>> index_;  // fingerprint -> entries
};

// A finding fingerprint as written in reports: 32 lowercase hex digits.
[[nodiscard]] bool is_fingerprint(std::string_view text) noexcept;

}  // namespace sluice::pipeline

#include "pipeline/baseline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pipeline/sarif_sink.hpp"

namespace sluice::pipeline {
namespace {

using nlohmann::json;

std::string fingerprint_of(const json& item) {
  if (!item.is_object()) return {};
  if (auto it = item.find("fingerprint"); it != item.end() && it->is_string()) return it->get<std::string>();
  return {};
}

}  // namespace

bool is_fingerprint(std::string_view text) noexcept {
  return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void Suppressions::add(std::string fingerprint, std::string origin) {
  index_[fingerprint].push_back(entries_.size());
  entries_.push_back(Entry{std::move(fingerprint), std::move(origin), 0});
}

void Suppressions::add_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuppressionError(fmt::format("{}: cannot open baseline", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw SuppressionError(fmt::format("{}: cannot read baseline", path));
  add_report_text(text.str(), path);
}

void Suppressions::add_report_text(std::string_view text, const std::string& origin) {
  auto take = [&](const std::string& fingerprint, const std::string& where) {
    if (!is_fingerprint(fingerprint)) {
      throw SuppressionError(fmt::format("{}: {}: not a sluice fingerprint", origin, where));
    }
    add(fingerprint, origin);
  };
  const json document = json::parse(text, nullptr, false);
  if (!document.is_discarded() && document.is_object() && document.contains("runs")) {
    // SARIF: each result's partial fingerprint (one result per location: repeats are fine).
    std::size_t run_index = 0;
    for (const json& run : document["runs"]) {
      const json results = run.value("results", json::array());
      for (std::size_t i = 0; i < results.size(); ++i) {
        const json& result = results[i];
        std::string fingerprint;
        if (auto fp = result.find("partialFingerprints"); fp != result.end() && fp->is_object()) {
          fingerprint = fp->value(kSarifFingerprintKey, std::string());
        }
        if (fingerprint.empty()) fingerprint = fingerprint_of(result.value("properties", json::object()));
        take(fingerprint, fmt::format("runs[{}].results[{}]", run_index, i));
      }
      ++run_index;
    }
    return;
  }
  if (!document.is_discarded() && document.is_object() && document.contains("findings")) {
    const json& findings = document["findings"];
    for (std::size_t i = 0; i < findings.size(); ++i) take(fingerprint_of(findings[i]), fmt::format("findings[{}]", i));
    return;
  }
  if (!document.is_discarded() && document.is_object() && document.contains("fingerprint")) {
    take(fingerprint_of(document), "line 1");  // JSON Lines with one finding
    return;
  }
  // JSON Lines: one finding per line, then the summary record (an empty file is an empty report).
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const json item = json::parse(line, nullptr, false);
    if (item.is_discarded() || !item.is_object()) {
      throw SuppressionError(fmt::format(
          "{}:{}: not a sluice report (expected the output of -f json, -f jsonl or -f sarif)", origin, line_number));
    }
    if (item.size() == 1 && item.contains("summary")) continue;  // the report's closing summary record
    take(fingerprint_of(item), fmt::format("line {}", line_number));
  }
}

std::size_t Suppressions::apply(std::vector<Finding>& findings) {
  if (index_.empty()) return 0;
  const std::size_t before = findings.size();
  std::erase_if(findings, [&](const Finding& finding) {
    auto it = index_.find(finding.fingerprint);
    if (it == index_.end()) return false;
    for (std::size_t entry : it->second) ++entries_[entry].hits;
    return true;
  });
  return before - findings.size();
}

}  // namespace sluice::pipeline

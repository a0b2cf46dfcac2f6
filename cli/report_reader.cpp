#include "cli/report_reader.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "pipeline/finding.hpp"

namespace sluice::cli {

using json = nlohmann::json;

std::vector<json*> ReadReport::findings() {
  std::vector<json*> out;
  if (lines) {
    for (json& record : records) {
      if (record.contains("rule_id") && record.contains("locations")) out.push_back(&record);
    }
  } else if (document.contains("findings") && document["findings"].is_array()) {
    for (json& item : document["findings"]) {
      if (item.is_object()) out.push_back(&item);
    }
  }
  return out;
}

json* ReadReport::summary() {
  if (!lines) return document.contains("summary") && document["summary"].is_object() ? &document["summary"] : nullptr;
  for (json& record : records) {
    if (record.size() == 1 && record.contains("summary") && record["summary"].is_object()) return &record["summary"];
  }
  return nullptr;
}

namespace {

constexpr std::uint64_t kMaxReportBytes = std::uint64_t{4} << 30;
constexpr int kMaxDepth = 64;  // a report of sluice nests 6 deep; a deeper one is not one

struct TooDeep {};

// `text` parsed (discarded when it is not JSON or nests deeper than kMaxDepth: destroying or
// writing a deeper value would recurse that deep).
json parse_shallow(std::string_view text) {
  try {
    return json::parse(
        text,
        [](int depth, json::parse_event_t, json&) {
          if (depth > kMaxDepth) throw TooDeep{};
          return true;
        },
        false);
  } catch (const TooDeep&) {
    return json(json::value_t::discarded);
  }
}

// A SARIF log of sluice as the JSON report's document: its results grouped back into findings
// by (rule, fingerprint), each result a location; the summary from the run's properties.
json findings_of_sarif(const json& log) {
  json findings = json::array();
  json summary = json::object();
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (const json& run : log.value("runs", json::array())) {
    if (!run.is_object()) continue;
    const json properties = run.value("properties", json::object());
    if (properties.is_object() && properties.contains("summary")) summary = properties["summary"];
    for (const json& result : run.value("results", json::array())) {
      if (!result.is_object() || !result.contains("properties") || !result["properties"].is_object()) continue;
      const json& p = result["properties"];
      const std::string rule = result.value("ruleId", std::string());
      const std::string fingerprint = p.value("fingerprint", std::string());
      if (rule.empty() || !p.contains("path")) throw std::runtime_error("a result is not as sluice writes it");
      json location = {{"path", p["path"]},
                       {"archive_chain", p.value("archive_chain", json::array({p["path"]}))},
                       {"offset", p.value("offset", 0)},
                       {"line", p.value("line", 0)},
                       {"column", p.value("column", 0)}};
      for (const char* key :
           {"repository", "commit", "author", "date", "summary", "blob", "image", "decoders", "key"}) {
        if (p.contains(key)) location[key] = p[key];
      }
      const auto [it, added] = index.try_emplace({rule, fingerprint}, findings.size());
      if (added) {
        json finding = {{"rule_id", rule},
                        {"fingerprint", fingerprint},
                        {"secret", p.value("secret", std::string())},
                        {"redacted", p.value("redacted", false)},
                        {"confidence", p.value("confidence", std::string("high"))},
                        {"locations", json::array()}};
        for (const char* key : {"confidence_reason", "validation"}) {
          if (p.contains(key)) finding[key] = p[key];
        }
        findings.push_back(std::move(finding));
      }
      json& finding = findings[it->second];
      finding["locations"].push_back(std::move(location));
      finding["occurrences"] = finding["locations"].size();
    }
  }
  return {{"findings", std::move(findings)}, {"summary", std::move(summary)}};
}

}  // namespace

ReadReport read_report(const std::string& file, bool sarif) {
  const std::string name = pipeline::printable(file);
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot be read ({})", name, std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) throw std::runtime_error(fmt::format("{}: not a regular file, not a report", name));
  if (static_cast<std::uint64_t>(info.st_size) > kMaxReportBytes) {
    throw std::runtime_error(fmt::format("{}: larger than {} bytes, not read", name, kMaxReportBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot be read ({})", name, std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  ReadReport report;
  report.document = parse_shallow(text);
  if (!report.document.is_discarded()) {
    if (report.document.is_object() && report.document.contains("findings") && report.document["findings"].is_array())
      return report;
    if (report.document.is_object() && report.document.contains("runs")) {
      if (!sarif) {
        throw std::runtime_error(
            fmt::format("{}: a SARIF report; this reads JSON and JSON Lines reports of sluice", name));
      }
      try {
        report.document = findings_of_sarif(report.document);
      } catch (const std::exception& error) {
        throw std::runtime_error(fmt::format("{}: {}", name, error.what()));
      }
      return report;
    }
    if (!report.document.is_array() && !report.document.is_object()) {
      throw std::runtime_error(fmt::format("{}: not a JSON or JSON Lines report of sluice", name));
    }
    if (report.document.is_object() && !report.document.contains("rule_id") && !report.document.contains("summary") &&
        !report.document.contains("shard")) {
      throw std::runtime_error(fmt::format("{}: not a report of sluice (no findings array, no summary)", name));
    }
  }
  report.document = json();
  report.lines = true;
  std::istringstream lines(text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    if (line.empty()) continue;
    json record = parse_shallow(line);
    if (!record.is_object()) {
      throw std::runtime_error(
          fmt::format("{}:{}: not a JSON object: not a JSON or JSON Lines report of sluice", name, number));
    }
    report.records.push_back(std::move(record));
  }
  if (report.records.empty()) throw std::runtime_error(fmt::format("{}: empty, not a report of sluice", name));
  bool summarized = false;
  for (const json& record : report.records) {
    const bool finding = record.contains("rule_id") && record.contains("locations");
    const bool summary = record.size() == 1 && record.contains("summary");
    if (!finding && !summary && !record.contains("shard")) {
      throw std::runtime_error(fmt::format("{}: a record is neither a finding nor a summary of sluice", name));
    }
    summarized = summarized || summary;
  }
  if (!summarized) {
    throw std::runtime_error(fmt::format("{}: cut short (no summary record): the report is not whole", name));
  }
  return report;
}

}  // namespace sluice::cli

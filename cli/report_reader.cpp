#include "cli/report_reader.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
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

ReadReport read_report(const std::string& file) {
  const std::string name = pipeline::printable(file);
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    throw std::runtime_error(fmt::format("{}: cannot be read ({})", name, std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) throw std::runtime_error(fmt::format("{}: not a regular file, not a report", name));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot be read ({})", name, std::strerror(errno)));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  ReadReport report;
  report.document = json::parse(text, nullptr, false);
  if (!report.document.is_discarded()) {
    if (report.document.is_object() && report.document.contains("findings") && report.document["findings"].is_array())
      return report;
    if (report.document.is_object() && report.document.contains("runs")) {
      throw std::runtime_error(
          fmt::format("{}: a SARIF report; this reads JSON and JSON Lines reports of sluice", name));
    }
  }
  report.document = json();
  report.lines = true;
  std::istringstream lines(text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    if (line.empty()) continue;
    json record = json::parse(line, nullptr, false);
    if (!record.is_object()) {
      throw std::runtime_error(
          fmt::format("{}:{}: not a JSON object: not a JSON or JSON Lines report of sluice", name, number));
    }
    report.records.push_back(std::move(record));
  }
  if (report.records.empty()) throw std::runtime_error(fmt::format("{}: empty, not a report of sluice", name));
  return report;
}

}  // namespace sluice::cli

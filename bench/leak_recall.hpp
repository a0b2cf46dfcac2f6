#pragma once
// Scores a sluice JSONL report of corpora/leaks/ against corpora/leaks.expected.jsonl: per leak
// shape, how many planted secrets were found at their location and how many with the expected
// rule, and which findings are false positives. Header-only (nlohmann-json and the standard
// library) so that bench/leak_recall.cpp (sluice-recall) and tests/e2e/leak_corpus_test.cpp share
// one definition of "found".

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::leaks {

// Files under this folder of the corpus must give no finding.
inline constexpr std::string_view kNearMissDir = "near-miss/";

// One planted secret (a line of the expected file).
struct Expected {
  std::string path;  // relative to the corpus root, '/'-separated
  std::uint64_t line = 0;
  std::uint64_t column = 0;  // 1-based, in bytes
  std::string secret;
  std::string shape;
  std::string kind;
  std::string rule_id;
  bool rule_exists = true;
  std::uint64_t offset = 0;  // byte offset of the secret in its file, from line and column
  // A secret only decoding finds: the decoders from the encoded text, outermost first, joined
  // with ' ', and the first bytes of the encoded span at `offset` (the secret is not there).
  std::string decoders;
  std::string encoded_prefix;
};

// One location of one finding of the report.
struct Reported {
  std::string path;
  std::string rule_id;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // of the reported secret
  std::uint64_t line = 0;
  std::string decoders;  // joined with ' '; empty for a secret found as it stands
};

// A JSON array of strings, joined with ' '.
[[nodiscard]] inline std::string joined(const nlohmann::json& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ' ';
    out += item.get<std::string>();
  }
  return out;
}

struct ShapeScore {
  std::size_t expected = 0;
  std::size_t located = 0;     // some finding overlaps the secret's bytes
  std::size_t right_rule = 0;  // ... and one of those has the expected rule id
};

struct Score {
  std::map<std::string, ShapeScore> by_shape;
  ShapeScore total;
  std::vector<const Expected*> missed;        // not located
  std::vector<Reported> near_miss_findings;   // any finding in near-miss/
  std::vector<Reported> unexpected_findings;  // elsewhere, overlapping no expected secret
};

// 1-based line and byte column -> byte offset; nullopt when the file has no such position.
[[nodiscard]] inline std::optional<std::uint64_t> offset_of(std::string_view bytes, std::uint64_t line,
                                                            std::uint64_t column) {
  if (line == 0 || column == 0) return std::nullopt;
  std::uint64_t start = 0;
  for (std::uint64_t l = 1; l < line; ++l) {
    auto nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) return std::nullopt;
    start = nl + 1;
  }
  if (start + column - 1 > bytes.size()) return std::nullopt;
  return start + column - 1;
}

[[nodiscard]] inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

// Reads the expected file; each entry's offset is resolved against its file under `corpus`.
// Throws std::runtime_error naming the line for a malformed entry or a missing file.
[[nodiscard]] inline std::vector<Expected> load_expected(const std::filesystem::path& expected_file,
                                                         const std::filesystem::path& corpus) {
  std::ifstream in(expected_file);
  if (!in) throw std::runtime_error(expected_file.string() + ": cannot be read");
  std::vector<Expected> out;
  std::map<std::string, std::string> files;
  std::string text;
  for (std::size_t number = 1; std::getline(in, text); ++number) {
    if (text.empty()) continue;
    const std::string where = expected_file.string() + ":" + std::to_string(number);
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("path") || !j.contains("line") || !j.contains("secret") || !j.contains("shape") ||
        !j.contains("rule_id")) {
      throw std::runtime_error(where + ": not an expected-finding object");
    }
    Expected e;
    e.path = j["path"].get<std::string>();
    e.line = j["line"].get<std::uint64_t>();
    e.column = j.value("column", std::uint64_t{1});
    e.secret = j["secret"].get<std::string>();
    e.shape = j["shape"].get<std::string>();
    e.kind = j.value("kind", std::string{});
    e.rule_id = j["rule_id"].get<std::string>();
    e.rule_exists = j.value("rule_exists", true);
    if (j.contains("decoders")) {
      e.decoders = joined(j["decoders"]);
      e.encoded_prefix = j.value("encoded_prefix", std::string{});
      if (e.decoders.empty() || e.encoded_prefix.empty()) {
        throw std::runtime_error(where + ": a decoded secret needs its decoders and encoded_prefix");
      }
    }
    auto [it, inserted] = files.try_emplace(e.path);
    if (inserted) it->second = slurp(corpus / e.path);
    auto offset = offset_of(it->second, e.line, e.column);
    if (!offset) throw std::runtime_error(where + ": " + e.path + " has no line " + std::to_string(e.line));
    e.offset = *offset;
    out.push_back(std::move(e));
  }
  return out;
}

// Every location of every finding of a JSONL report. Throws on a line that is neither a finding
// nor the closing summary record, and on a report without that record (it was cut short).
[[nodiscard]] inline std::vector<Reported> parse_report(std::string_view jsonl) {
  std::vector<Reported> out;
  bool summary = false;
  std::size_t start = 0;
  while (start < jsonl.size()) {
    auto end = jsonl.find('\n', start);
    if (end == std::string_view::npos) end = jsonl.size();
    std::string_view text = jsonl.substr(start, end - start);
    start = end + 1;
    if (text.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object() && j.size() == 1 && j.contains("summary")) {
      summary = true;
      continue;
    }
    if (!j.is_object() || !j.contains("locations") || !j.contains("rule_id") || !j.contains("secret")) {
      throw std::runtime_error("the report has a line that is not a finding");
    }
    for (const auto& loc : j["locations"]) {
      Reported r;
      r.path = loc["path"].get<std::string>();
      // The scan runs in the corpus folder on ".", so paths are relative to it; a "./" prefix
      // is dropped in case a build prints one.
      if (r.path.rfind("./", 0) == 0) r.path.erase(0, 2);
      r.rule_id = j["rule_id"].get<std::string>();
      r.offset = loc["offset"].get<std::uint64_t>();
      r.length = j["secret"].get<std::string>().size();
      r.line = loc.value("line", std::uint64_t{0});
      if (loc.contains("decoders")) r.decoders = joined(loc["decoders"]);
      out.push_back(std::move(r));
    }
  }
  if (!summary) throw std::runtime_error("the report has no closing summary record: it was cut short");
  return out;
}

[[nodiscard]] inline bool overlaps(const Expected& e, const Reported& r) {
  const std::uint64_t e_end = e.offset + std::max<std::uint64_t>(e.secret.size(), 1);
  const std::uint64_t r_end = r.offset + std::max<std::uint64_t>(r.length, 1);
  return e.path == r.path && r.offset < e_end && e.offset < r_end;
}

// A planted secret counts as located when a finding's secret overlaps its bytes (so a rule that
// reports a whole PEM block, or `user:password` where the password was planted, still counts),
// and as found with the right rule when one such finding has the expected rule id.
[[nodiscard]] inline Score score(const std::vector<Expected>& expected, const std::vector<Reported>& reported) {
  Score s;
  std::map<std::string, std::vector<const Reported*>> by_path;
  for (const auto& r : reported) by_path[r.path].push_back(&r);
  std::set<const Reported*> explained;
  for (const auto& e : expected) {
    ShapeScore& shape = s.by_shape[e.shape];
    ++shape.expected;
    ++s.total.expected;
    bool located = false, right_rule = false;
    if (auto it = by_path.find(e.path); it != by_path.end()) {
      for (const Reported* r : it->second) {
        if (!overlaps(e, *r)) continue;
        located = true;
        explained.insert(r);
        if (r->rule_id == e.rule_id) right_rule = true;
      }
    }
    shape.located += located;
    s.total.located += located;
    shape.right_rule += right_rule;
    s.total.right_rule += right_rule;
    if (!located) s.missed.push_back(&e);
  }
  for (const auto& r : reported) {
    if (r.path.rfind(kNearMissDir, 0) == 0) {
      s.near_miss_findings.push_back(r);
    } else if (!explained.count(&r)) {
      s.unexpected_findings.push_back(r);
    }
  }
  return s;
}

// Percentage with one decimal, "-" for an empty denominator.
[[nodiscard]] inline std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "-";
  const auto tenths = (part * 1000 + whole / 2) / whole;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

}  // namespace sluice::leaks

// `sluice merge REPORT…`: joins the JSON Lines reports of `sluice scan --shard I/N` into the
// report one `sluice scan` of the same inputs prints, in any format. It refuses reports of
// different scans (catalog, version, inputs, settings, partition) and says which shard is
// missing or given twice.
#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/report_output.hpp"
#include "engine/builtin_database.hpp"
#include "engine/compiled_rules.hpp"
#include "io/http_client.hpp"
#include "pipeline/json_summary.hpp"
#include "pipeline/redactor.hpp"
#include "pipeline/sarif_sink.hpp"
#include "pipeline/scanner.hpp"
#include "pipeline/sink.hpp"
#include "pipeline/state_store.hpp"
#include "pipeline/test_paths.hpp"

namespace sluice::cli {
namespace {

using nlohmann::json;

struct MergeFlags {
  std::vector<std::string> reports;  // and state files, told apart by their first bytes
  std::string state;                 // where state files merge to
  std::string format = "text";
  std::string output;
  bool quiet = false;
  bool redact = false;
  RuleSources rules;
};

// A report that cannot be merged: the message names the file.
class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One shard's report, read.
struct ShardReport {
  std::string file;
  json header;  // the "shard" object of the first line
  std::vector<json> findings;
  json summary;
};

ShardReport read_report(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw MergeError(fmt::format("{}: cannot be read ({})", pipeline::printable(file), std::strerror(errno)));
  ShardReport report;
  report.file = file;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    json record = json::parse(line, nullptr, false);
    const std::string where = fmt::format("{}:{}", pipeline::printable(file), number);
    if (!record.is_object()) throw MergeError(where + ": not a JSON object");
    if (!report.summary.is_null()) throw MergeError(where + ": a record after the summary");
    if (number == 1) {
      if (!record.contains("shard") || !record["shard"].is_object()) {
        throw MergeError(where +
                         ": not a shard report (its first line is no shard header; sluice scan --shard I/N makes one)");
      }
      report.header = std::move(record["shard"]);
    } else if (record.size() == 1 && record.contains("summary")) {
      report.summary = std::move(record["summary"]);
    } else if (record.contains("rule_id") && record.contains("locations")) {
      report.findings.push_back(std::move(record));
    } else {
      throw MergeError(where + ": neither a finding nor the summary");
    }
  }
  if (in.bad()) throw MergeError(fmt::format("{}: reading failed", pipeline::printable(file)));
  if (report.header.is_null())
    throw MergeError(fmt::format("{}: empty, not a shard report", pipeline::printable(file)));
  if (!report.summary.is_object()) {
    throw MergeError(
        fmt::format("{}: cut short (no summary record): its shard did not finish", pipeline::printable(file)));
  }
  return report;
}

// Every report is of the same scan, and each shard of it is there once.
void check_shards(const std::vector<ShardReport>& reports) {
  const json& first = reports.front().header;
  if (!first.contains("count") || !first["count"].is_number_unsigned()) {
    throw MergeError(fmt::format("{}: its shard header has no count", pipeline::printable(reports.front().file)));
  }
  const unsigned count = first["count"].get<unsigned>();
  std::map<unsigned, std::string> seen;
  for (const ShardReport& report : reports) {
    for (const char* field : {"count", "inputs", "units", "plan", "catalog", "version", "settings"}) {
      if (report.header.value(field, json()) != first.value(field, json())) {
        throw MergeError(fmt::format("{} and {}: shards of different scans (their {} differ)",
                                     pipeline::printable(reports.front().file), pipeline::printable(report.file),
                                     field));
      }
    }
    const json index = report.header.value("index", json());
    if (!index.is_number_unsigned() || index.get<unsigned>() >= count) {
      throw MergeError(fmt::format("{}: its shard index is not below {}", pipeline::printable(report.file), count));
    }
    auto [it, added] = seen.try_emplace(index.get<unsigned>(), report.file);
    if (!added) {
      throw MergeError(fmt::format("shard {} of {} given twice: {} and {}", it->first, count,
                                   pipeline::printable(it->second), pipeline::printable(report.file)));
    }
  }
  std::vector<unsigned> missing;
  for (unsigned k = 0; k < count && missing.size() < 20; ++k) {
    if (seen.count(k) == 0) missing.push_back(k);
  }
  if (!missing.empty()) {
    throw MergeError(fmt::format("shard{} {} of {} missing ({} of {} given)", missing.size() == 1 ? "" : "s",
                                 fmt::join(missing, ", "), count, reports.size(), count));
  }
}

std::string text_or_empty(const json& value) { return value.is_string() ? value.get<std::string>() : std::string(); }

// The rules the reports name, from the catalog merge was given (every rule, on by default or
// not: the shards' selection is theirs), compiled alone: the sinks read their cards.
std::shared_ptr<const engine::CompiledRules> rules_named(const std::vector<ShardReport>& reports,
                                                         const RuleSources& sources) {
  std::set<std::string> ids;
  for (const ShardReport& report : reports) {
    for (const json& finding : report.findings) ids.insert(finding.at("rule_id").get<std::string>());
  }
  engine::RuleSet all = load_rules(sources);
  engine::RuleSet named;
  for (engine::Rule& rule : all.rules) {
    if (ids.erase(rule.id) == 0) continue;
    rule.overrides.clear();  // they name rules the merge does not load
    named.rules.push_back(std::move(rule));
  }
  if (!ids.empty()) {
    throw MergeError(
        fmt::format("rule {} of the reports is not in this catalog: give sluice merge the --rules "
                    "files the scan had",
                    pipeline::printable(*ids.begin())));
  }
  return engine::CompiledRules::compile(std::move(named));
}

// What the ranges of a cut file before range k hold: the newlines, and the last newline before
// range k's first buffer. By path, by range.
struct RangeStart {
  std::uint64_t newlines = 0;
  std::optional<std::uint64_t> last_newline;
};
using SplitStarts = std::map<std::string, std::vector<RangeStart>>;

// The byte ranges of the files the shards cut, each given once by one shard, in order. A range
// no shard scanned (its shard could not read the file: it changed size since the plan, or
// vanished; that shard's report says so) makes the file incomplete, an issue of its own; the
// lines after it are counted without its newlines.
SplitStarts split_starts(const std::vector<ShardReport>& reports, pipeline::ScanReport& merged) {
  std::map<std::string, std::vector<std::optional<json>>> ranges;  // by path: each range's facts
  for (const ShardReport& report : reports) {
    for (const json& range : report.summary.value("splits", json::array())) {
      const std::string path = range.contains("path_percent_encoded")
                                   ? io::url_unescaped(range["path_percent_encoded"].get<std::string>())
                                   : range.at("path").get<std::string>();
      const auto index = range.at("range").get<std::uint32_t>();
      const auto count = range.at("ranges").get<std::uint32_t>();
      std::vector<std::optional<json>>& of_file = ranges[path];
      if (of_file.empty()) of_file.resize(count);
      if (of_file.size() != count || index >= count) {
        throw MergeError(fmt::format("{}: the shards cut {} in different ranges", pipeline::printable(report.file),
                                     pipeline::printable(path)));
      }
      if (of_file[index]) {
        throw MergeError(fmt::format("{}: range {} of {} given twice", pipeline::printable(report.file), index,
                                     pipeline::printable(path)));
      }
      of_file[index] = range;
    }
  }
  SplitStarts starts;
  for (const auto& [path, of_file] : ranges) {
    std::vector<RangeStart>& out = starts[path];
    RangeStart start;
    for (std::size_t k = 0; k < of_file.size(); ++k) {
      out.push_back(start);
      if (!of_file[k]) {
        ++merged.stats.errors;
        merged.issues.push_back(pipeline::InputIssue{
            path, fmt::format("range {} of {} of this file was scanned by no shard (see the issue of the shard that "
                              "had it); lines after it are counted without it",
                              k, of_file.size())});
        continue;
      }
      start.newlines += of_file[k]->at("newlines").get<std::uint64_t>();
      const json& last = of_file[k]->at("last_newline");
      if (!last.is_null()) start.last_newline = last.get<std::uint64_t>();
    }
  }
  return starts;
}

// A location found in a range of a cut file, placed as a single scan places it: its line after
// the newlines of the ranges before, its column from the last newline before it when its range
// had none.
void place_in_file(pipeline::Location& location, const SplitStarts& starts) {
  if (!location.split) return;
  const std::string& file = location.chain.empty() ? location.path : location.chain.front();
  const auto found = starts.find(file);
  if (found == starts.end() || location.split->range >= found->second.size()) {
    throw MergeError(fmt::format("a finding in range {} of {}, a range no shard reported", location.split->range,
                                 pipeline::printable(file)));
  }
  const RangeStart& start = found->second[location.split->range];
  location.line += start.newlines;
  if (!location.split->column_known && start.last_newline && location.offset > *start.last_newline) {
    location.column = location.offset - *start.last_newline;
  }
  location.split.reset();
}

std::vector<pipeline::Finding> merged_findings(const std::vector<ShardReport>& reports,
                                               const engine::CompiledRules& rules, const SplitStarts& starts) {
  std::map<std::string, std::size_t> index_of_rule;
  for (std::size_t k = 0; k < rules.rules().size(); ++k) index_of_rule[rules.rules()[k].id] = k;
  std::map<std::pair<std::size_t, std::string>, pipeline::Finding> by_key;  // (rule, fingerprint)
  for (const ShardReport& report : reports) {
    for (const json& item : report.findings) {
      const std::size_t rule = index_of_rule.at(item.at("rule_id").get<std::string>());
      const std::string fingerprint = item.at("fingerprint").get<std::string>();
      const auto confidence =
          engine::parse_confidence(item.at("confidence").get<std::string>()).value_or(engine::Confidence::kLow);
      auto [it, added] = by_key.try_emplace({rule, fingerprint});
      pipeline::Finding& finding = it->second;
      // A secret seen in several places takes the highest confidence any of them gave.
      if (added || confidence > finding.confidence) {
        finding.rule = static_cast<std::uint32_t>(rule);
        finding.secret = item.at("secret").get<std::string>();
        finding.fingerprint = fingerprint;
        finding.confidence = confidence;
        finding.confidence_reason = pipeline::interned_reason(text_or_empty(item.value("confidence_reason", json())));
        finding.masked_size = item.value("secret_bytes", std::uint64_t{0});
      }
      for (const json& at : item.at("locations")) {
        finding.locations.push_back(pipeline::location_from_json(at));
        place_in_file(finding.locations.back(), starts);
      }
    }
  }
  std::vector<pipeline::Finding> out;
  out.reserve(by_key.size());
  for (auto& [key, finding] : by_key) {
    std::sort(finding.locations.begin(), finding.locations.end());
    finding.locations.erase(std::unique(finding.locations.begin(), finding.locations.end()), finding.locations.end());
    out.push_back(std::move(finding));
  }
  return out;
}

// A content that several shards scanned as a top-level input (a file in two repositories'
// work trees, which go to different shards) is counted as one scan and duplicates, as a single
// scan counts it: each shard after the first (by index) gives its share back (its bytes, the
// archives and members in it, what decoding did) and counts a duplicate. It stays a file read.
void take_off_repeated_shares(const std::vector<ShardReport>& reports, pipeline::ScanStats& stats) {
  std::vector<const ShardReport*> by_index(reports.size());
  for (const ShardReport& report : reports) by_index[report.header["index"].get<std::size_t>()] = &report;
  std::set<std::string> seen;
  for (const ShardReport* report : by_index) {
    std::set<std::string> mine;
    for (const json& share : report->summary.value("shares", json::array())) {
      const std::string id = share.at(0).get<std::string>();
      if (!mine.insert(id).second) continue;
      if (seen.count(id) == 0) continue;
      const auto n = [&](std::size_t k) { return share.at(k).get<std::uint64_t>(); };
      stats.bytes -= n(2);
      stats.archives -= n(3);
      stats.members -= n(4);
      stats.images -= n(5);
      stats.duplicates -= n(6);
      stats.decoded -= engine::DecodeStats{n(7), n(8), n(9), n(10)};
      ++stats.duplicates;
    }
    seen.insert(mine.begin(), mine.end());
  }
}

// The shards' summaries added up; the issues of all, and the suppressed findings counted once.
pipeline::ScanReport merged_summary(const std::vector<ShardReport>& reports, std::size_t& suppressed) {
  pipeline::ScanReport out;
  pipeline::ScanStats& stats = out.stats;
  std::set<std::string> suppressed_fingerprints;
  for (const ShardReport& report : reports) {
    const json& s = report.summary;
    const auto count = [&](const char* field) { return s.value(field, std::uint64_t{0}); };
    stats.files += count("files");
    stats.bytes += count("bytes");
    stats.archives += count("archives");
    stats.members += count("members");
    stats.images += count("images");
    stats.repositories += count("repositories");
    stats.blobs += count("blobs");
    stats.duplicates += count("duplicates");
    stats.skipped += count("skipped");
    stats.errors += count("errors");
    stats.from_state += count("from_state");
    stats.interrupted = stats.interrupted || s.value("interrupted", false);
    stats.seconds = std::max(stats.seconds, s.value("seconds", 0.0));
    if (s.contains("decoded")) {
      const json& d = s["decoded"];
      stats.decoded.spans += d.value("spans", std::uint64_t{0});
      stats.decoded.bytes += d.value("bytes", std::uint64_t{0});
      stats.decoded.capped_spans += d.value("capped_spans", std::uint64_t{0});
      stats.decoded.capped_bytes += d.value("capped_bytes", std::uint64_t{0});
    }
    for (const json& issue : s.value("issues", json::array())) {
      const bool error = issue.value("error", false);
      out.issues.push_back(pipeline::InputIssue{text_or_empty(issue.value("path", json())),
                                                text_or_empty(issue.value("reason", json())),
                                                error ? io::Error::Kind::kIncomplete : io::Error::Kind::kSkipped});
    }
    for (const json& fingerprint : s.value("suppressed_fingerprints", json::array())) {
      suppressed_fingerprints.insert(fingerprint.get<std::string>());
    }
  }
  suppressed = suppressed_fingerprints.size();
  take_off_repeated_shares(reports, stats);
  return out;
}

// The state files among the inputs (SQLite databases) merge into --state; the rest are reports.
// -1 when that went well, or the exit code.
int merge_states(MergeFlags& flags) {
  std::vector<std::string> states;
  std::erase_if(flags.reports, [&](const std::string& file) {
    if (!pipeline::StateStore::looks_like_state(file)) return false;
    states.push_back(file);
    return true;
  });
  if (states.empty() && flags.state.empty()) return -1;
  if (flags.state.empty()) {
    say("sluice: error: {} is a state file (sluice scan --state): give --state FILE to merge state files into\n",
        pipeline::printable(states.front()));
    return kFatal;
  }
  if (states.empty()) {
    say("sluice: error: --state {}: no state files to merge were given\n", pipeline::printable(flags.state));
    return kFatal;
  }
  try {
    pipeline::StateStore::merge(flags.state, states);
  } catch (const pipeline::StateError& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  }
  if (!flags.quiet) {
    say("sluice: merged {} state file{} into {}\n", states.size(), states.size() == 1 ? "" : "s",
        pipeline::printable(flags.state));
  }
  return flags.reports.empty() ? kClean : -1;
}

int run_merge(MergeFlags& flags) {
  if (const int merged = merge_states(flags); merged != -1) return merged;
  std::vector<ShardReport> reports;
  std::shared_ptr<const engine::CompiledRules> rules;
  pipeline::ScanReport report;
  std::size_t suppressed = 0;
  json settings;
  std::vector<std::string> roots;
  try {
    for (const std::string& file : flags.reports) reports.push_back(read_report(file));
    check_shards(reports);
    settings = reports.front().header.value("settings", json::object());
    roots = reports.front().header.value("inputs", std::vector<std::string>{});
    rules = rules_named(reports, flags.rules);
    report = merged_summary(reports, suppressed);
    report.findings = merged_findings(reports, *rules, split_starts(reports, report));
  } catch (const MergeError& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  } catch (const json::exception& error) {
    say("sluice: error: a report holds a record sluice merge cannot read ({})\n", error.what());
    return kFatal;
  }
  // What the single scan decides once it has every location: findings only in tests or docs.
  const auto min_confidence = engine::parse_confidence(settings.value("min_confidence", std::string("medium")))
                                  .value_or(engine::Confidence::kMedium);
  report.stats.hidden_in_tests_or_docs =
      pipeline::demote_test_and_docs_findings(report.findings, roots, min_confidence);
  pipeline::sort_for_report(report.findings, *rules);

  // Shards written with --redact merge into a redacted report; --redact here masks reports
  // that were not, as the scan would have (every span a rule of the catalog matches, and every
  // secret found, wherever it reappears).
  const bool redacted = settings.value("redact", false);
  if (flags.redact && !redacted) {
    pipeline::Redactor redactor(
        engine::CompiledRules::compile(select_rules(load_rules(flags.rules), flags.rules), engine::builtin_database()));
    redactor.add_found(report.findings);
    redactor.apply(report.findings, report.issues);
  }
  const bool masked = redacted || flags.redact;
  auto opened = ReportOutput::open(flags.output, !masked, flags.reports);
  if (auto* error = std::get_if<std::string>(&opened)) {
    say("sluice: error: {}\n", pipeline::printable(*error));
    return kFatal;
  }
  ReportOutput& output = *std::get<std::unique_ptr<ReportOutput>>(opened);
  pipeline::SinkOptions sink_options;
  sink_options.redact = masked;
  sink_options.secrets_masked = redacted;
  sink_options.issues = &report.issues;
  sink_options.suppressed = suppressed;
  std::unique_ptr<pipeline::Sink> sink;
  if (flags.format == "sarif") {
    sink =
        pipeline::make_sarif_sink(output.stream(), *rules, sink_options, pipeline::SarifOptions{roots, &report.issues});
  } else {
    const pipeline::OutputFormat format = flags.format == "json"    ? pipeline::OutputFormat::kJson
                                          : flags.format == "jsonl" ? pipeline::OutputFormat::kJsonl
                                                                    : pipeline::OutputFormat::kText;
    sink = pipeline::make_sink(format, output.stream(), *rules, sink_options);
  }
  errno = 0;
  sink->begin();
  for (const pipeline::Finding& finding : report.findings) sink->accept(finding);
  sink->finish(report.stats);
  bool removed = false;
  if (const int error = output.commit(removed); error != 0) {
    say("sluice: error: writing the report to {} failed ({}); {}\n", pipeline::printable(output.name()),
        std::strerror(error), removed ? "the incomplete report was removed" : "the report is incomplete");
    return kFatal;
  }
  if (!flags.quiet) {
    say("sluice: merged {} shard report{}: {} finding{}{}\n", reports.size(), reports.size() == 1 ? "" : "s",
        report.findings.size(), report.findings.size() == 1 ? "" : "s",
        report.incomplete() ? " — SCAN INCOMPLETE (a shard could not scan every input)" : "");
  }
  if (report.incomplete()) return kIncomplete;
  return report.findings.empty() ? kClean : kFindings;
}

}  // namespace

void register_merge(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* merge = app.add_subcommand(
      "merge", "Join the reports of a sharded scan into the report one scan of the same inputs prints");
  merge
      ->add_option("reports", flags->reports,
                   "The shards' JSON Lines reports, one for each I of N, and state files (--state) to merge")
      ->required()
      ->type_name("REPORT|STATE");
  merge->add_option("-f,--format", flags->format, "Report format")
      ->check(CLI::IsMember({"text", "json", "jsonl", "sarif"}))
      ->capture_default_str();
  merge->add_option("-o,--output", flags->output, "Write the report to FILE instead of standard output")
      ->type_name("FILE");
  merge->add_flag("-q,--quiet", flags->quiet, "Print only errors on standard error");
  merge
      ->add_option("--state", flags->state,
                   "Merge the state files given (the shards' sluice scan --state) into FILE, created if missing: a "
                   "later scan with --state FILE reuses what any of them scanned")
      ->type_name("FILE");
  merge->add_flag("--redact", flags->redact, "Mask secrets in the merged report (reports written with --redact are)");
  add_rule_source_options(*merge, flags->rules);
  merge->footer(
      "Exit codes: 0 nothing found; 1 findings; 2 the reports cannot be merged (one is missing, cut short, given "
      "twice, or of another scan); 3 a shard could not scan every input.");
  merge->callback([flags, &exit_code] { exit_code = run_merge(*flags); });
}

}  // namespace sluice::cli

// `sluice report REPORT… -f html -o report.html`: the triage page of one or more earlier JSON,
// JSON Lines or SARIF reports, without scanning again. Findings of the same rule and secret in several
// reports become one, with every location; the summaries are added up.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/report_output.hpp"
#include "cli/report_reader.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/html_report.hpp"
#include "sluice/version.hpp"

namespace sluice::cli {
namespace {

using json = nlohmann::json;

struct ReportFlags {
  std::vector<std::string> reports;
  std::string format = "html";
  std::string output;
  bool show_secrets = false;
  bool quiet = false;
  RuleSources rules;
};

// The summaries of several reports as one: counters added, issues joined, complete only if
// every report was.
void add_summary(json& total, const json& summary) {
  for (const auto& [key, value] : summary.items()) {
    if (key == "issues" && value.is_array()) {
      for (const json& issue : value) total["issues"].push_back(issue);
    } else if (key == "complete" && value.is_boolean()) {
      total["complete"] = total.value("complete", true) && value.get<bool>();
    } else if (value.is_number() && !key.starts_with("findings")) {
      total[key] = total.value(key, 0.0) + value.get<double>();
    }
  }
}

int run_report(ReportFlags& flags) {
  json findings = json::array();
  json summary = {{"issues", json::array()}, {"complete", true}};
  std::map<std::pair<std::string, std::string>, std::size_t> index;  // (rule, fingerprint) -> finding
  std::vector<std::string> sources;
  try {
    for (const std::string& file : flags.reports) {
      ReadReport report = read_report(file, true);
      sources.push_back(pipeline::printable(file, 256));
      for (json* item : report.findings()) {
        const auto key =
            std::make_pair(item->value("rule_id", std::string()), item->value("fingerprint", std::string()));
        if (key.first.empty() || !item->contains("locations") || !(*item)["locations"].is_array()) {
          throw std::runtime_error(fmt::format("{}: a finding is not as sluice writes it", pipeline::printable(file)));
        }
        const auto [it, added] = index.try_emplace(key, findings.size());
        if (added) {
          findings.push_back(std::move(*item));
          continue;
        }
        json& known = findings[it->second];
        for (json& at : (*item)["locations"]) {
          if (std::find(known["locations"].begin(), known["locations"].end(), at) == known["locations"].end()) {
            known["locations"].push_back(std::move(at));
          }
        }
        known["occurrences"] = known["locations"].size();
      }
      if (const json* part = report.summary()) add_summary(summary, *part);
    }
  } catch (const std::exception& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  }
  // The page masks secrets unless asked to show them.
  for (json& finding : findings) {
    if (!flags.show_secrets && !finding.value("redacted", false) && finding.contains("secret") &&
        finding["secret"].is_string()) {
      finding["secret"] = pipeline::redact(finding["secret"].get<std::string>());
      finding["redacted"] = true;
    }
  }
  summary["findings"] = findings.size();

  json cards = json::object();
  try {
    std::set<std::string> named;
    for (const json& finding : findings) named.insert(finding.value("rule_id", std::string()));
    for (const engine::Rule& rule : load_rules(flags.rules).rules) {
      if (named.count(rule.id) != 0) cards[rule.id] = pipeline::card_json(rule);
    }
  } catch (const std::exception& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  }
  // A SARIF result names only its rule: the card gives the rest.
  for (json& finding : findings) {
    const std::string id = finding.value("rule_id", std::string());
    if (!cards.contains(id)) continue;
    const json& card = cards[id];
    for (const auto& [field, from] : {std::pair<const char*, const char*>{"rule_name", "name"},
                                      {"vendor", "vendor"},
                                      {"family", "family"},
                                      {"severity", "severity"},
                                      {"description", "description"},
                                      {"mitigation", "mitigation"}}) {
      if (!finding.contains(field)) finding[field] = card[from];
    }
  }
  json document = {{"tool", {{"name", "sluice"}, {"version", kVersion}}},
                   {"findings", std::move(findings)},
                   {"summary", std::move(summary)},
                   {"cards", std::move(cards)},
                   {"meta",
                    {{"made_at", pipeline::utc_timestamp(std::chrono::duration_cast<std::chrono::seconds>(
                                                             std::chrono::system_clock::now().time_since_epoch())
                                                             .count())},
                     {"source", fmt::format("{}", fmt::join(sources, ", "))},
                     {"show_secrets", flags.show_secrets}}}};

  auto opened = ReportOutput::open(flags.output, flags.show_secrets, flags.reports);
  if (auto* error = std::get_if<std::string>(&opened)) {
    say("sluice: error: {}\n", *error);
    return kFatal;
  }
  std::unique_ptr<ReportOutput> output = std::move(std::get<std::unique_ptr<ReportOutput>>(opened));
  pipeline::write_html_report(output->stream(), document);
  bool removed = false;
  if (const int error = output->commit(removed); error != 0) {
    say("sluice: error: writing the report to {} failed ({})\n", pipeline::printable(output->name()),
        std::strerror(error));
    return kFatal;
  }
  if (!flags.quiet) {
    say("sluice: report: {} finding{} from {} report{} written to {}\n", document["findings"].size(),
        document["findings"].size() == 1 ? "" : "s", flags.reports.size(), flags.reports.size() == 1 ? "" : "s",
        pipeline::printable(output->name()));
  }
  return kClean;
}

}  // namespace

void register_report(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* command = app.add_subcommand(
      "report", "Make the triage page (-f html) of earlier JSON, JSON Lines or SARIF reports, without scanning again");
  command->add_option("reports", flags->reports, "Reports of sluice scan -f json, jsonl or sarif (or sluice validate)")
      ->required()
      ->type_name("REPORT");
  command->add_option("-f,--format", flags->format, "Output format")
      ->check(CLI::IsMember({"html"}))
      ->capture_default_str();
  command->add_option("-o,--output", flags->output, "Write the page to FILE instead of standard output")
      ->type_name("FILE");
  command->add_flag("--show-secrets", flags->show_secrets, "Show each secret in the page (it is masked otherwise)");
  command->add_flag("-q,--quiet", flags->quiet, "Print only errors on standard error");
  add_rule_source_options(*command, flags->rules);
  command->footer("Exit codes: 0 the page was written; 2 usage or fatal error (a report that cannot be read).");
  command->callback([flags, &exit_code] { exit_code = run_report(*flags); });
}

}  // namespace sluice::cli

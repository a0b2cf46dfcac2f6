#include "cli/validate_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <variant>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/report_output.hpp"
#include "cli/report_reader.hpp"
#include "cli/signals.hpp"
#include "pipeline/json_summary.hpp"
#include "pipeline/validator.hpp"

namespace sluice::cli {
namespace {

using json = nlohmann::json;

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

void add_validate_options(CLI::App& command, ValidateFlags& flags, bool with_switch) {
  const std::string group = "Validation";
  if (with_switch) {
    command
        .add_flag("--validate", flags.validate,
                  "Ask each vendor whether the secrets found still work, with the read-only request of the rule's "
                  "card (sends secrets to the vendors' hosts; `sluice rules list` shows which rules validate)")
        ->group(group);
    command
        .add_flag("--validate-dry-run", flags.dry_run,
                  "Print how many secrets --validate would send to which hosts, and send nothing")
        ->group(group);
  }
  command
      .add_option("--validate-endpoint", flags.endpoints,
                  "RULE=URL: send RULE's requests to URL (http(s)://127.0.0.1, [::1] or localhost only) instead of "
                  "the vendor's host: for testing against an imitation of the vendor's API")
      ->type_name("RULE=URL")
      ->group(group);
  command.add_option("--validate-concurrency", flags.concurrency, "Requests in flight at once, all hosts together")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
      ->capture_default_str()
      ->group(group);
  command.add_option("--validate-rate", flags.per_host_per_second, "Requests started per second to one host, at most")
      ->check(CLI::Range(0.01, 100.0))
      ->capture_default_str()
      ->group(group);
  command.add_option("--validate-timeout", flags.timeout_seconds, "Seconds one request may take")
      ->check(CLI::Range(1L, 300L))
      ->capture_default_str()
      ->group(group);
  if (with_switch) {
    command
        .add_option("--validate-max-age", flags.max_age_hours,
                    "With --state: a valid or invalid answer an earlier run got less than this many hours ago is "
                    "reused instead of asking again (0: always ask)")
        ->check(CLI::Range(0.0, 1e6))
        ->capture_default_str()
        ->group(group);
  }
}

bool run_validation(const ValidateFlags& flags, const std::vector<engine::Rule>& rules,
                    std::vector<pipeline::Finding>& findings, const std::atomic<bool>* stop, bool quiet,
                    pipeline::StateStore* state) {
  pipeline::ValidatorOptions options;
  for (const std::string& given : flags.endpoints) {
    const std::size_t equals = given.find('=');
    if (equals == std::string::npos || equals == 0) {
      say("sluice: error: --validate-endpoint takes RULE=URL: {}\n", pipeline::printable(given));
      return false;
    }
    const std::string id = given.substr(0, equals);
    const std::string url = given.substr(equals + 1);
    const auto rule = std::find_if(rules.begin(), rules.end(), [&](const engine::Rule& r) { return r.id == id; });
    if (rule == rules.end() || !rule->validation) {
      say("sluice: error: --validate-endpoint {}: {}\n", pipeline::printable(id),
          rule == rules.end() ? "no such rule" : "the rule does not validate");
      return false;
    }
    if (const std::string error = pipeline::loopback_endpoint_error(url); !error.empty()) {
      say("sluice: error: --validate-endpoint {}: {}\n", pipeline::printable(given), error);
      return false;
    }
    options.endpoints[id] = url;
  }
  options.concurrency = flags.concurrency;
  options.per_host_per_second = flags.per_host_per_second;
  options.timeout_seconds = flags.timeout_seconds;
  options.stop = stop;
  options.state = state;
  options.max_age_seconds = static_cast<std::int64_t>(flags.max_age_hours * 3600);
  pipeline::Validator validator(rules, std::move(options));
  const pipeline::ValidationPlan plan = validator.plan(findings);
  // Said before anything is sent (also under --quiet: secrets leave the machine).
  std::size_t requests = 0;
  std::vector<std::string> hosts;
  for (const auto& [host, count] : plan.requests_by_host) {
    requests += count;
    hosts.push_back(fmt::format("{} ({})", pipeline::printable(host), count));
  }
  const bool send = !flags.dry_run;
  std::string line = fmt::format("sluice: validate{}: {} {} in {} to {}{}", send ? "" : " (dry run: nothing is sent)",
                                 send ? "sending" : "would send", plural(plan.secrets, "secret", "secrets"),
                                 plural(requests, "request", "requests"), plural(hosts.size(), "host", "hosts"),
                                 hosts.empty() ? std::string() : fmt::format(": {}", fmt::join(hosts, ", ")));
  if (plan.from_state > 0) {
    line += fmt::format("; {} answered by an earlier run (--state, younger than --validate-max-age)",
                        plural(plan.from_state, "secret", "secrets"));
  }
  if (plan.unsupported > 0) {
    line += fmt::format("; {} of rules that do not validate", plural(plan.unsupported, "finding", "findings"));
  }
  if (!quiet || send) say("{}\n", line);
  validator.validate(findings, send);
  return true;
}

namespace {

struct ValidateCommandFlags {
  std::string report;
  std::string output;
  bool quiet = false;
  RuleSources rules;
  ValidateFlags validate;
};

int run_validate_command(ValidateCommandFlags& flags) {
  ReadReport report;
  engine::RuleSet set;
  try {
    report = read_report(flags.report);
    set = load_rules(flags.rules);
  } catch (const std::exception& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  }
  std::vector<json*> items = report.findings();
  std::vector<engine::Rule>& rules = set.rules;
  std::map<std::string, std::uint32_t> index_of;
  for (std::size_t k = 0; k < rules.size(); ++k) index_of[rules[k].id] = static_cast<std::uint32_t>(k);
  std::vector<pipeline::Finding> findings;
  bool raw_secrets = false;
  try {
    for (json* item : items) {
      pipeline::Finding finding;
      const std::string id = item->at("rule_id").get<std::string>();
      auto [it, added] = index_of.try_emplace(id, static_cast<std::uint32_t>(rules.size()));
      if (added) rules.push_back(engine::Rule{.id = id});  // not in this catalog: does not validate
      finding.rule = it->second;
      finding.secret = item->value("secret", std::string());
      // A redacted report holds no secret to send.
      if (item->value("redacted", false)) finding.masked_size = finding.secret.size() + 1;
      raw_secrets = raw_secrets || finding.masked_size == 0;
      for (const json& at : item->at("locations")) finding.locations.push_back(pipeline::location_from_json(at));
      findings.push_back(std::move(finding));
    }
  } catch (const json::exception&) {
    say("sluice: error: {}: a finding is not as sluice writes it\n", pipeline::printable(flags.report));
    return kFatal;
  }

  auto opened = ReportOutput::open(flags.output, raw_secrets, {flags.report});
  if (auto* error = std::get_if<std::string>(&opened)) {
    say("sluice: error: {}\n", *error);
    return kFatal;
  }
  std::unique_ptr<ReportOutput> output = std::move(std::get<std::unique_ptr<ReportOutput>>(opened));
  StopOnSignals signals;
  if (!run_validation(flags.validate, rules, findings, &signals.stop(), flags.quiet)) return kFatal;

  std::map<std::string, std::size_t> by_status;
  bool any_valid = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const pipeline::Validation& v = *findings[i].validation;
    (*items[i])["validation"] = pipeline::validation_json(v);
    ++by_status[std::string(pipeline::to_string(v.status))];
    any_valid = any_valid || v.status == pipeline::Validation::Status::kValid;
  }
  if (json* summary = report.summary()) (*summary)["findings_by_validation"] = by_status;
  std::ostream& out = output->stream();
  if (report.lines) {
    for (const json& record : report.records)
      out << record.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  } else {
    out << report.document.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  }
  bool removed = false;
  if (const int error = output->commit(removed); error != 0) {
    say("sluice: error: writing the report to {} failed ({})\n", pipeline::printable(output->name()),
        std::strerror(error));
    return kFatal;
  }
  if (!flags.quiet) {
    say("sluice: validate: {} valid, {} invalid, {} unknown\n", by_status["valid"], by_status["invalid"],
        by_status["unknown"]);
  }
  if (signals.signal() != 0) return 128 + signals.signal();
  return any_valid ? kFindings : kClean;
}

}  // namespace

void register_validate(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ValidateCommandFlags>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Ask the vendors whether the secrets of an earlier JSON or JSON Lines report still work, without scanning "
      "again; writes the report with a validation on each finding");
  command->add_option("report", flags->report, "A report of sluice scan -f json or -f jsonl")
      ->required()
      ->type_name("REPORT");
  command->add_option("-o,--output", flags->output, "Write the report to FILE instead of standard output")
      ->type_name("FILE");
  command->add_flag("-q,--quiet", flags->quiet, "Print only errors and what is sent where on standard error");
  add_validate_options(*command, flags->validate, false);
  add_rule_source_options(*command, flags->rules);
  command->footer(
      "Exit codes: 0 no secret of the report is valid; 1 some secret is valid (still works); 2 usage or fatal error.");
  command->callback([flags, &exit_code] { exit_code = run_validate_command(*flags); });
}

}  // namespace sluice::cli

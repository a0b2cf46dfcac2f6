#include "pipeline/sink.hpp"

#include <algorithm>

namespace sluice::pipeline {

std::unique_ptr<Sink> make_sink(OutputFormat format, std::ostream& out, const engine::CompiledRules& rules,
                                const SinkOptions& options) {
  switch (format) {
    case OutputFormat::kJson:
      return make_json_sink(out, rules, options, false);
    case OutputFormat::kJsonl:
      return make_json_sink(out, rules, options, true);
    case OutputFormat::kText:
      break;
  }
  return make_text_sink(out, rules, options);
}

std::string shown_secret(const Finding& finding, const SinkOptions& options) {
  return options.redact && !options.secrets_masked ? redact(finding.secret) : finding.secret;
}

void sort_for_report(std::vector<Finding>& findings, const engine::CompiledRules& rules) {
  auto key = [&](const Finding& f) {
    const engine::Rule& rule = rules.rules()[f.rule];
    return std::make_tuple(-static_cast<int>(rule.severity), std::string_view(rule.id));
  };
  std::stable_sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) {
    const auto ka = key(a);
    const auto kb = key(b);
    if (ka != kb) return ka < kb;
    if (a.locations.empty() || b.locations.empty()) return a.locations.size() > b.locations.size();
    return a.locations.front() < b.locations.front();
  });
}

}  // namespace sluice::pipeline

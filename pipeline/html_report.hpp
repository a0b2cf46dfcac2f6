#pragma once
// The triage page (`-f html`, `sluice report -f html`): one self-contained HTML file, the
// template, style sheet and script of html/ (embedded at build time) with the report's data as
// one JSON blob. It loads nothing: a Content-Security-Policy with the hashes of its own style
// and script forbids every other source and every connection. The data is the JSON report's
// document (the same finding model as every format) plus the detector cards of the rules it
// names and a `meta` object; every string of it reaches the page as text, never as markup.

#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/compiled_rules.hpp"
#include "pipeline/sink.hpp"

namespace sluice::pipeline {

struct HtmlAsset {
  std::string_view name;  // "report.html", "report.css", "report.js"
  std::string_view text;
};
[[nodiscard]] std::span<const HtmlAsset> html_assets();

struct HtmlOptions {
  bool show_secrets = false;       // else each finding's secret is masked (redact())
  std::string source;              // what the page was made from ("sluice scan", report files)
  std::vector<std::string> roots;  // the paths scanned: the page counts findings by them
};

// {name, vendor, family, severity, description, security, mitigation, references}.
[[nodiscard]] nlohmann::json card_json(const engine::Rule& rule);

// Writes the page for `document`: {tool, findings, summary} as the JSON report has them, plus
// `cards` (rule id -> card_json) and `meta` ({made_at, source, show_secrets, catalog?}).
void write_html_report(std::ostream& out, const nlohmann::json& document);

// A sink that writes the page in finish(): the JSON report's document, the cards of its
// rules, and the catalog's version and hash.
[[nodiscard]] std::unique_ptr<Sink> make_html_sink(std::ostream& out, const engine::CompiledRules& rules,
                                                   const SinkOptions& options, const HtmlOptions& html);

}  // namespace sluice::pipeline

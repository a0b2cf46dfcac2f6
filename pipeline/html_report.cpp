#include "pipeline/html_report.hpp"

#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <set>
#include <sstream>

#include "pipeline/finding.hpp"
#include "sluice/version.hpp"

namespace sluice::pipeline {
namespace {

std::string_view asset(std::string_view name) {
  for (const HtmlAsset& file : html_assets()) {
    if (file.name == name) return file.text;
  }
  return {};
}

// The base64 SHA-256 of `text`, as a Content-Security-Policy source names an inline element.
std::string csp_hash(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  const int length = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length));
}

void replace_once(std::string& text, std::string_view placeholder, std::string_view value) {
  const std::size_t at = text.find(placeholder);
  if (at != std::string::npos) text.replace(at, placeholder.size(), value);
}

// JSON that cannot end the <script> element it sits in: every '<' (and '>', '&') escaped.
std::string script_safe(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

class HtmlSink final : public Sink {
 public:
  HtmlSink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options, HtmlOptions html)
      : out_(out),
        rules_(rules),
        options_(masked(options, html)),
        html_(std::move(html)),
        json_(make_json_sink(buffer_, rules, options_, false)) {}

  void begin() override { json_->begin(); }
  void accept(const Finding& finding) override {
    used_.insert(finding.rule);
    json_->accept(finding);
  }
  void finish(const ScanStats& stats) override {
    json_->finish(stats);
    nlohmann::json document = nlohmann::json::parse(buffer_.str(), nullptr, false);
    if (document.is_discarded()) document = nlohmann::json::object();
    nlohmann::json cards = nlohmann::json::object();
    for (std::uint32_t rule : used_) cards[rules_.rules()[rule].id] = card_json(rules_.rules()[rule]);
    document["cards"] = std::move(cards);
    document["meta"] = {
        {"made_at", utc_timestamp(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count())},
        {"source", html_.source},
        {"roots", html_.roots},
        {"show_secrets", html_.show_secrets && !options_.redact},
        {"catalog", {{"version", kVersion}, {"hash", rules_.catalog_hash()}, {"rules", rules_.rules().size()}}}};
    write_html_report(out_, document);
    out_.flush();
  }

 private:
  static SinkOptions masked(SinkOptions options, const HtmlOptions& html) {
    if (!html.show_secrets) options.redact = true;
    return options;
  }

  std::ostream& out_;
  const engine::CompiledRules& rules_;
  SinkOptions options_;
  HtmlOptions html_;
  std::ostringstream buffer_;
  std::unique_ptr<Sink> json_;
  std::set<std::uint32_t> used_;
};

}  // namespace

nlohmann::json card_json(const engine::Rule& rule) {
  return {{"name", rule.name},
          {"vendor", rule.vendor},
          {"family", rule.family},
          {"severity", engine::to_string(rule.severity)},
          {"description", rule.description},
          {"security", rule.security},
          {"mitigation", rule.mitigation},
          {"references", rule.references}};
}

void write_html_report(std::ostream& out, const nlohmann::json& document) {
  std::string page(asset("report.html"));
  const std::string_view css = asset("report.css");
  const std::string_view js = asset("report.js");
  // The hashes first: the data may hold any text, the placeholders' names included.
  replace_once(page, "@SLUICE_CSS_HASH@", csp_hash(css));
  replace_once(page, "@SLUICE_JS_HASH@", csp_hash(js));
  replace_once(page, "@SLUICE_CSS@", css);
  const std::size_t data_at = page.find("@SLUICE_DATA@");
  const std::size_t js_at = page.find("@SLUICE_JS@");
  if (data_at == std::string::npos || js_at == std::string::npos || js_at < data_at) {
    out << page;
    return;
  }
  out << std::string_view(page).substr(0, data_at) << script_safe(document)
      << std::string_view(page).substr(data_at + 13, js_at - data_at - 13) << js
      << std::string_view(page).substr(js_at + 11);
}

std::unique_ptr<Sink> make_html_sink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options,
                                     const HtmlOptions& html) {
  return std::make_unique<HtmlSink>(out, rules, options, html);
}

}  // namespace sluice::pipeline

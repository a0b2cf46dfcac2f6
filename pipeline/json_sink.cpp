// JSON (one document with findings and a summary) and JSON Lines (one finding per line).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "io/http_client.hpp"
#include "pipeline/json_summary.hpp"
#include "pipeline/sarif_sink.hpp"
#include "pipeline/sink.hpp"
#include "sluice/version.hpp"

namespace sluice::pipeline {

namespace {
std::string text_or_empty(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}
}  // namespace

Location location_from_json(const nlohmann::json& at) {
  Location location;
  location.path = at.contains("path_percent_encoded") ? io::url_unescaped(at["path_percent_encoded"].get<std::string>())
                                                      : at.at("path").get<std::string>();
  if (at.contains("archive_chain_percent_encoded")) {
    for (const nlohmann::json& part : at["archive_chain_percent_encoded"])
      location.chain.push_back(io::url_unescaped(part.get<std::string>()));
  } else if (at.contains("archive_chain")) {
    location.chain = at["archive_chain"].get<std::vector<std::string>>();
  }
  location.offset = at.at("offset").get<std::uint64_t>();
  location.column = at.at("column").get<std::uint64_t>();
  if (at.contains("split")) {
    // Placed from its range's start: the line may be below 1 (it wraps, and so does the sum).
    location.line = static_cast<std::uint64_t>(at.at("line").get<std::int64_t>());
    location.split =
        SplitPlace{at["split"].at("range").get<std::uint32_t>(), at["split"].at("column_known").get<bool>()};
  } else {
    location.line = at.at("line").get<std::uint64_t>();
  }
  if (at.contains("blob")) {
    GitRef git;
    git.repository = text_or_empty(at.value("repository", nlohmann::json()));
    git.commit = text_or_empty(at.value("commit", nlohmann::json()));
    git.author = text_or_empty(at.value("author", nlohmann::json()));
    git.date = text_or_empty(at.value("date", nlohmann::json()));
    git.summary = text_or_empty(at.value("summary", nlohmann::json()));
    git.blob = text_or_empty(at["blob"]);
    git.staged = at.value("staged", false);
    location.git = std::move(git);
  }
  if (at.contains("image")) {
    const nlohmann::json& image = at["image"];
    ImageRef ref;
    ref.image = text_or_empty(image.value("name", nlohmann::json()));
    ref.layer = text_or_empty(image.value("layer", nlohmann::json()));
    ref.deleted_in_layer = text_or_empty(image.value("deleted_in_layer", nlohmann::json()));
    location.image = std::move(ref);
  }
  if (at.contains("decoders")) location.decoders = at["decoders"].get<std::vector<std::string>>();
  location.key = text_or_empty(at.value("key", nlohmann::json()));
  return location;
}

nlohmann::json validation_json(const Validation& validation) {
  return {{"status", to_string(validation.status)},
          {"http_status", validation.http_status != 0 ? nlohmann::json(validation.http_status) : nlohmann::json()},
          {"checked_at", validation.checked_at},
          {"detail", validation.detail}};
}

nlohmann::json summary_json(const ScanStats& stats) {
  return {{"files", stats.files},
          {"bytes", stats.bytes},
          {"archives", stats.archives},
          {"members", stats.members},
          {"images", stats.images},
          {"repositories", stats.repositories},
          {"blobs", stats.blobs},
          {"duplicates", stats.duplicates},
          {"skipped", stats.skipped},
          {"errors", stats.errors},
          {"complete", stats.errors == 0 && !stats.interrupted},
          {"interrupted", stats.interrupted},
          {"hidden_in_tests_or_docs", stats.hidden_in_tests_or_docs},
          {"from_state", stats.from_state},
          {"decoded",
           {{"spans", stats.decoded.spans},
            {"bytes", stats.decoded.bytes},
            {"capped_spans", stats.decoded.capped_spans},
            {"capped_bytes", stats.decoded.capped_bytes}}},
          {"seconds", stats.seconds}};
}

nlohmann::json shares_json(const std::vector<InputShare>& shares) {
  nlohmann::json out = nlohmann::json::array();
  for (const InputShare& share : shares) {
    const ScanStats& s = share.stats;
    out.push_back({fmt::format("{:016x}{:016x}", share.content_high, share.content_low), s.files, s.bytes, s.archives,
                   s.members, s.images, s.duplicates, s.decoded.spans, s.decoded.bytes, s.decoded.capped_spans,
                   s.decoded.capped_bytes});
  }
  return out;
}

nlohmann::json image_json(const ImageRef& image) {
  using nlohmann::json;
  json out = {{"name", image.image}};
  if (image.layer.empty()) {
    out["config"] = true;
  } else {
    out["layer"] = image.layer;
  }
  if (!image.deleted_in_layer.empty()) out["deleted_in_layer"] = image.deleted_in_layer;
  return out;
}

nlohmann::json git_json(const GitRef& git) {
  using nlohmann::json;
  auto or_null = [](const std::string& text) { return text.empty() ? json(nullptr) : json(text); };
  json out = {{"repository", git.repository}, {"commit", or_null(git.commit)},   {"author", or_null(git.author)},
              {"date", or_null(git.date)},    {"summary", or_null(git.summary)}, {"blob", git.blob}};
  if (git.staged) out["staged"] = true;
  return out;
}

namespace {

using nlohmann::json;

bool valid_utf8(const std::string& text) {
  try {
    (void)json(text).dump();  // strict: throws on invalid UTF-8
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

std::string dump(const json& value, int indent) {
  // Paths and secrets are bytes, not always UTF-8: invalid sequences become U+FFFD
  // rather than aborting the report.
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

class JsonSink final : public Sink {
 public:
  JsonSink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options, bool lines)
      : out_(out), rules_(rules), options_(options), lines_(lines) {}

  void begin() override {
    if (lines_ && !options_.shard_header.empty()) out_ << options_.shard_header << '\n';
  }

  void accept(const Finding& finding) override {
    const engine::Rule& rule = rules_.rules()[finding.rule];
    json locations = json::array();
    for (const Location& at : finding.locations) {
      json location = {{"path", at.path}, {"offset", at.offset}, {"line", at.line}, {"column", at.column}};
      if (!at.chain.empty()) location["archive_chain"] = at.chain;
      // JSON strings are UTF-8: a name that is not gets U+FFFD in "path" (readable), and its
      // exact bytes percent-encoded here (recoverable, as in SARIF's URIs).
      if (!valid_utf8(at.path)) {
        location["path_percent_encoded"] = uri_encode_path(at.path);
        json parts = json::array();
        for (const std::string& part : at.chain) parts.push_back(uri_encode_path(part));
        location["archive_chain_percent_encoded"] = std::move(parts);
      }
      if (at.git) location.update(git_json(*at.git));
      if (at.image) location["image"] = image_json(*at.image);
      if (!at.decoders.empty()) location["decoders"] = at.decoders;
      if (!at.key.empty()) location["key"] = at.key;
      if (at.split) {
        // Placed from its range's start until sluice merge places it: the line may be below 1.
        location["line"] = static_cast<std::int64_t>(at.line);
        location["split"] = {{"range", at.split->range}, {"column_known", at.split->column_known}};
      }
      locations.push_back(std::move(location));
    }
    json item = {
        {"rule_id", rule.id},
        {"rule_name", rule.name},
        {"vendor", rule.vendor},
        {"family", rule.family},
        {"severity", engine::to_string(rule.severity)},
        {"confidence", engine::to_string(finding.confidence)},
        {"secret", shown_secret(finding, options_)},
        {"redacted", options_.redact},
        {"fingerprint", finding.fingerprint},
        {"occurrences", finding.locations.size()},
        {"locations", std::move(locations)},
        {"description", rule.description},
        {"mitigation", rule.mitigation},
    };
    if (!finding.confidence_reason.empty()) item["confidence_reason"] = finding.confidence_reason;
    if (finding.validation) {
      item["validation"] = validation_json(*finding.validation);
      ++by_validation_[std::string(to_string(finding.validation->status))];
    }
    // A shard's report under --redact keeps the secret's size for the merged report's regions.
    if (options_.redact && !options_.shard_header.empty()) item["secret_bytes"] = finding.secret.size();
    ++by_severity_[std::string(engine::to_string(rule.severity))];
    ++by_confidence_[std::string(engine::to_string(finding.confidence))];
    if (lines_) {
      out_ << dump(item, -1) << '\n';
    } else {
      findings_.push_back(std::move(item));
    }
  }

  void finish(const ScanStats& stats) override {
    json summary = summary_json(stats);
    add_workflow_summary(summary);
    if (lines_) {
      // The last record, always: a JSON Lines report without it was cut short, and its
      // `complete` says whether every input was scanned.
      out_ << dump(json{{"summary", std::move(summary)}}, -1) << '\n';
    } else {
      json document = {
          {"tool", {{"name", "sluice"}, {"version", kVersion}}},
          {"findings", std::move(findings_)},
          {"summary", std::move(summary)},
      };
      out_ << dump(document, 2) << '\n';
    }
    out_.flush();
  }

 private:
  // Findings by severity, suppressed findings and every input issue with its reason.
  void add_workflow_summary(json& summary) const {
    std::size_t total = 0;
    for (const auto& [severity, count] : by_severity_) total += count;
    summary["findings"] = total;
    summary["findings_by_severity"] = by_severity_;
    summary["findings_by_confidence"] = by_confidence_;
    if (!by_validation_.empty()) summary["findings_by_validation"] = by_validation_;
    summary["suppressed"] = options_.suppressed;
    json issues = json::array();
    if (options_.issues != nullptr) {
      for (const InputIssue& issue : *options_.issues) {
        issues.push_back({{"path", issue.path}, {"reason", issue.reason}, {"error", issue.incomplete()}});
      }
    }
    summary["issues"] = std::move(issues);
    if (options_.suppressed_fingerprints != nullptr)
      summary["suppressed_fingerprints"] = *options_.suppressed_fingerprints;
    if (options_.shares != nullptr) summary["shares"] = shares_json(*options_.shares);
    if (options_.splits != nullptr && !options_.splits->empty()) {
      json splits = json::array();
      for (const SplitRange& range : *options_.splits) {
        json& item =
            splits.emplace_back(json{{"path", range.path},
                                     {"range", range.range},
                                     {"ranges", range.ranges},
                                     {"begin", range.begin},
                                     {"end", range.end},
                                     {"newlines", range.newlines},
                                     {"last_newline", range.last_newline ? json(*range.last_newline) : json(nullptr)}});
        if (!valid_utf8(range.path)) item["path_percent_encoded"] = uri_encode_path(range.path);
      }
      summary["splits"] = std::move(splits);
    }
  }

  std::ostream& out_;
  const engine::CompiledRules& rules_;
  SinkOptions options_;
  bool lines_;
  json findings_ = json::array();
  std::map<std::string, std::size_t> by_severity_;
  std::map<std::string, std::size_t> by_confidence_;
  std::map<std::string, std::size_t> by_validation_;
};

}  // namespace

std::unique_ptr<Sink> make_json_sink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options,
                                     bool lines) {
  return std::make_unique<JsonSink>(out, rules, options, lines);
}

}  // namespace sluice::pipeline

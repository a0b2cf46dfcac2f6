// SARIF 2.1.0: one run; a reportingDescriptor (the detector card) per rule that has findings;
// one result per location, with the finding fingerprint as a partial fingerprint.
#include "pipeline/sarif_sink.hpp"
#include "pipeline/json_summary.hpp"
#include "sluice/version.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

namespace sluice::pipeline {
namespace {

using nlohmann::json;

std::string level_of(engine::Severity severity) {
  switch (severity) {
    case engine::Severity::kCritical:
    case engine::Severity::kHigh:
      return "error";
    case engine::Severity::kMedium:
      return "warning";
    default:
      return "note";
  }
}

// A file URI for an absolute directory, ending with '/' as originalUriBaseIds require.
std::string directory_uri(const std::filesystem::path& directory) {
  std::string path = directory.lexically_normal().string();
  if (path.empty() || path.back() != '/') path.push_back('/');
  return "file://" + uri_encode_path(path);
}

std::string sentence(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  if (!text.empty() && text.back() != '.' && text.back() != '!' && text.back() != '?') text.push_back('.');
  return text;
}

json descriptor(const engine::Rule& rule) {
  const std::string name = rule.name.empty() ? rule.id : rule.name;
  const std::string description = rule.description.empty() ? name : rule.description;
  std::string text = sentence(description) + "\n";
  std::string markdown = fmt::format("**{}** (`{}`, severity {})\n\n{}\n", name, rule.id,
                                     engine::to_string(rule.severity), sentence(description));
  if (!rule.security.empty()) {
    text += "\nImpact of a leak:\n";
    markdown += "\n### Impact of a leak\n\n";
    for (const std::string& item : rule.security) {
      text += fmt::format("- {}\n", item);
      markdown += fmt::format("- {}\n", item);
    }
  }
  if (!rule.mitigation.empty()) {
    text += "\nMitigation:\n";
    markdown += "\n### Mitigation\n\n";
    for (std::size_t i = 0; i < rule.mitigation.size(); ++i) {
      text += fmt::format("{}. {}\n", i + 1, rule.mitigation[i]);
      markdown += fmt::format("{}. {}\n", i + 1, rule.mitigation[i]);
    }
  }
  if (!rule.references.empty()) {
    text += "\nReferences:\n";
    markdown += "\n### References\n\n";
    for (const std::string& item : rule.references) {
      text += fmt::format("- {}\n", item);
      markdown += fmt::format("- <{}>\n", item);
    }
  }
  json tags = json::array({"security", "secret"});
  if (!rule.vendor.empty()) tags.push_back(rule.vendor);
  if (!rule.family.empty()) tags.push_back(rule.family);
  for (const std::string& tag : rule.tags) tags.push_back(tag);
  json out = {
      {"id", rule.id},
      {"name", name},
      {"shortDescription", {{"text", sentence(name)}}},
      {"fullDescription", {{"text", sentence(description)}}},
      {"help", {{"text", text}, {"markdown", markdown}}},
      {"defaultConfiguration", {{"level", level_of(rule.severity)}}},
      {"properties",
       {{"security-severity", fmt::format("{:.1f}", security_severity(rule.severity))},
        {"severity", engine::to_string(rule.severity)},
        {"precision", "high"},
        {"tags", std::move(tags)}}},
  };
  for (const std::string& reference : rule.references) {
    if (reference.rfind("https://", 0) == 0 || reference.rfind("http://", 0) == 0) {
      out["helpUri"] = reference;
      break;
    }
  }
  return out;
}

class SarifSink final : public Sink {
 public:
  SarifSink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options, SarifOptions sarif)
      : out_(out), rules_(rules), options_(options), sarif_(std::move(sarif)) {
    std::error_code error;
    for (std::size_t i = 0; i < sarif_.roots.size(); ++i) {
      const std::string& root = sarif_.roots[i];
      if (root == "-" || !std::filesystem::is_directory(root, error)) continue;
      bases_.push_back(Base{root, fmt::format("ROOT{}", i), directory_uri(std::filesystem::absolute(root, error))});
    }
  }

  void accept(const Finding& finding) override {
    const engine::Rule& rule = rules_.rules()[finding.rule];
    auto [slot, added] = rule_index_.try_emplace(finding.rule, rule_index_.size());
    if (added) descriptors_.push_back(descriptor(rule));
    for (const Location& at : finding.locations) results_.push_back(result(finding, rule, slot->second, at));
  }

  void finish(const ScanStats& stats) override {
    json notifications = json::array();
    if (sarif_.issues != nullptr) {
      for (const InputIssue& issue : *sarif_.issues) {
        if (!issue.incomplete()) continue;
        notifications.push_back(
            {{"level", "error"}, {"message", {{"text", sentence(fmt::format("{}: {}", issue.path, issue.reason))}}}});
      }
    }
    if (stats.interrupted) {
      notifications.push_back(
          {{"level", "error"},
           {"message", {{"text", "The scan was interrupted by a signal: not every input was scanned."}}}});
    }
    json invocation = {{"executionSuccessful", stats.errors == 0 && !stats.interrupted}};
    if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);
    json run = {
        {"tool",
         {{"driver",
           {{"name", "sluice"},
            {"version", kVersion},
            {"semanticVersion", kVersion},
            {"rules", std::move(descriptors_)}}}}},
        {"invocations", json::array({std::move(invocation)})},
        {"results", std::move(results_)},
        {"columnKind", "unicodeCodePoints"},
        {"properties", {{"redacted", options_.redact}, {"summary", summary_json(stats)}}},
    };
    if (!bases_.empty()) {
      json ids = json::object();
      for (const Base& base : bases_) ids[base.id] = {{"uri", base.uri}};
      run["originalUriBaseIds"] = std::move(ids);
    }
    json document = {
        {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", json::array({std::move(run)})},
    };
    out_ << document.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    out_.flush();
  }

 private:
  struct Base {
    std::string root;  // as given
    std::string id;
    std::string uri;
  };

  // The artifact a location points at: the top-level input (an archive member is not a file
  // a viewer can open; its chain goes in the logical location).
  json artifact(const std::string& path) const {
    for (const Base& base : bases_) {
      // The walk writes the children of "." without a "./" prefix.
      if (base.root == "." && !path.empty() && path.front() != '/' && path.rfind("../", 0) != 0 && path != "-") {
        return {{"uri", uri_encode_path(path.rfind("./", 0) == 0 ? path.substr(2) : path)}, {"uriBaseId", base.id}};
      }
      std::string prefix = base.root;
      if (prefix.back() != '/') prefix.push_back('/');
      if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) {
        return {{"uri", uri_encode_path(path.substr(prefix.size()))}, {"uriBaseId", base.id}};
      }
    }
    if (path == "-") return {{"uri", "stdin"}};
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    if (error) return {{"uri", uri_encode_path(path)}};
    return {{"uri", "file://" + uri_encode_path(absolute.lexically_normal().string())}};
  }

  json result(const Finding& finding, const engine::Rule& rule, std::size_t index, const Location& at) const {
    std::string top = at.chain.empty() ? at.path : at.chain.front();
    // A blob in history points at its path in the repository's tree (it may no longer be in
    // the working tree: the commit is in the properties).
    if (at.git && at.git->repository != ".") top = at.git->repository + "/" + top;
    const bool nested = at.chain.size() > 1;
    json physical = {{"artifactLocation", artifact(top)}};
    // Line and column are those of the innermost content: a region only makes sense when that
    // is the file itself.
    if (!nested && at.line > 0) {
      physical["region"] = {{"startLine", at.line}, {"startColumn", at.column}, {"byteOffset", at.offset}};
      // A decoded secret starts there, encoded, and its encoded length is not the secret's.
      if (at.decoders.empty()) {
        physical["region"]["byteLength"] = finding.masked_size != 0 ? finding.masked_size : finding.secret.size();
      }
    }
    json location = {{"physicalLocation", std::move(physical)}};
    json properties = {{"secret", shown_secret(finding, options_)},
                       {"redacted", options_.redact},
                       {"fingerprint", finding.fingerprint},
                       {"confidence", engine::to_string(finding.confidence)},
                       {"occurrences", finding.locations.size()},
                       {"path", at.path},
                       {"offset", at.offset},
                       {"line", at.line},
                       {"column", at.column}};
    if (!finding.confidence_reason.empty()) properties["confidence_reason"] = finding.confidence_reason;
    if (finding.validation) properties["validation"] = validation_json(*finding.validation);
    if (nested) {
      location["logicalLocations"] =
          json::array({{{"fullyQualifiedName", at.path}, {"name", at.chain.back()}, {"kind", "resource"}}});
      properties["archive_chain"] = at.chain;
    }
    if (at.image) properties["image"] = image_json(*at.image);
    if (at.git) properties["git"] = git_json(*at.git);
    if (!at.decoders.empty()) properties["decoders"] = at.decoders;
    if (!at.key.empty()) properties["key"] = at.key;
    std::string where = at.line == 0 ? at.path : fmt::format("{}:{}:{}", at.path, at.line, at.column);
    if (at.git) {
      const std::string revision = !at.git->commit.empty() ? at.git->commit.substr(0, 7)
                                   : at.git->staged        ? std::string("index")
                                                           : std::string("blob");
      where = fmt::format("{}@{}:{}:{}", at.git->repository, revision, at.path, at.line);
    }
    return {
        {"ruleId", rule.id},
        {"ruleIndex", index},
        {"level", level_of(rule.severity)},
        {"kind", "fail"},
        {"message",
         {{"text", finding.secret.empty()
                       ? fmt::format("{}: the path of {} matches.", rule.name.empty() ? rule.id : rule.name, where)
                       : fmt::format("{} found in {} (fingerprint {}).", rule.name.empty() ? rule.id : rule.name, where,
                                     finding.fingerprint)}}},
        {"locations", json::array({std::move(location)})},
        {"partialFingerprints", {{kSarifFingerprintKey, finding.fingerprint}}},
        {"properties", std::move(properties)},
    };
  }

  std::ostream& out_;
  const engine::CompiledRules& rules_;
  SinkOptions options_;
  SarifOptions sarif_;
  std::vector<Base> bases_;
  std::map<std::uint32_t, std::size_t> rule_index_;
  json descriptors_ = json::array();
  json results_ = json::array();
};

}  // namespace

double security_severity(engine::Severity severity) noexcept {
  switch (severity) {
    case engine::Severity::kCritical:
      return 9.5;
    case engine::Severity::kHigh:
      return 8.0;
    case engine::Severity::kMedium:
      return 5.5;
    case engine::Severity::kLow:
      return 3.0;
    case engine::Severity::kInfo:
      break;
  }
  return 0.0;
}

std::string uri_encode_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::unique_ptr<Sink> make_sarif_sink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options,
                                      SarifOptions sarif) {
  return std::make_unique<SarifSink>(out, rules, options, std::move(sarif));
}

}  // namespace sluice::pipeline

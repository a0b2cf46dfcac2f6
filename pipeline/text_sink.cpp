// The default, human-readable report: one block per finding.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <vector>

#include "pipeline/sink.hpp"

namespace sluice::pipeline {
namespace {

class TextSink final : public Sink {
 public:
  TextSink(std::ostream& out, const engine::CompiledRules& rules, const SinkOptions& options)
      : out_(out), rules_(rules), options_(options) {}

  void accept(const Finding& finding) override {
    const engine::Rule& rule = rules_.rules()[finding.rule];
    std::string severity(engine::to_string(rule.severity));
    for (char& c : severity) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string block = fmt::format("[{}] {} ({})\n", severity, rule.name, rule.id);
    if (!rule.vendor.empty()) block += fmt::format("  vendor:       {} · {}\n", rule.vendor, rule.family);
    const std::string secret = finding.secret.empty() ? std::string("(the file path matched)")
                               : options_.redact      ? shown_secret(finding, options_)
                                                      : printable(finding.secret, 120);
    block += fmt::format("  secret:       {}\n", secret);
    block += fmt::format("  fingerprint:  {}\n", finding.fingerprint);
    block += finding.confidence_reason.empty()
                 ? fmt::format("  confidence:   {}\n", engine::to_string(finding.confidence))
                 : fmt::format("  confidence:   {} ({})\n", engine::to_string(finding.confidence),
                               finding.confidence_reason);
    if (const std::optional<Validation>& v = finding.validation) {
      block += fmt::format("  validation:   {}", to_string(v->status));
      if (v->http_status != 0) block += fmt::format(" (HTTP {})", v->http_status);
      if (!v->detail.empty()) block += fmt::format(" {}", printable(v->detail, 256));
      if (!v->checked_at.empty()) block += fmt::format(" at {}", v->checked_at);
      block += '\n';
    }
    block += fmt::format("  occurrences:  {}\n", finding.locations.size());
    const std::size_t shown = std::min(finding.locations.size(), options_.max_locations_shown);
    for (std::size_t i = 0; i < shown; ++i) {
      const Location& at = finding.locations[i];
      // Found in decoded text: the position is that of the encoded text.
      std::string decoded =
          at.decoders.empty() ? std::string() : fmt::format("      decoded: {}\n", fmt::join(at.decoders, " > "));
      if (!at.key.empty()) decoded += fmt::format("      key: {}\n", printable(at.key, 256));
      if (at.git) {
        block += git_location(at, *at.git) + decoded;
        continue;
      }
      const std::string where = shown_path(at);
      block +=
          at.line == 0 ? fmt::format("    - {}\n", where) : fmt::format("    - {}:{}:{}\n", where, at.line, at.column);
      if (at.image) {
        const ImageRef& image = *at.image;
        block +=
            fmt::format("      image {} {}{}\n", printable(image.image, 512),
                        image.layer.empty() ? std::string("config") : "layer " + printable(image.layer, 128),
                        image.deleted_in_layer.empty()
                            ? std::string()
                            : ", deleted in layer " + printable(image.deleted_in_layer, 128) + " (still in the image)");
      }
      block += decoded;
    }
    if (shown < finding.locations.size()) {
      block += fmt::format("    - … and {} more (use --format json for all)\n", finding.locations.size() - shown);
    }
    if (!rule.mitigation.empty()) block += fmt::format("  fix:          {}\n", rule.mitigation.front());
    block += '\n';
    out_ << block;
    ++findings_;
  }

  // The last line, always: a text report without it was cut short, and it says whether every
  // input was scanned.
  void finish(const ScanStats& stats) override {
    std::string line = fmt::format("sluice: {} finding{}", findings_, findings_ == 1 ? "" : "s");
    std::vector<std::string> aside;
    if (options_.suppressed > 0) aside.push_back(fmt::format("{} suppressed", options_.suppressed));
    if (stats.hidden_in_tests_or_docs > 0) {
      aside.push_back(fmt::format("{} more only in test or docs paths, shown with --min-confidence low",
                                  stats.hidden_in_tests_or_docs));
    }
    if (!aside.empty()) line += fmt::format(" ({})", fmt::join(aside, "; "));
    if (stats.interrupted) {
      line += "; SCAN INTERRUPTED: not every input was scanned";
    } else if (stats.errors > 0) {
      line += fmt::format("; SCAN INCOMPLETE: {} input{} not completely scanned (named on standard error)",
                          stats.errors, stats.errors == 1 ? "" : "s");
    } else {
      line += fmt::format("; scan complete ({} input{})", stats.files, stats.files == 1 ? "" : "s");
    }
    out_ << line << '\n';
    out_.flush();
  }

 private:
  static std::string shown_path(const Location& at) {
    return at.chain.empty() ? printable(at.path, 4096) : printable_chain(at.chain, 4096);
  }

  // "repo@abc1234:config/settings.py:12", then who committed it when.
  static std::string git_location(const Location& at, const GitRef& git) {
    const std::string repo = printable(git.repository, 4096);
    const std::string path = shown_path(at);
    std::string line;
    if (!git.commit.empty()) {
      line = fmt::format("    - {}@{}:{}:{}\n", repo, git.commit.substr(0, 7), path, at.line);
      line += fmt::format("      commit {} · {} · {} · {}\n", git.commit, printable(git.author, 256),
                          printable(git.date, 64), printable(git.summary, 120));
    } else if (git.staged) {
      line = fmt::format("    - {}@index:{}:{}\n", repo, path, at.line);
      line += fmt::format("      staged, not committed · blob {}\n", git.blob);
    } else {
      line = fmt::format("    - {}@blob:{}:{}\n", repo, path, at.line);
      line += "      in no commit and not staged (a dangling blob, still in every copy of the repository)\n";
    }
    return line;
  }

  std::ostream& out_;
  const engine::CompiledRules& rules_;
  SinkOptions options_;
  std::size_t findings_ = 0;
};

}  // namespace

std::unique_ptr<Sink> make_text_sink(std::ostream& out, const engine::CompiledRules& rules,
                                     const SinkOptions& options) {
  return std::make_unique<TextSink>(out, rules, options);
}

}  // namespace sluice::pipeline

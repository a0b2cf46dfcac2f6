#include "pipeline/redactor.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace sluice::pipeline {
namespace {

// Suffixes of one text scanned again (a path has few separators; this bounds a hostile one).
constexpr std::size_t kMaxSuffixScans = 256;

}  // namespace

Redactor::Redactor(std::shared_ptr<const engine::CompiledRules> rules) : rules_(std::move(rules)) {
  if (rules_->database() != nullptr) {
    context_.emplace(rules_);
    // Mask what any rule matches, placeholders and low-entropy values included.
    context_->set_min_confidence(engine::Confidence::kLow);
  }
}

void Redactor::add_found(const std::vector<Finding>& findings) {
  std::set<std::string> secrets;
  for (const Finding& finding : findings) {
    if (!finding.secret.empty()) secrets.insert(finding.secret);
  }
  found_ = engine::LiteralSet(std::vector<std::string>(secrets.begin(), secrets.end()));
}

std::string Redactor::mask(std::string_view text) const {
  std::vector<std::pair<std::size_t, std::size_t>> spans = found_.find(text);
  if (context_) {
    // The text, then its suffixes after each separator glued to a word character: in
    // "notes_phx_…" or "m-AKIA…" a rule's leading \b fails, but the key is there all the same.
    std::vector<std::size_t> starts{0};
    for (std::size_t k = 1; k + 1 < text.size() && starts.size() < kMaxSuffixScans; ++k) {
      const char c = text[k];
      if ((c == '_' || c == '-' || c == '.' || c == '=' || c == '+') &&
          std::isalnum(static_cast<unsigned char>(text[k + 1])) != 0) {
        starts.push_back(k + 1);
      }
    }
    std::vector<engine::Match> matches;
    std::lock_guard<std::mutex> guard(lock_);
    for (std::size_t start : starts) {
      matches.clear();
      // A failed scan leaves the matches it made; the found secrets are masked regardless.
      (void)engine::scan_buffer(*context_, text.substr(start), {}, matches);
      for (const engine::Match& match : matches) {
        if (match.secret.empty()) continue;
        const std::size_t begin = start + static_cast<std::size_t>(match.secret_offset);
        spans.emplace_back(begin, std::min(text.size(), begin + match.secret.size()));
      }
    }
  }
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t done = 0;
  for (std::size_t i = 0; i < spans.size();) {
    std::size_t begin = spans[i].first;
    std::size_t end = spans[i].second;
    // Overlapping or touching spans are masked as one.
    for (++i; i < spans.size() && spans[i].first <= end; ++i) end = std::max(end, spans[i].second);
    begin = std::max(begin, done);
    if (begin >= end) continue;
    out.append(text.substr(done, begin - done));
    out += redact(text.substr(begin, end - begin));
    done = end;
  }
  out.append(text.substr(done));
  return out;
}

void Redactor::apply(std::vector<Finding>& findings, std::vector<InputIssue>& issues) const {
  auto masked = [this](std::string& text) {
    if (!text.empty()) text = mask(text);
  };
  for (Finding& finding : findings) {
    for (Location& at : finding.locations) {
      masked(at.path);
      masked(at.key);
      for (std::string& part : at.chain) masked(part);
      if (at.git) {
        masked(at.git->repository);
        masked(at.git->summary);
        masked(at.git->author);
      }
      if (at.image) {
        masked(at.image->image);
      }
    }
  }
  for (InputIssue& issue : issues) {
    masked(issue.path);
    masked(issue.reason);
  }
}

}  // namespace sluice::pipeline

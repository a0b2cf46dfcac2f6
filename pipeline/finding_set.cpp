#include "pipeline/finding_set.hpp"

#include <algorithm>

namespace sluice::pipeline {

FindingSet::FindingSet(std::function<std::string(std::uint32_t)> rule_id_of) : rule_id_of_(std::move(rule_id_of)) {}

void FindingSet::place(const std::string& path, const PlacedMatch& match) {
  std::string key = std::to_string(match.rule);
  key.push_back('\0');
  key += match.secret;
  auto [it, inserted] = index_.try_emplace(std::move(key), findings_.size());
  if (inserted) {
    Finding finding;
    finding.rule = match.rule;
    finding.secret = match.secret;
    finding.fingerprint = fingerprint(rule_id_of_(match.rule), match.secret);
    findings_.push_back(std::move(finding));
  }
  findings_[it->second].locations.push_back(Location{path, match.offset, match.line, match.column});
}

void FindingSet::add(const std::string& path, const std::vector<PlacedMatch>& matches) {
  for (const PlacedMatch& match : matches) place(path, match);
}

void FindingSet::add_scanned(const ContentId& content, const std::string& path, std::vector<PlacedMatch> matches) {
  scanned_.insert(content);
  add(path, matches);
  if (auto pending = pending_duplicates_.find(content); pending != pending_duplicates_.end()) {
    for (const std::string& duplicate : pending->second) add(duplicate, matches);
    pending_duplicates_.erase(pending);
  }
  if (!matches.empty()) matches_by_content_.emplace(content, std::move(matches));
}

void FindingSet::add_duplicate(const ContentId& content, std::string path) {
  if (auto known = matches_by_content_.find(content); known != matches_by_content_.end()) {
    add(path, known->second);
  } else if (scanned_.count(content) == 0) {
    pending_duplicates_[content].push_back(std::move(path));
  }
}

std::vector<Finding> FindingSet::take() {
  for (Finding& finding : findings_) {
    std::sort(finding.locations.begin(), finding.locations.end());
    finding.locations.erase(std::unique(finding.locations.begin(), finding.locations.end()), finding.locations.end());
  }
  std::vector<Finding> out = std::move(findings_);
  findings_.clear();
  index_.clear();
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.rule != b.rule ? a.rule < b.rule : a.secret < b.secret;
  });
  return out;
}

}  // namespace sluice::pipeline

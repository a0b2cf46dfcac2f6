#pragma once
// Merges confirmed matches into findings: one per (rule, secret), every location kept once.
// Inputs with identical bytes are scanned once; their other paths join as aliases and get
// the same locations. No I/O; used from the pipeline's single merge node.

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pipeline/finding.hpp"

namespace sluice::pipeline {

struct ContentId {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  friend bool operator==(const ContentId&, const ContentId&) = default;
};

struct ContentIdHash {
  std::size_t operator()(const ContentId& id) const noexcept { return static_cast<std::size_t>(id.low ^ id.high); }
};

// A confirmed match with its position in one input.
struct PlacedMatch {
  std::uint32_t rule = 0;
  std::string secret;
  std::uint64_t offset = 0;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
};

class FindingSet {
 public:
  // `fingerprint_of(rule)` gives the rule id used for fingerprints.
  explicit FindingSet(std::function<std::string(std::uint32_t)> rule_id_of);

  // Matches of an input without a content id (e.g. standard input).
  void add(const std::string& path, const std::vector<PlacedMatch>& matches);
  // Matches of the first input seen with this content.
  void add_scanned(const ContentId& content, const std::string& path, std::vector<PlacedMatch> matches);
  // An input whose bytes equal an input scanned (or being scanned) under another path.
  void add_duplicate(const ContentId& content, std::string path);

  [[nodiscard]] std::size_t size() const noexcept { return findings_.size(); }
  // Findings with sorted, unique locations, in (rule, secret) order.
  [[nodiscard]] std::vector<Finding> take();

 private:
  void place(const std::string& path, const PlacedMatch& match);

  std::function<std::string(std::uint32_t)> rule_id_of_;
  std::vector<Finding> findings_;
  std::unordered_map<std::string, std::size_t> index_;  // rule index + '\0' + secret
  std::unordered_set<ContentId, ContentIdHash> scanned_;
  std::unordered_map<ContentId, std::vector<PlacedMatch>, ContentIdHash> matches_by_content_;
  std::unordered_map<ContentId, std::vector<std::string>, ContentIdHash> pending_duplicates_;
};

}  // namespace sluice::pipeline

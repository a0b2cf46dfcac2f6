#pragma once
// Merges confirmed matches into findings: one per (rule, secret), every location kept once.
//
// Scanned bytes are identified by content: an input, an archive member, a nested archive or
// an image layer is scanned once per content id and may appear at many places (identical
// files, the same jar in many wars, a base layer shared by many images). The scan records
// each content's own matches and the members it contains; where contents appear is recorded
// separately; locations are resolved when the scan is over. No I/O; used from the pipeline's
// single merge node.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

// The content id of bytes: XXH3-128.
[[nodiscard]] ContentId hash_content(std::string_view bytes) noexcept;

// A confirmed match with its position in one content.
struct PlacedMatch {
  std::uint32_t rule = 0;
  std::string secret;
  std::uint64_t offset = 0;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  engine::Confidence confidence = engine::Confidence::kHigh;
  std::string_view confidence_reason{};  // static string (engine::Match)
  engine::DecodeChain decodings{};       // found in decoded bytes: the encoded span's offset
  std::uint64_t encoded_end = 0;         // and end (decoded matches only)
  bool rule_decoded = false;             // the rule decoded its own value (engine::Match)
  std::string key{};                     // the name the value is assigned to, if the rule tells
  bool from_state = false;               // found by an earlier run (--state), not read again now
  // Found in one byte range of a file cut for shards (ShardPlan::Split): the range, and its line
  // and column as placed from the range's start (sluice merge completes them: `line` counts
  // from 1 at the range's start and may be below it, wrapping; the column is final only when a
  // newline before the match was in the range's bytes).
  std::int64_t range = -1;
  bool column_known = true;
};

// A member of an archive content that has findings, or may have (its content was scanned
// elsewhere).
struct ChildRef {
  std::string name;
  ContentId id;
};

// What scanning one content found.
struct ContentRecord {
  ContentId id;
  std::vector<PlacedMatch> matches;
  std::vector<ChildRef> children;
  std::vector<std::string> whiteouts;  // of a container layer
};

// A container image: where its config and layers are, in order.
struct ImageRecord {
  struct Blob {
    std::string digest;
    std::vector<std::string> chain;  // where the blob was read for this image
    ContentId id;
  };
  std::string name;
  std::optional<Blob> config;
  std::vector<Blob> layers;  // bottom first
};

class FindingSet {
 public:
  // `rule_id_of(rule)` gives the rule id used for fingerprints; `yields(loser, winner)` says
  // whether a match of `loser` overlapping one of `winner` in the same content is dropped
  // (generic rules yield to vendor rules). A match in decoded bytes and a plain one yield only
  // when they are of the same rule (the decoded copy is dropped).
  explicit FindingSet(std::function<std::string(std::uint32_t)> rule_id_of,
                      std::function<bool(std::uint32_t, std::uint32_t)> yields = {});

  // Matches placed directly at `chain` (rules on the path alone, inputs without content id).
  void add(const std::vector<std::string>& chain, std::vector<PlacedMatch> matches);
  // The outcome of scanning a content (recorded once per content id).
  void add_content(ContentRecord record);
  // Content `id` is the input at `chain` (its members are found through its record).
  void add_root(std::vector<std::string> chain, const ContentId& id);
  void add_image(ImageRecord image);
  // Content `id` is a git blob at `chain` (the path in a commit first) in the history `git`.
  // Call after every add_content: only contents recorded with something to report are kept.
  void add_git_root(std::vector<std::string> chain, const ContentId& id, GitRef git);
  // Whether content `id` was recorded with something to report.
  [[nodiscard]] bool reports(const ContentId& id) const { return contents_.count(id) != 0; }

  // Findings with sorted, unique locations, in (rule, secret) order.
  [[nodiscard]] std::vector<Finding> take();

 private:
  struct ImageContext;
  void drop_yielding(std::vector<PlacedMatch>& matches) const;
  struct Root {
    std::vector<std::string> chain;
    ContentId id;
    std::optional<GitRef> git;
  };
  void place(const std::vector<std::string>& chain, const PlacedMatch& match, const std::optional<ImageRef>& image,
             const std::optional<GitRef>& git);
  void emit(std::vector<std::string>& chain, const ContentId& id, const ImageContext* image, std::size_t layer_depth,
            const std::optional<GitRef>& git, std::vector<ContentId>& stack);

  std::function<std::string(std::uint32_t)> rule_id_of_;
  std::function<bool(std::uint32_t, std::uint32_t)> yields_;
  std::vector<Finding> findings_;
  std::unordered_map<std::string, std::size_t> index_;                    // rule index + '\0' + secret
  std::unordered_map<ContentId, ContentRecord, ContentIdHash> contents_;  // those with anything to report
  std::unordered_set<ContentId, ContentIdHash> completed_;                // every content scanned
  std::vector<Root> roots_;                                               // of contents in contents_
  std::unordered_map<ContentId, std::vector<std::vector<std::string>>, ContentIdHash> pending_roots_;
  std::vector<ImageRecord> images_;
  std::unordered_set<std::string> image_blobs_;  // joined chains of image layers and configs
};

}  // namespace sluice::pipeline

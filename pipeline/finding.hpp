#pragma once
// A finding: one (rule, secret) pair with every place it was seen.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decoders.hpp"
#include "engine/rule.hpp"

namespace sluice::pipeline {

// Where a secret sits in a container image.
struct ImageRef {
  std::string image;             // tag, else manifest digest
  std::string layer;             // layer digest; empty for the image config
  std::string deleted_in_layer;  // a later layer whites the file out (it is still distributed)

  friend bool operator==(const ImageRef&, const ImageRef&) = default;
  friend auto operator<=>(const ImageRef&, const ImageRef&) = default;
};

// Where a secret sits in the history of a git repository.
struct GitRef {
  std::string repository;  // the repository as found by the walk, without a trailing "/.git"
  std::string commit;      // hex id of the first commit holding the blob; empty: in no commit
  std::string author;      // "Name <email>"
  std::string date;        // author date, ISO 8601
  std::string summary;     // first line of the commit message
  std::string blob;        // hex object id
  bool staged = false;     // in the index only (commit empty)

  friend bool operator==(const GitRef&, const GitRef&) = default;
  friend auto operator<=>(const GitRef&, const GitRef&) = default;
};

// Where a location found in a byte range of a file cut for shards sits, until sluice merge
// completes its line and column (PlacedMatch::range).
struct SplitPlace {
  std::uint32_t range = 0;
  bool column_known = true;

  friend bool operator==(const SplitPlace&, const SplitPlace&) = default;
  friend auto operator<=>(const SplitPlace&, const SplitPlace&) = default;
};

struct Location {
  std::string path;                // the chain joined with '!': "outer.tar.gz!inner.zip!dir/file"
  std::vector<std::string> chain;  // the input, then each archive member down to the content (one
                                   // part for a plain file)
  std::uint64_t offset = 0;        // byte offset of the secret in the innermost content
  std::uint64_t line = 0;          // 1-based
  std::uint64_t column = 0;        // 1-based, in bytes
  std::optional<ImageRef> image;
  std::optional<GitRef> git;  // then chain[0] (and path) starts with the path in the commit
  // Found in decoded bytes: the decodings applied, outermost first ("base64", "utf-16le"); the
  // offset, line and column are those of the encoded text.
  std::vector<std::string> decoders;
  // The name the secret is assigned to where the rule reads one: a Kubernetes Secret's data
  // key, a registry in a Docker config. Empty otherwise.
  std::string key{};
  std::optional<SplitPlace> split{};  // a shard's report only

  friend bool operator==(const Location&, const Location&) = default;
  friend auto operator<=>(const Location&, const Location&) = default;
};

// What the vendor said of a secret (`--validate`, `sluice validate`).
struct Validation {
  enum class Status : std::uint8_t { kValid, kInvalid, kUnknown };
  Status status = Status::kUnknown;
  long http_status = 0;    // of the answer that decided; 0: none
  std::string checked_at;  // UTC, ISO 8601
  // unknown: why (timeout, network, rate-limited, server-error, redirect, unexpected-status,
  // unsupported, no-pair, redacted, dry-run); else the host that answered.
  std::string detail;

  friend bool operator==(const Validation&, const Validation&) = default;
};

[[nodiscard]] std::string_view to_string(Validation::Status status) noexcept;
[[nodiscard]] std::optional<Validation::Status> parse_validation_status(std::string_view text) noexcept;
// Unix seconds as Validation::checked_at writes them: "2026-12-07T22:36:18Z".
[[nodiscard]] std::string utc_timestamp(std::int64_t unix_seconds);

struct Finding {
  std::uint32_t rule = 0;  // index into the compiled rule set
  std::string secret;
  std::string fingerprint;
  std::vector<Location> locations;  // sorted, unique
  // An attribute of (rule, secret), not part of its identity: baselines and dedup ignore it.
  engine::Confidence confidence = engine::Confidence::kHigh;
  std::string_view confidence_reason{};  // "checksum", "placeholder", "low-entropy"; empty unless low
  // The secret's size in bytes when `secret` holds its masked form instead (a merge of reports
  // written with --redact); 0 otherwise.
  std::uint64_t masked_size = 0;
  // Seen in content this run read (not only in content an earlier run's --state gave).
  bool fresh = false;
  // Set by --validate; an attribute like confidence, not part of the identity.
  std::optional<Validation> validation{};
};

// Stable identifier of (rule id, secret): hex XXH3-128. Baselines can store it instead of
// the secret.
[[nodiscard]] std::string fingerprint(std::string_view rule_id, std::string_view secret);

// "a!b!c" for the chain {"a", "b", "c"}.
[[nodiscard]] std::string join_chain(const std::vector<std::string>& chain);

// `text` (cut at `limit` bytes) with newlines, tabs, other control bytes and backslashes escaped
// (\n, \x1b, \\), bytes that are not UTF-8 as \xNN, and the characters that would make a name
// look like another (C1 controls, bidirectional and invisible formatting marks) as \u{202e}:
// for one-line messages and the text report, where they would break the layout, drive a
// terminal or reorder what is shown.
[[nodiscard]] std::string printable(std::string_view text, std::size_t limit = 4096);

// A location's chain for the text report: each part printable(), with a '!' inside a name
// escaped as "\!", joined with '!' (so a file named "a.zip!b" never reads like member b of a.zip).
[[nodiscard]] std::string printable_chain(const std::vector<std::string>& chain, std::size_t limit = 4096);

// A confidence reason read back from a report or the state file, as a view that lives as long
// as the process (Finding and PlacedMatch hold reasons as string_views). Thread-safe.
[[nodiscard]] std::string_view interned_reason(std::string_view reason);

// What reports show instead of the secret under --redact.
[[nodiscard]] std::string redact(std::string_view secret);

}  // namespace sluice::pipeline

#pragma once
// A rule is a detector card: the pattern that finds a credential plus everything a
// person needs to judge and fix a leak of it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::engine {

enum class Severity : std::uint8_t { kInfo = 0, kLow, kMedium, kHigh, kCritical };

[[nodiscard]] std::string_view to_string(Severity severity) noexcept;
[[nodiscard]] std::optional<Severity> parse_severity(std::string_view text) noexcept;

// How sure a finding is. High: a verified checksum, or a distinctive prefix with the exact
// length and alphabet. Medium: a context rule (the value is recognised by the name or the
// syntax around it) whose value passes its filters. Low: a match whose value fails a
// filter (a failed checksum, a documented placeholder, too little entropy): still a match,
// reported only at --min-confidence low.
enum class Confidence : std::uint8_t { kLow = 0, kMedium, kHigh };

[[nodiscard]] std::string_view to_string(Confidence confidence) noexcept;
[[nodiscard]] std::optional<Confidence> parse_confidence(std::string_view text) noexcept;

// gitleaks' [[rules.allowlists]]: a finding is dropped when the allowlist matches.
struct Allowlist {
  enum class Target : std::uint8_t { kSecret, kMatch, kLine };
  enum class Condition : std::uint8_t { kOr, kAnd };
  std::string description;
  std::vector<std::string> regexes;
  Target regex_target = Target::kSecret;
  std::vector<std::string> stopwords;
  std::vector<std::string> paths;
  Condition condition = Condition::kOr;
  friend bool operator==(const Allowlist&, const Allowlist&) = default;
};

struct RuleExample {
  std::string text;
  std::string secret;
  friend bool operator==(const RuleExample&, const RuleExample&) = default;
};

// How to ask the vendor whether a secret still works (`sluice scan --validate`): one
// read-only request to the vendor's own host. `{secret}` (the finding's secret), `{key}` (the
// secret of the `pair` rule's finding in the same content, for secrets that need an id beside
// them) and `{region}` (each of `regions` in turn) are filled in; the host is fixed by the card,
// with `{region}` as its only variable part.
struct ValidationSpec {
  std::string url;                   // https://host/path?query
  std::vector<std::string> regions;  // values of {region} in the host, tried in order
  std::string method = "GET";        // GET or POST
  std::vector<std::string> headers;  // "Name: value"
  std::string user;                  // HTTP Basic (or the SigV4 key id)
  std::string password;
  std::string aws_sigv4;  // "aws:amz:REGION:SERVICE": signed by libcurl with user and password
  std::string pair;       // a rule whose finding gives {key}
  std::string body;       // POST only
  std::vector<int> valid;
  std::vector<int> invalid;
  std::string valid_body;                 // a valid status counts only with this in the body (else unknown)
  std::vector<std::string> invalid_body;  // an answer with one of these in its body is invalid
  friend bool operator==(const ValidationSpec&, const ValidationSpec&) = default;
};

struct Rule {
  // gitleaks-compatible fields.
  std::string id;
  std::string description;
  std::string regex;
  int secret_group = 0;  // 0: the single capture group if there is one, else the whole match
  double entropy = 0.0;  // minimum Shannon entropy (bits per byte) of the secret; 0 = off
  std::vector<std::string> keywords;
  std::string path;  // optional regex on the input path
  std::vector<std::string> tags;
  std::vector<Allowlist> allowlists;

  // Detector card.
  std::string name;
  std::string vendor;
  std::string family;
  Severity severity = Severity::kMedium;
  std::vector<std::string> security;
  std::vector<std::string> mitigation;
  std::vector<std::string> references;
  std::vector<RuleExample> examples;
  std::vector<std::string> negative_examples;
  bool placeholder_filter = true;  // drop EXAMPLE/xxxx/${VAR}-like secrets
  bool prefilter = false;          // compile as a Hyperscan prefilter; RE2 alone decides
  // Precedence between rules that find overlapping secrets in the same input: a fallback
  // rule (the generic family) yields to every other rule; a rule yields to the rules that
  // name it in `overrides` (a more specific format of the same secret).
  bool fallback = false;
  std::vector<std::string> overrides;
  bool enabled = true;  // false: loaded but off unless `--enable` names it, its family or a tag
  // A checksum the vendor builds into the token, verified before reporting: "github-crc32"
  // (the last 6 base62 characters are the CRC32 of the 30 before them). Empty: none.
  std::string checksum;
  // The confidence of a match that passes every filter; unset: derived (base_confidence).
  std::optional<Confidence> confidence;
  // Why every match need not contain a literal of 3+ bytes (literal_anchors() finds none):
  // `rules check` asks a built-in card without an anchor to say so here.
  std::string no_anchor;
  // "base64": the secret is a base64 value a format names as such (a Docker config's auth, a
  // Kubernetes Secret's data, a Basic header): it is reported decoded, as user:password or the
  // value itself, when it decodes to text; else as it stands. Empty: reported as matched.
  std::string decode;
  // A match that contains an earlier match of the rule but holds a later secret (one starting
  // after that match ends) is reported as well: each value of a Kubernetes Secret's data,
  // every one matched from its `kind: Secret`. Off: matches of a rule never overlap.
  bool each_secret = false;
  // How `--validate` checks a secret of this rule; none: the rule does not validate.
  std::optional<ValidationSpec> validation;

  std::string origin;  // "builtin:posthog.toml" or the --rules path, for messages

  friend bool operator==(const Rule&, const Rule&) = default;
};

// The confidence of the rule's matches that pass every filter: the card's `confidence` when
// set; else high for a rule with a checksum, or whose regex has nothing but boundaries and
// separators before the secret's capture group (a prefix rule: `\b(phx_...)`); medium for
// the others (context rules: `datadog_api_key = (...)`, connection strings, credential
// files) and for the fallback (generic) family.
[[nodiscard]] Confidence base_confidence(const Rule& rule);

// Card fields missing from a rule; empty when the card is complete.
[[nodiscard]] std::vector<std::string> missing_card_fields(const Rule& rule);

}  // namespace sluice::engine

#pragma once
// The immutable, thread-shared form of a rule set: one Hyperscan streaming database for
// every rule plus the RE2 programs that confirm a hit and extract its secret.

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hs_handles.hpp"
#include "engine/rule.hpp"
#include "engine/rule_loader.hpp"

namespace sluice::engine {

// Bytes after a hit that its confirmation sees (the rest of the secret's line, for inline
// allow markers and line allowlists). A hit is confirmed only once they have been fed (or the
// stream ended), so results never depend on where chunks or segments are cut.
inline constexpr std::size_t kFollowingContext = 512;

// Confirmation never looks further back than this from a hit, whatever the pattern.
inline constexpr std::size_t kMaxConfirmWindow = 16 * 1024;

struct CompiledAllowlist {
  const Allowlist* source = nullptr;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<std::unique_ptr<RE2>> paths;
};

struct CompiledRule {
  const Rule* rule = nullptr;
  std::unique_ptr<RE2> path;                  // optional path filter
  std::size_t window = 0;                     // bytes of look-back confirmation needs
  bool prefilter = false;                     // Hyperscan runs an approximation; RE2 decides
  bool unbounded = false;                     // pattern width unbounded: window capped at kMaxConfirmWindow
  Confidence confidence = Confidence::kHigh;  // of a match that passes every filter
  std::vector<CompiledAllowlist> allowlists;

  // The rule regex anchored at the end of its window, and the secret's RE2 group (0: the whole
  // match, -1: the first non-empty group). Built on first use (thread-safe) when the rules
  // came with a matching precompiled database: the built-in catalog's regexes were compiled
  // when it was built, and most rules never hit, so start-up skips them. Otherwise compile()
  // builds them all, and a regex RE2 rejects is an error there. Only for rules with a regex.
  [[nodiscard]] const RE2& confirm() const;
  [[nodiscard]] int secret_group() const;
  // The RE2 group named `key` (`(?P<key>...)`: the name a value is assigned to, reported with
  // it), or 0 when the regex names none. Never taken as the secret.
  [[nodiscard]] int key_group() const;

 private:
  friend class CompiledRules;
  void build() const;  // throws RuleError
  struct Lazy {
    std::once_flag once;
    std::unique_ptr<RE2> confirm;
    int secret_group = 0;
    int key_group = 0;
  };
  std::unique_ptr<Lazy> lazy_ = std::make_unique<Lazy>();
};

// A serialized Hyperscan database made ahead of time (the built-in catalog is compiled at
// build time), usable when its key equals the key of the rules being compiled; and what
// Hyperscan said of each rule's regex (`hs_expression_info`: its width, whether it needs a
// prefilter), usable when `probes_key` equals the probes key of those rules.
struct PrecompiledDatabase {
  std::string_view key;
  std::string_view bytes;
  std::string_view probes_key;
  std::string_view probes;
};

class CompiledRules {
 public:
  // Compiles the rules (throws RuleError naming the rule on any failure). A precompiled
  // database whose key matches replaces the Hyperscan compilation; one that cannot be loaded
  // (another library version or CPU) is ignored.
  [[nodiscard]] static std::shared_ptr<const CompiledRules> compile(RuleSet rules,
                                                                    const PrecompiledDatabase* precompiled = nullptr);

  // Identifies the Hyperscan input (expressions, flags, ids, library version).
  [[nodiscard]] const std::string& database_key() const noexcept { return database_key_; }
  // The database, serialized (empty when there is none).
  [[nodiscard]] std::string serialize_database() const;
  // Identifies what the per-rule probes saw (each rule's regex and prefilter setting, library
  // version), and the probes' results, serialized.
  [[nodiscard]] const std::string& probes_key() const noexcept { return probes_key_; }
  [[nodiscard]] std::string serialize_probes() const;
  [[nodiscard]] bool loaded_probes() const noexcept { return loaded_probes_; }
  [[nodiscard]] bool loaded_precompiled() const noexcept { return loaded_precompiled_; }

  [[nodiscard]] const std::vector<Rule>& rules() const noexcept { return set_.rules; }
  // Identifies the catalog: every card and allowlist as the codec writes them (hex XXH3-128).
  // Reports that sluice merge joins must come from the same catalog.
  [[nodiscard]] std::string catalog_hash() const;
  [[nodiscard]] const CompiledRule& compiled(std::size_t index) const noexcept { return compiled_[index]; }
  [[nodiscard]] std::size_t size() const noexcept { return compiled_.size(); }
  [[nodiscard]] const std::vector<CompiledAllowlist>& global_allowlists() const noexcept { return global_allowlists_; }
  // nullptr when no rule has a regex (path-only rule sets).
  [[nodiscard]] const hs_database_t* database() const noexcept { return database_.get(); }
  // Largest look-back any rule needs, plus one byte of context for \b.
  [[nodiscard]] std::size_t max_window() const noexcept { return max_window_; }
  // Bytes of earlier content that confirming a hit may need: what a chunk keeps of the one
  // before it, and what parallel segments of one input share. The one place it is computed.
  [[nodiscard]] std::size_t required_overlap() const noexcept { return max_window_ + kFollowingContext + 1; }
  // Rules that match on the path alone (gitleaks rules with `path` and no `regex`).
  [[nodiscard]] const std::vector<std::size_t>& path_only_rules() const noexcept { return path_only_; }
  [[nodiscard]] std::size_t prefilter_count() const noexcept;
  // True when a finding of rule `loser` that overlaps one of rule `winner` in the same input
  // is dropped (`loser` is a fallback and `winner` is not, or `winner` overrides `loser`).
  [[nodiscard]] bool yields(std::uint32_t loser, std::uint32_t winner) const noexcept;

 private:
  CompiledRules() = default;

  RuleSet set_;
  std::vector<CompiledRule> compiled_;
  std::vector<CompiledAllowlist> global_allowlists_;
  std::vector<std::size_t> path_only_;
  HsDatabase database_;
  std::string database_key_;
  bool loaded_precompiled_ = false;
  std::string probes_key_;
  bool loaded_probes_ = false;
  std::size_t max_window_ = 1;
  std::vector<std::vector<std::uint32_t>> overridden_;  // per rule: the rules it overrides, sorted
};

// RE2 options shared by every rule program: bytes (Latin-1), quiet.
[[nodiscard]] RE2::Options rule_re2_options();

}  // namespace sluice::engine

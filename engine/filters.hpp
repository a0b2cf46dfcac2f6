#pragma once
// Post-confirmation filters: entropy floors, placeholder values and gitleaks allowlists.

#include <string_view>
#include <vector>

#include "engine/compiled_rules.hpp"

namespace sluice::engine {

// Shannon entropy of the byte distribution, in bits per byte.
[[nodiscard]] double shannon_entropy(std::string_view text) noexcept;

// Values people put in docs and templates instead of a real secret: EXAMPLE, xxxx,
// ${VAR}, {{ var }}, <your-key>, long runs of one character, counting sequences.
[[nodiscard]] bool looks_like_placeholder(std::string_view secret) noexcept;

// GitHub's token checksum: the last 6 characters are the base62 CRC32 of the 30 characters
// between the prefix's '_' and them.
[[nodiscard]] bool github_checksum_ok(std::string_view token) noexcept;

// An inline marker on the line of a finding that says the value is known and accepted:
// `sluice:allow`, and for teams migrating, gitleaks' `gitleaks:allow` and detect-secrets'
// `pragma: allowlist secret`.
[[nodiscard]] bool has_inline_allow(std::string_view line) noexcept;

struct AllowlistSubject {
  std::string_view secret;
  std::string_view match;
  std::string_view line;
  std::string_view path;
};

[[nodiscard]] bool allowlisted(const CompiledAllowlist& list, const AllowlistSubject& subject);
[[nodiscard]] bool allowlisted(const std::vector<CompiledAllowlist>& lists, const AllowlistSubject& subject);

}  // namespace sluice::engine

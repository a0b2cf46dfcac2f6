#pragma once
// A finding: one (rule, secret) pair with every place it was seen.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::pipeline {

struct Location {
  std::string path;
  std::uint64_t offset = 0;  // byte offset of the secret
  std::uint64_t line = 0;    // 1-based
  std::uint64_t column = 0;  // 1-based, in bytes

  friend bool operator==(const Location&, const Location&) = default;
  friend auto operator<=>(const Location&, const Location&) = default;
};

struct Finding {
  std::uint32_t rule = 0;  // index into the compiled rule set
  std::string secret;
  std::string fingerprint;
  std::vector<Location> locations;  // sorted, unique
};

// Stable identifier of (rule id, secret): hex XXH3-128. Baselines can store it instead of
// the secret.
[[nodiscard]] std::string fingerprint(std::string_view rule_id, std::string_view secret);

// What reports show instead of the secret under --redact.
[[nodiscard]] std::string redact(std::string_view secret);

}  // namespace sluice::pipeline

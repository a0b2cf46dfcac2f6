#pragma once
// Fake, format-valid PostHog keys generated for tests (never real credentials).

#include <cstdint>
#include <random>
#include <string>

namespace sluice::testing {

inline constexpr const char* kBase62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr const char* kBase57 = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

// Random body of `length` characters from `alphabet`, re-drawn until no placeholder marker
// (a run of 4 equal characters, "xxxx", "example") can trip the filters.
inline std::string random_body(std::mt19937_64& rng, std::size_t length, const std::string& alphabet) {
  for (;;) {
    std::string body;
    for (std::size_t i = 0; i < length; ++i) body.push_back(alphabet[rng() % alphabet.size()]);
    bool ok = true;
    for (std::size_t i = 3; i < body.size() && ok; ++i) {
      ok = !(body[i] == body[i - 1] && body[i] == body[i - 2] && body[i] == body[i - 3]);
    }
    std::string lower = body;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ok && lower.find("xxxx") == std::string::npos && lower.find("example") == std::string::npos &&
        lower.find("abcdefg") == std::string::npos) {
      return body;
    }
  }
}

// A personal key of one of the three eras: 0 (41-43 base62), 1 (45-48 base62), 2 (49 base57).
inline std::string personal_key(std::mt19937_64& rng, int era) {
  switch (era) {
    case 0:
      return "phx_" + random_body(rng, 41 + rng() % 3, kBase62);
    case 1:
      return "phx_" + random_body(rng, 45 + rng() % 4, kBase62);
    default:
      return "phx_" + random_body(rng, 49, kBase57);
  }
}

}  // namespace sluice::testing

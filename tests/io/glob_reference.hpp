#pragma once
// The backtracking glob matcher io/path_filter used before it translated globs into RE2 (kept
// verbatim as the reference the translation must agree with, on inputs small enough for its
// exponential worst case). Test and fuzz code only.

#include <string_view>

namespace sluice::io::reference {

// Matches a bracket class at pattern[p] ('[' ... ']') against c; sets `end` past the ']'.
// Returns false with end = npos when the class is not closed (then '[' is a literal).
inline bool reference_class_match(std::string_view pattern, std::size_t p, char c, std::size_t& end) noexcept {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  for (; i < pattern.size(); ++i) {
    if (pattern[i] == ']' && !first) {
      end = i + 1;
      return matched != negate && c != '/';
    }
    first = false;
    char low = pattern[i];
    if (low == '\\' && i + 1 < pattern.size()) low = pattern[++i];
    char high = low;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      high = pattern[i + 2];
      i += 2;
    }
    if (c >= low && c <= high) matched = true;
  }
  end = std::string_view::npos;
  return false;
}

inline bool reference_match_from(std::string_view pattern, std::size_t p, std::string_view path,
                                 std::size_t s) noexcept {
  while (p < pattern.size()) {
    const char c = pattern[p];
    if (c == '*') {
      if (p + 1 < pattern.size() && pattern[p + 1] == '*') {
        // "**": any run of characters, '/' included. "**/" may also match nothing.
        std::size_t next = p + 2;
        if (next < pattern.size() && pattern[next] == '/') {
          if (reference_match_from(pattern, next + 1, path, s)) return true;
        }
        for (std::size_t k = s; k <= path.size(); ++k) {
          if (reference_match_from(pattern, next, path, k)) return true;
        }
        return false;
      }
      for (std::size_t k = s; k <= path.size(); ++k) {
        if (reference_match_from(pattern, p + 1, path, k)) return true;
        if (k < path.size() && path[k] == '/') break;
      }
      return false;
    }
    if (s >= path.size()) return false;
    if (c == '?') {
      if (path[s] == '/') return false;
    } else if (c == '[') {
      std::size_t end = 0;
      const bool ok = reference_class_match(pattern, p, path[s], end);
      if (end != std::string_view::npos) {
        if (!ok) return false;
        p = end;
        ++s;
        continue;
      }
      if (path[s] != '[') return false;
    } else if (c == '\\' && p + 1 < pattern.size()) {
      ++p;
      if (path[s] != pattern[p]) return false;
    } else if (path[s] != c) {
      return false;
    }
    ++p;
    ++s;
  }
  return s == path.size();
}

inline bool glob_match(std::string_view pattern, std::string_view path) noexcept {
  return reference_match_from(pattern, 0, path, 0);
}

}  // namespace sluice::io::reference

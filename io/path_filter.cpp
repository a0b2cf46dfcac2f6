#include "io/path_filter.hpp"

namespace sluice::io {
namespace {

// Matches a bracket class at pattern[p] ('[' ... ']') against c; sets `end` past the ']'.
// Returns false with end = npos when the class is not closed (then '[' is a literal).
bool class_match(std::string_view pattern, std::size_t p, char c, std::size_t& end) noexcept {
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

bool match_from(std::string_view pattern, std::size_t p, std::string_view path, std::size_t s) noexcept {
  while (p < pattern.size()) {
    const char c = pattern[p];
    if (c == '*') {
      if (p + 1 < pattern.size() && pattern[p + 1] == '*') {
        // "**": any run of characters, '/' included. "**/" may also match nothing.
        std::size_t next = p + 2;
        if (next < pattern.size() && pattern[next] == '/') {
          if (match_from(pattern, next + 1, path, s)) return true;
        }
        for (std::size_t k = s; k <= path.size(); ++k) {
          if (match_from(pattern, next, path, k)) return true;
        }
        return false;
      }
      for (std::size_t k = s; k <= path.size(); ++k) {
        if (match_from(pattern, p + 1, path, k)) return true;
        if (k < path.size() && path[k] == '/') break;
      }
      return false;
    }
    if (s >= path.size()) return false;
    if (c == '?') {
      if (path[s] == '/') return false;
    } else if (c == '[') {
      std::size_t end = 0;
      const bool ok = class_match(pattern, p, path[s], end);
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

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) noexcept { return match_from(pattern, 0, path, 0); }

void PathFilter::add_exclude(std::string_view line, std::string origin) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return;
  Pattern pattern;
  pattern.text = std::string(line);
  pattern.origin = std::move(origin);
  if (line.front() == '!') {
    pattern.negated = true;
    line.remove_prefix(1);
  } else if (line.size() > 1 && line[0] == '\\' && (line[1] == '!' || line[1] == '#')) {
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    pattern.directory_only = true;
    line.remove_suffix(1);
  }
  pattern.anchored = line.find('/') != std::string_view::npos;
  if (!line.empty() && line.front() == '/') line.remove_prefix(1);
  if (line.empty()) return;
  pattern.glob = std::string(line);
  excludes_.push_back(std::move(pattern));
}

void PathFilter::add_include(std::string_view glob) {
  glob = trim(glob);
  if (glob.empty()) return;
  Pattern pattern;
  pattern.text = std::string(glob);
  pattern.origin = "--include";
  pattern.anchored = glob.find('/') != std::string_view::npos;
  if (glob.front() == '/') glob.remove_prefix(1);
  pattern.glob = std::string(glob);
  includes_.push_back(std::move(pattern));
}

bool PathFilter::matches(const Pattern& pattern, std::string_view relative, bool directory) {
  if (pattern.directory_only && !directory) return false;
  if (pattern.anchored) return glob_match(pattern.glob, relative);
  const std::size_t slash = relative.rfind('/');
  return glob_match(pattern.glob, slash == std::string_view::npos ? relative : relative.substr(slash + 1));
}

bool PathFilter::excluded(std::string_view relative, bool directory) {
  // The last matching exclude pattern decides (gitignore); a re-included path goes on to
  // the include check.
  for (auto it = excludes_.rbegin(); it != excludes_.rend(); ++it) {
    if (!matches(*it, relative, directory)) continue;
    ++it->hits;
    if (!it->negated) return true;
    break;
  }
  if (directory || includes_.empty()) return false;
  for (Pattern& include : includes_) {
    if (matches(include, relative, false)) {
      ++include.hits;
      return false;
    }
  }
  return true;
}

const std::vector<std::string>& default_excludes() {
  static const std::vector<std::string> kList = {
      // Lock files: integrity hashes and resolved URLs, never hand-written secrets.
      "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "Cargo.lock",
      "poetry.lock", "Pipfile.lock", "composer.lock", "Gemfile.lock", "go.sum", "gradle.lockfile",
      "packages.lock.json", "mix.lock", "pubspec.lock", "flake.lock",
      // Not minified bundles or source maps: a key built into a client bundle ships to every
      // browser, one of the commonest real leaks.
      // Test fixtures of vendored dependencies (their own fake keys).
      "**/node_modules/**/test/", "**/node_modules/**/tests/", "**/node_modules/**/__tests__/", "**/node_modules/**/fixtures/",
      "**/node_modules/**/*.test.js", "**/node_modules/**/*.spec.js",
      "**/vendor/**/testdata/", "**/vendor/**/test/"};
  return kList;
}

}  // namespace sluice::io

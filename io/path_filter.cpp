#include "io/path_filter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bitset>
#include <utility>
#include <vector>

namespace sluice::io {
namespace {

// Globs are translated once into RE2 regular expressions: RE2 matches in time linear in the
// path whatever the pattern, where a backtracking matcher takes exponential time on patterns
// such as `*a*a*a*a*b` (and patterns come from .sluiceignore files in scanned trees).

// Appends byte `c` as a regex literal: letters and digits as they are, anything else as
// \x{HH} (Latin-1 mode: one code point per byte, so any byte, even one that is not UTF-8).
void append_literal(std::string& out, char c) {
  const auto byte = static_cast<unsigned char>(c);
  if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9')) {
    out += c;
  } else {
    out += fmt::format("\\x{{{:02x}}}", byte);
  }
}

// The bracket class at pattern[p] ('[' ... ']') as the set of bytes it matches; `end` is set
// past the ']'. False when the class is not closed (then '[' is a literal). A leading '!' or
// '^' negates, a ']' first is literal, '\' escapes the next character, `a-z` is a range
// (compared as `char`, as the matcher this replaces did), and '/' never matches.
bool class_set(std::string_view pattern, std::size_t p, std::bitset<256>& set, std::size_t& end) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  std::vector<std::pair<char, char>> ranges;
  bool first = true;
  for (; i < pattern.size(); ++i) {
    if (pattern[i] == ']' && !first) {
      end = i + 1;
      for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        const bool in_range = std::any_of(ranges.begin(), ranges.end(),
                                          [c](const auto& range) { return c >= range.first && c <= range.second; });
        set[static_cast<std::size_t>(b)] = in_range != negate && c != '/';
      }
      return true;
    }
    first = false;
    char low = pattern[i];
    if (low == '\\' && i + 1 < pattern.size()) low = pattern[++i];
    char high = low;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      high = pattern[i + 2];
      i += 2;
    }
    ranges.emplace_back(low, high);
  }
  return false;
}

void append_class(std::string& out, const std::bitset<256>& set) {
  if (set.none()) {
    out += "[^\\x00-\\x{ff}]";  // matches nothing, like an empty range such as [z-a]
    return;
  }
  out += '[';
  for (std::size_t b = 0; b < 256; ++b) {
    if (!set[b]) continue;
    std::size_t last = b;
    while (last + 1 < 256 && set[last + 1]) ++last;
    out += fmt::format("\\x{{{:02x}}}", b);
    if (last > b) out += fmt::format("-\\x{{{:02x}}}", last);
    b = last;
  }
  out += ']';
}

RE2::Options glob_options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);  // paths are bytes
  options.set_dot_nl(true);                            // a name may hold '\n'
  options.set_log_errors(false);
  return options;
}

// The regex of `glob`, and in `literal` its longest run of literal characters (every path it
// matches contains that run: a cheap test that spares RE2 most paths).
std::string translate(std::string_view glob, std::string& literal) {
  std::string out;
  std::string run;
  auto end_run = [&] {
    if (run.size() > literal.size()) literal = run;
    run.clear();
  };
  auto add_literal = [&](char c) {
    append_literal(out, c);
    run += c;
  };
  std::size_t p = 0;
  while (p < glob.size()) {
    const char c = glob[p];
    if (c == '*') {
      end_run();
      if (p + 1 < glob.size() && glob[p + 1] == '*') {
        // "**": any run of characters, '/' included; "**/" may also match nothing.
        const std::size_t next = p + 2;
        if (next < glob.size() && glob[next] == '/') {
          out += "(?:.*/)?";
          p = next + 1;
        } else {
          out += ".*";
          p = next;
        }
        continue;
      }
      out += "[^/]*";
    } else if (c == '?') {
      end_run();
      out += "[^/]";
    } else if (c == '[') {
      std::bitset<256> set;
      std::size_t end = 0;
      if (class_set(glob, p, set, end)) {
        end_run();
        append_class(out, set);
        p = end;
        continue;
      }
      add_literal(c);
    } else if (c == '\\' && p + 1 < glob.size()) {
      add_literal(glob[++p]);
    } else {
      add_literal(c);
    }
    ++p;
  }
  end_run();
  return out;
}

std::shared_ptr<const RE2> compile_glob(std::string_view glob, std::string& literal) {
  auto regex = std::make_shared<const RE2>(translate(glob, literal), glob_options());
  if (!regex->ok()) return nullptr;
  return regex;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

}  // namespace

std::string glob_to_regex(std::string_view glob) {
  std::string literal;
  return translate(glob, literal);
}

bool glob_match(std::string_view pattern, std::string_view path) {
  std::string literal;
  const auto regex = compile_glob(pattern, literal);
  // The same two steps as PathFilter, so that tests and fuzz_glob check the literal test too.
  if (regex == nullptr || path.find(literal) == std::string_view::npos) return false;
  return RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *regex);
}

bool PathFilter::add_exclude(std::string_view line, std::string origin, bool from_content) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return true;
  if (line.size() > kMaxPatternLength) return false;
  Pattern pattern;
  pattern.text = std::string(line);
  pattern.origin = std::move(origin);
  pattern.from_content = from_content;
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
  if (line.empty()) return true;
  pattern.glob = std::string(line);
  pattern.regex = compile_glob(pattern.glob, pattern.literal);
  if (pattern.regex == nullptr) return false;
  any_from_content_ = any_from_content_ || from_content;
  excludes_.push_back(std::move(pattern));
  return true;
}

bool PathFilter::add_include(std::string_view glob) {
  glob = trim(glob);
  if (glob.empty()) return true;
  if (glob.size() > kMaxPatternLength) return false;
  Pattern pattern;
  pattern.text = std::string(glob);
  pattern.origin = "--include";
  pattern.anchored = glob.find('/') != std::string_view::npos;
  if (glob.front() == '/') glob.remove_prefix(1);
  pattern.glob = std::string(glob);
  pattern.regex = compile_glob(pattern.glob, pattern.literal);
  if (pattern.regex == nullptr) return false;
  includes_.push_back(std::move(pattern));
  return true;
}

bool PathFilter::matches(const Pattern& pattern, std::string_view relative, bool directory) {
  if (pattern.directory_only && !directory) return false;
  const std::size_t slash = relative.rfind('/');
  const std::string_view subject =
      pattern.anchored || slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  if (subject.find(pattern.literal) == std::string_view::npos) return false;
  return RE2::FullMatch(re2::StringPiece(subject.data(), subject.size()), *pattern.regex);
}

PathFilter::Pattern* PathFilter::deciding(std::string_view relative, bool directory, bool skip_content) {
  for (auto it = excludes_.rbegin(); it != excludes_.rend(); ++it) {
    if (skip_content && it->from_content) continue;
    if (matches(*it, relative, directory)) return &*it;
  }
  return nullptr;
}

bool PathFilter::excluded(std::string_view relative, bool directory) {
  // The last matching exclude pattern decides (gitignore); a re-included path goes on to
  // the include check. Patterns from scanned content may only narrow: what the others exclude
  // stays excluded whatever a "!" line from content says.
  if (any_from_content_) {
    if (Pattern* trusted = deciding(relative, directory, true); trusted != nullptr && !trusted->negated) {
      ++trusted->hits;
      return true;
    }
  }
  if (Pattern* decided = deciding(relative, directory, false); decided != nullptr) {
    ++decided->hits;
    if (!decided->negated) return true;
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
      "poetry.lock", "Pipfile.lock", "composer.lock", "Gemfile.lock", "go.sum", "gradle.lockfile", "packages.lock.json",
      "mix.lock", "pubspec.lock", "flake.lock",
      // Not minified bundles or source maps: a key built into a client bundle ships to every
      // browser, one of the commonest real leaks.
      // Test fixtures of vendored dependencies (their own fake keys).
      "**/node_modules/**/test/", "**/node_modules/**/tests/", "**/node_modules/**/__tests__/",
      "**/node_modules/**/fixtures/", "**/node_modules/**/*.test.js", "**/node_modules/**/*.spec.js",
      "**/vendor/**/testdata/", "**/vendor/**/test/"};
  return kList;
}

}  // namespace sluice::io

#pragma once
// Which paths of a directory walk are left out: gitignore-style exclude patterns (from
// .sluiceignore, --exclude and the default noise list) and --include globs. Consulted by the
// walker before a file is opened or a directory listed, so an excluded path is never read.

#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::io {

// Glob syntax on a '/'-separated path: `*` and `?` stay within one segment, `**` spans
// segments (`a/**/b` also matches `a/b`), `[...]` (with `!` or `^` negation) is a class,
// `\` escapes. A glob is translated once into an RE2 regex that matches the whole path, so
// matching takes time linear in the path (times the pattern at worst), whatever the pattern.
[[nodiscard]] std::string glob_to_regex(std::string_view glob);
// One-off match (compiles the glob each call: for tests; PathFilter compiles once).
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view path);

// Longer patterns are refused (PATH_MAX is 4096: a longer glob matches no real path).
inline constexpr std::size_t kMaxPatternLength = 4096;

class PathFilter {
 public:
  struct Pattern {
    std::string text;                  // as written, for messages
    std::string origin;                // "--exclude", ".sluiceignore:3", "default"
    std::string glob;                  // normalised: anchored patterns lose their leading '/'
    bool negated = false;              // "!pattern": re-include
    bool directory_only = false;       // "pattern/": matches directories (and so everything in them)
    bool anchored = false;             // contains a '/' before its end: matched against the whole path
    bool from_content = false;         // from a file found in the scanned tree: may only narrow
    std::uint64_t hits = 0;            // paths it decided
    std::shared_ptr<const RE2> regex;  // `glob` compiled
    std::string literal;               // its longest literal run: a path without it cannot match
  };

  // One gitignore line: blank lines and '#' comments are ignored, "!" negates, a trailing
  // '/' matches directories only, a '/' elsewhere anchors the pattern at the scan root;
  // otherwise it matches the name at any depth. Later lines win over earlier ones. False (and
  // nothing added) when the pattern is longer than kMaxPatternLength or RE2 cannot compile it.
  // `from_content`: the line comes from a file in the scanned tree, which may only narrow the
  // walk: its "!" lines re-include only what its own patterns excluded, never a path that the
  // other patterns (defaults, --exclude, a trusted ignore file) exclude.
  bool add_exclude(std::string_view line, std::string origin, bool from_content = false);
  // A file is scanned only if it matches one --include glob (when any is given). A glob
  // without '/' matches the file name at any depth. False as for add_exclude.
  bool add_include(std::string_view glob);

  // `relative` is the path below the scan root ("src/a.py"). Directories are never excluded by
  // --include; files are. Call from one thread at a time (the walk): it counts hits.
  [[nodiscard]] bool excluded(std::string_view relative, bool directory);

  [[nodiscard]] bool empty() const noexcept { return excludes_.empty() && includes_.empty(); }
  [[nodiscard]] const std::vector<Pattern>& excludes() const noexcept { return excludes_; }

 private:
  static bool matches(const Pattern& pattern, std::string_view relative, bool directory);
  // The last exclude pattern matching the path (skipping the ones from content when asked).
  Pattern* deciding(std::string_view relative, bool directory, bool skip_content);
  bool any_from_content_ = false;
  std::vector<Pattern> excludes_;
  std::vector<Pattern> includes_;
};

// Lock files and vendored dependencies' test fixtures: where findings are noise. Off with
// --no-default-excludes. Minified bundles are scanned: client bundles leak real keys.
[[nodiscard]] const std::vector<std::string>& default_excludes();

}  // namespace sluice::io

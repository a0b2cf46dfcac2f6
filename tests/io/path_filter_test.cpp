#include "io/path_filter.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/io/glob_reference.hpp"

namespace sluice::io {
namespace {

TEST(GlobMatch, StarsQuestionMarksAndClasses) {
  EXPECT_TRUE(glob_match("*.py", "app.py"));
  EXPECT_FALSE(glob_match("*.py", "src/app.py"));  // '*' stays within a segment
  EXPECT_TRUE(glob_match("src/**/*.py", "src/app.py"));
  EXPECT_TRUE(glob_match("src/**/*.py", "src/a/b/app.py"));
  EXPECT_TRUE(glob_match("**/node_modules/**/test", "node_modules/x/test"));
  EXPECT_TRUE(glob_match("**/node_modules/**/test", "a/b/node_modules/x/y/test"));
  EXPECT_TRUE(glob_match("docs/**", "docs/a/b"));
  EXPECT_TRUE(glob_match("file?.txt", "file1.txt"));
  EXPECT_FALSE(glob_match("file?.txt", "file/.txt"));
  EXPECT_TRUE(glob_match("[a-c]x", "bx"));
  EXPECT_FALSE(glob_match("[!a-c]x", "bx"));
  EXPECT_TRUE(glob_match("\\*lit", "*lit"));
  EXPECT_FALSE(glob_match("\\*lit", "alit"));
  EXPECT_TRUE(glob_match("[unclosed", "[unclosed"));
}

TEST(PathFilter, GitignoreSemantics) {
  PathFilter filter;
  filter.add_exclude("# a comment", "t");
  filter.add_exclude("", "t");
  filter.add_exclude("build/", "t");    // directories named build, at any depth
  filter.add_exclude("/top.txt", "t");  // anchored at the root
  filter.add_exclude("*.log", "t");
  filter.add_exclude("!keep.log", "t");  // re-included
  EXPECT_EQ(filter.excludes().size(), 4u);
  EXPECT_TRUE(filter.excluded("build", true));
  EXPECT_TRUE(filter.excluded("a/build", true));
  EXPECT_FALSE(filter.excluded("build", false));  // a file named build
  EXPECT_TRUE(filter.excluded("top.txt", false));
  EXPECT_FALSE(filter.excluded("a/top.txt", false));
  EXPECT_TRUE(filter.excluded("a/b/x.log", false));
  EXPECT_FALSE(filter.excluded("a/keep.log", false));
}

TEST(PathFilter, IncludesRestrictFilesNotDirectories) {
  PathFilter filter;
  filter.add_include("*.py");
  filter.add_include("config/*.yaml");
  EXPECT_FALSE(filter.excluded("src", true));
  EXPECT_FALSE(filter.excluded("src/app.py", false));
  EXPECT_TRUE(filter.excluded("src/app.js", false));
  EXPECT_FALSE(filter.excluded("config/a.yaml", false));
  EXPECT_TRUE(filter.excluded("x/config/a.yaml", false));
}

TEST(PathFilter, CountsHitsForUnusedReports) {
  PathFilter filter;
  filter.add_exclude("used/", "f:1");
  filter.add_exclude("unused/", "f:2");
  EXPECT_TRUE(filter.excluded("used", true));
  EXPECT_EQ(filter.excludes()[0].hits, 1u);
  EXPECT_EQ(filter.excludes()[1].hits, 0u);
}

TEST(PathFilter, DefaultListCoversLockFilesAndFixtures) {
  PathFilter filter;
  for (const std::string& pattern : default_excludes()) filter.add_exclude(pattern, "default");
  EXPECT_TRUE(filter.excluded("package-lock.json", false));
  EXPECT_TRUE(filter.excluded("sub/yarn.lock", false));
  EXPECT_TRUE(filter.excluded("go.sum", false));
  EXPECT_FALSE(filter.excluded("dist/app.min.js", false));  // bundles ship keys to browsers
  EXPECT_TRUE(filter.excluded("node_modules/lib/test", true));
  EXPECT_TRUE(filter.excluded("web/node_modules/@scope/lib/__tests__", true));
  EXPECT_FALSE(filter.excluded("node_modules/lib", true));
  EXPECT_FALSE(filter.excluded("src/test", true));
  EXPECT_FALSE(filter.excluded("src/app.js", false));
}

// Regression (issue 15): the backtracking matcher took 10 s for `*a*a*a*a*b` on a 200-character
// name and minutes for one more `*a`. RE2 is linear in the name: these return at once (a
// regression is caught by the ctest timeout, not by a timed assertion).
TEST(PathFilter, PathologicalGlobsMatchInLinearTime) {
  const std::string name(200, 'a');
  const std::string stars = "*a*a*a*a*a*a*a*a*a*a*b";
  for (const std::string& pattern :
       std::vector<std::string>{stars, "**/" + stars, "**" + stars, "*a**a**a**a**a**a**a**a**a**a**b",
                                "*a**/*a**/*a**/*a**/*a**/*a**/*a**/*a**/*a**/b"}) {
    EXPECT_FALSE(glob_match(pattern, name)) << pattern;
    EXPECT_FALSE(glob_match(pattern, "x/" + name)) << pattern;
    EXPECT_TRUE(glob_match(pattern, name + "b")) << pattern;
    PathFilter filter;
    ASSERT_TRUE(filter.add_exclude(pattern, "t"));
    ASSERT_TRUE(filter.add_exclude("/" + pattern, "t"));
    EXPECT_FALSE(filter.excluded(name, false)) << pattern;
    EXPECT_FALSE(filter.excluded("dir/" + name, true)) << pattern;
    EXPECT_TRUE(filter.excluded(name + "b", false)) << pattern;
  }
}

TEST(PathFilter, OverlongPatternsAreRefused) {
  PathFilter filter;
  EXPECT_FALSE(filter.add_exclude(std::string(kMaxPatternLength + 1, 'a'), "t"));
  EXPECT_FALSE(filter.add_include(std::string(kMaxPatternLength + 1, 'a')));
  EXPECT_TRUE(filter.empty());
  EXPECT_TRUE(filter.add_exclude(std::string(kMaxPatternLength, '*'), "t"));
  EXPECT_TRUE(filter.excluded("anything", false));
}

// Bytes that are not UTF-8, newlines, classes with ranges that match nothing, escapes.
TEST(PathFilter, GlobsMatchBytesLikeTheMatcherTheyReplace) {
  EXPECT_TRUE(glob_match("*.txt", "caf\xe9\n.txt"));
  EXPECT_TRUE(glob_match("?", "\xff"));
  EXPECT_FALSE(glob_match("?", "/"));
  EXPECT_FALSE(glob_match("[z-a]", "m"));
  EXPECT_FALSE(glob_match("[!x]", "/"));
  EXPECT_TRUE(glob_match("[]]", "]"));
  EXPECT_TRUE(glob_match("[\\]x]", "x"));
  EXPECT_TRUE(glob_match("a\\", "a\\"));
  EXPECT_TRUE(glob_match("(a|b)+.{1}", "(a|b)+.{1}"));  // regex syntax is literal in a glob
  EXPECT_FALSE(glob_match("(a|b)+.{1}", "a.x"));
}

// The translation agrees with the old backtracking matcher on many small random globs and
// paths (the fuzz harness fuzz_glob does the same on inputs it chooses).
TEST(PathFilter, TranslationAgreesWithTheBacktrackingMatcher) {
  std::mt19937 rng(1515);
  const std::string pattern_alphabet = "ab/*?[]!^-\\.";
  const std::string path_alphabet = "ab/.-]![\\";
  auto random_text = [&](const std::string& alphabet, std::size_t max_size) {
    std::string text(std::uniform_int_distribution<std::size_t>(0, max_size)(rng), ' ');
    for (char& c : text) c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    return text;
  };
  for (int i = 0; i < 20000; ++i) {
    const std::string pattern = random_text(pattern_alphabet, 8);
    const std::string path = random_text(path_alphabet, 8);
    ASSERT_EQ(glob_match(pattern, path), reference::glob_match(pattern, path))
        << "pattern '" << pattern << "' path '" << path << "'";
  }
}

}  // namespace
}  // namespace sluice::io

namespace sluice::io {
namespace {

// A file found in the scanned tree may only narrow the walk: its "!" lines re-include what its
// own lines excluded, never what the defaults, --exclude or a trusted ignore file exclude.
TEST(PathFilter, NegationsFromScannedContentOnlyUndoTheirOwnExcludes) {
  PathFilter filter;
  ASSERT_TRUE(filter.add_exclude("**/node_modules/**/test/", "default"));
  ASSERT_TRUE(filter.add_exclude("secret.env", "--exclude"));
  ASSERT_TRUE(filter.add_exclude("docs/*", ".sluiceignore:1", true));
  ASSERT_TRUE(filter.add_exclude("!docs/keep.md", ".sluiceignore:2", true));
  ASSERT_TRUE(filter.add_exclude("!**/node_modules/**", ".sluiceignore:3", true));
  ASSERT_TRUE(filter.add_exclude("!secret.env", ".sluiceignore:4", true));
  EXPECT_TRUE(filter.excluded("docs/other.md", false));
  EXPECT_FALSE(filter.excluded("docs/keep.md", false));  // its own exclude, undone
  EXPECT_TRUE(filter.excluded("node_modules/lib/test", true));
  EXPECT_TRUE(filter.excluded("secret.env", false));
  EXPECT_FALSE(filter.excluded("src/app.py", false));

  // The same lines from a trusted source re-include as gitignore says.
  PathFilter trusted;
  ASSERT_TRUE(trusted.add_exclude("secret.env", "--exclude"));
  ASSERT_TRUE(trusted.add_exclude("!secret.env", "--ignore-file:1"));
  EXPECT_FALSE(trusted.excluded("secret.env", false));
}

}  // namespace
}  // namespace sluice::io

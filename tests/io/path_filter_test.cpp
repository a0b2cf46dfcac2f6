#include "io/path_filter.hpp"

#include <gtest/gtest.h>

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
  filter.add_exclude("build/", "t");       // directories named build, at any depth
  filter.add_exclude("/top.txt", "t");     // anchored at the root
  filter.add_exclude("*.log", "t");
  filter.add_exclude("!keep.log", "t");    // re-included
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

}  // namespace
}  // namespace sluice::io

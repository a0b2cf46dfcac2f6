// The git history scan through run_scan, on repositories made with the git CLI: a key deleted
// from the working tree is reported at the commit and path that added it; a blob two
// repositories share (a clone) is scanned once and reported in each; repository names.

#include "pipeline/git_scan.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "../engine/test_keys.hpp"
#include "../engine/test_rules.hpp"
#include "../io/temp_tree.hpp"
#include "engine/rule_loader.hpp"
#include "pipeline/scanner.hpp"

namespace sluice::pipeline {
namespace {

std::shared_ptr<const engine::CompiledRules> posthog_only() {
  static const auto rules = sluice::testing::builtin_subset({"posthog_personal_key"});
  return rules;
}

void git(const std::string& dir, const std::string& args) {
  const std::string command = testing::git_command(dir, args);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::string head_of(const testing::TempTree& tree, const std::string& repo) {
  const std::string out = tree.path("head.txt");
  const std::string command = "git -C '" + repo + "' rev-parse HEAD > '" + out + "'";
  if (std::system(command.c_str()) != 0) return {};
  std::string id;
  std::ifstream(out) >> id;
  return id;
}

TEST(GitScan, RepositoryNameDropsTheGitDirectoryOnly) {
  EXPECT_EQ(repository_name("work/app/.git"), "work/app");
  EXPECT_EQ(repository_name("srv/mirror.git"), "srv/mirror.git");
}

TEST(GitScan, ADeletedKeyIsReportedAtTheCommitThatAddedItInEveryRepositoryThatHasIt) {
  testing::TempTree tree;
  std::mt19937_64 rng(91);
  const std::string key = sluice::testing::personal_key(rng, 2);
  const std::string repo = tree.path("service");
  tree.write("service/config/settings.py", "DEBUG = False\nPOSTHOG_PERSONAL_API_KEY = \"" + key + "\"\n");
  git(repo, "init -q");
  git(repo, "add -A");
  git(repo, "commit -q -m 'Add settings'");
  const std::string added = head_of(tree, repo);
  tree.write("service/config/settings.py", "import os\nPOSTHOG_PERSONAL_API_KEY = os.environ['K']\n");
  git(repo, "commit -q -am 'Read the key from the environment'");
  git(tree.root().string(), "clone -q --no-local service fork");

  ScanOptions options;
  options.roots = {tree.root().string()};
  const ScanReport report = run_scan(posthog_only(), options);
  EXPECT_FALSE(report.incomplete());
  EXPECT_EQ(report.stats.repositories, 2u);
  ASSERT_EQ(report.findings.size(), 1u);
  const Finding& finding = report.findings[0];
  EXPECT_EQ(finding.secret, key);
  ASSERT_EQ(finding.locations.size(), 2u);  // one per repository: the blob was scanned once
  std::vector<std::string> repositories;
  for (const Location& at : finding.locations) {
    ASSERT_TRUE(at.git.has_value()) << at.path;
    EXPECT_EQ(at.git->commit, added);
    EXPECT_EQ(at.git->summary, "Add settings");
    EXPECT_EQ(at.chain.front(), "config/settings.py");
    EXPECT_EQ(at.line, 2u);
    repositories.push_back(at.git->repository);
  }
  std::sort(repositories.begin(), repositories.end());
  EXPECT_EQ(repositories, (std::vector<std::string>{tree.path("fork"), tree.path("service")}));
}

}  // namespace
}  // namespace sluice::pipeline

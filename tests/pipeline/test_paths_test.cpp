#include "pipeline/test_paths.hpp"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

Location at(std::vector<std::string> chain) {
  Location location;
  location.chain = std::move(chain);
  location.path = join_chain(location.chain);
  return location;
}

TEST(TestPaths, DirectoryNames) {
  for (const char* name :
       {"test", "Tests", "t", "testdata", "__tests__", "spec", "fixtures", "mocks", "docs", "Documentation", "examples",
        "samples", "regress", "reg-tests", "test-keys", "unit_test", "testutils", "testcerts", "integration.tests"}) {
    EXPECT_TRUE(is_test_or_docs_directory(name)) << name;
  }
  for (const char* name : {"src", "latest", "contest", "attestation", "testimonials", "config", "tst", "protest",
                           "doctor", "specimen", "te", ""}) {
    EXPECT_FALSE(is_test_or_docs_directory(name)) << name;
  }
}

TEST(TestPaths, FileNames) {
  for (const char* name : {"foo_test.go", "test_api.py", "test-crypto.c", "api.spec.ts", "Button.test.jsx",
                           "user_spec.rb", "ClientTest.java", "ParserTests.cs", "conftest.py", "tests.py"}) {
    EXPECT_TRUE(is_test_file(name)) << name;
  }
  for (const char* name : {"latest.json", "settings.py", ".env", "contest.go", "attest.c", "Test", "test",
                           "testimony.md", "credentials.xml", "protest_test"}) {
    EXPECT_FALSE(is_test_file(name)) << name;
  }
}

TEST(TestPaths, OnlyWhatLiesBelowTheRootCounts) {
  // The scan runs in a directory with "test" in its name: that says nothing about the files.
  const std::vector<std::string> roots{"/tmp/test-run/checkout"};
  EXPECT_FALSE(in_tests_or_docs(at({"/tmp/test-run/checkout/app/.env"}), roots));
  EXPECT_TRUE(in_tests_or_docs(at({"/tmp/test-run/checkout/app/tests/.env"}), roots));
  EXPECT_TRUE(in_tests_or_docs(at({"/tmp/test-run/checkout/app/client_test.go"}), roots));
  // Pointed at a test file or a test folder: the user asked for what is in it.
  EXPECT_FALSE(in_tests_or_docs(at({"repo/tests/key.pem"}), {"repo/tests"}));
  EXPECT_FALSE(in_tests_or_docs(at({"repo/tests/key.pem"}), {"repo/tests/"}));
  EXPECT_FALSE(in_tests_or_docs(at({"repo/client_test.go"}), {"repo/client_test.go"}));
  // The longest root wins.
  EXPECT_FALSE(in_tests_or_docs(at({"repo/tests/key.pem"}), {"repo", "repo/tests"}));
  // "." is how the walk names the current directory: without a "./" prefix.
  EXPECT_TRUE(in_tests_or_docs(at({"docs/setup.md"}), {"."}));
  EXPECT_FALSE(in_tests_or_docs(at({"app/setup.md"}), {"."}));
  EXPECT_TRUE(in_tests_or_docs(at({"./docs/setup.md"}), {"./"}));
  // Under no root (standard input): never.
  EXPECT_FALSE(in_tests_or_docs(at({"-"}), {"-"}));
  EXPECT_FALSE(in_tests_or_docs(at({"elsewhere/tests/x"}), {"repo"}));
}

TEST(TestPaths, EveryNameOfAnArchiveChainCounts) {
  const std::vector<std::string> roots{"in"};
  EXPECT_TRUE(in_tests_or_docs(at({"in/app.tar.gz", "app/test/data.env"}), roots));
  EXPECT_TRUE(in_tests_or_docs(at({"in/app.tar.gz", "app.tar", "pkg/foo_test.go"}), roots));
  EXPECT_TRUE(in_tests_or_docs(at({"in/testdata/app.zip", "config.env"}), roots));
  EXPECT_FALSE(in_tests_or_docs(at({"in/app.zip", "config.env"}), roots));
  // An archive's own name is a name in the chain, not the file holding the secret.
  EXPECT_FALSE(in_tests_or_docs(at({"in/ClientTest.jar", "config.env"}), roots));
}

TEST(TestPaths, AGitLocationUsesThePathInTheCommit) {
  Location location = at({"tests/fixtures/key.pem"});
  location.git = GitRef{};
  location.git->repository = "/srv/repos/test-repo";
  EXPECT_TRUE(in_tests_or_docs(location, {"/srv/repos"}));
  location.chain = {"deploy/key.pem"};
  EXPECT_FALSE(in_tests_or_docs(location, {"/srv/repos"}));
}

Finding finding(engine::Confidence confidence, std::vector<std::vector<std::string>> chains) {
  Finding f;
  f.confidence = confidence;
  for (auto& chain : chains) f.locations.push_back(at(std::move(chain)));
  return f;
}

TEST(TestPaths, DemotedOnlyWhenEveryLocationIsInTestsOrDocsThenFiltered) {
  const std::vector<std::string> roots{"r"};
  std::vector<Finding> findings{
      finding(engine::Confidence::kHigh, {{"r/tests/a.env"}, {"r/docs/b.md"}}),  // only tests and docs
      finding(engine::Confidence::kHigh, {{"r/tests/a.env"}, {"r/app/.env"}}),   // also in the app
      finding(engine::Confidence::kMedium, {{"r/app/.env"}}),
  };
  std::vector<Finding> low = findings;
  EXPECT_EQ(demote_test_and_docs_findings(low, roots, engine::Confidence::kLow), 0u);
  ASSERT_EQ(low.size(), 3u);
  EXPECT_EQ(low[0].confidence, engine::Confidence::kLow);
  EXPECT_EQ(low[0].confidence_reason, "test-or-docs-path");
  EXPECT_EQ(low[1].confidence, engine::Confidence::kHigh);
  EXPECT_EQ(low[2].confidence, engine::Confidence::kMedium);

  EXPECT_EQ(demote_test_and_docs_findings(findings, roots, engine::Confidence::kMedium), 1u);  // counted
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].locations.size(), 2u);
  EXPECT_EQ(findings[0].confidence, engine::Confidence::kHigh);

  // A finding low for its own reason keeps that reason.
  std::vector<Finding> placeholder{finding(engine::Confidence::kLow, {{"r/tests/a.env"}})};
  placeholder[0].confidence_reason = "placeholder";
  demote_test_and_docs_findings(placeholder, roots, engine::Confidence::kLow);
  EXPECT_EQ(placeholder[0].confidence_reason, "placeholder");
}

}  // namespace
}  // namespace sluice::pipeline

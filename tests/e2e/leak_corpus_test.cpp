// End-to-end: the leak corpus (corpora/leaks/, issue 17 item 4). The expected file must describe
// the committed corpus exactly; sluice's recall on it must not fall below the floor measured when
// the corpus was written (a ratchet that detection work raises); the near-miss files must give no
// finding, and no finding may fall outside the planted secrets. The scoring is the one
// sluice-recall prints (bench/leak_recall.hpp).

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "../../bench/leak_recall.hpp"
#include "engine/rule_loader.hpp"
#include "support.hpp"

namespace sluice::e2e {
namespace {

namespace fs = std::filesystem;
using leaks::Expected;
using leaks::Reported;

const fs::path kCorpus = kSourceDir / "corpora" / "leaks";
const fs::path kExpectedFile = kSourceDir / "corpora" / "leaks.expected.jsonl";

// Today's measured recall, in tenths of a percent, at the default confidence and rules: planted
// secrets found at their location, and found with the expected rule (corpora/README.md has the
// table per shape). A ratchet: detection work (issues 16 and 17) raises these as it lands, towards
// the target of 950 (95%); they must never be lowered to make a change pass.
constexpr std::size_t kLocatedFloorPermille = 998;
constexpr std::size_t kRightRuleFloorPermille = 993;

const std::vector<Expected>& expected() {
  static const std::vector<Expected> entries = leaks::load_expected(kExpectedFile, kCorpus);
  return entries;
}

// One scan of the corpus with the default settings, shared by the tests below.
const std::vector<Reported>& report() {
  static const std::vector<Reported> findings = [] {
    RunOptions options;
    options.cwd = kCorpus.string();
    options.timeout = std::chrono::seconds(300);
    const RunResult result = sluice({"scan", ".", "-f", "jsonl", "--no-progress"}, options);
    EXPECT_TRUE(result.exit_code == kFindings || result.exit_code == kClean) << describe(result);
    return leaks::parse_report(result.out);
  }();
  return findings;
}

std::string list(const std::vector<Reported>& findings) {
  std::ostringstream out;
  for (const auto& r : findings) out << "  " << r.path << ":" << r.line << " " << r.rule_id << "\n";
  return out.str();
}

TEST(LeakCorpus, EveryExpectedSecretIsInItsFileAtItsLineAndColumn) {
  ASSERT_GE(expected().size(), 300u);
  std::size_t decoded = 0;
  for (const Expected& e : expected()) {
    const std::string bytes = leaks::slurp(kCorpus / e.path);
    if (!e.decoders.empty()) {
      // Encoded: the span starts there, and the secret does not stand as it is in the file.
      ++decoded;
      EXPECT_EQ(bytes.compare(e.offset, e.encoded_prefix.size(), e.encoded_prefix), 0)
          << e.path << ":" << e.line << ":" << e.column << " does not start the expected encoded span";
      EXPECT_EQ(bytes.find(e.secret), std::string::npos) << e.path << ": the " << e.shape << " secret is not encoded";
      continue;
    }
    EXPECT_EQ(bytes.compare(e.offset, e.secret.size(), e.secret), 0)
        << e.path << ":" << e.line << ":" << e.column << " does not hold the expected " << e.shape << " secret";
    EXPECT_NE(e.path.rfind(leaks::kNearMissDir, 0), 0u) << e.path << ": a near-miss file has no planted secret";
    EXPECT_FALSE(e.shape.empty() || e.kind.empty() || e.rule_id.empty()) << e.path << ":" << e.line;
  }
  EXPECT_GE(decoded, 20u);
}

// A secret only decoding finds is reported at its encoded span with the expected rule and the
// expected chain of decoders, outermost first.
TEST(LeakCorpus, EncodedSecretsAreFoundWithTheirDecoders) {
  for (const Expected& e : expected()) {
    if (e.decoders.empty()) continue;
    bool found = false;
    for (const Reported& r : report()) {
      found = found || (r.path == e.path && r.offset == e.offset && r.rule_id == e.rule_id && r.decoders == e.decoders);
    }
    EXPECT_TRUE(found) << e.path << ":" << e.line << ":" << e.column << " " << e.rule_id << " [" << e.decoders
                       << "] not found";
  }
}

TEST(LeakCorpus, EveryLeakFileHasAnExpectedSecretAndThereAreEnoughNearMisses) {
  std::set<std::string> with_secret;
  for (const Expected& e : expected()) with_secret.insert(e.path);
  std::size_t leak_files = 0, near_miss_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kCorpus)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = entry.path().lexically_relative(kCorpus).generic_string();
    if (relative.rfind(leaks::kNearMissDir, 0) == 0) {
      ++near_miss_files;
      continue;
    }
    ++leak_files;
    EXPECT_TRUE(with_secret.count(relative)) << relative << " is in the corpus but has no expected secret";
  }
  EXPECT_GE(leak_files, 300u);
  EXPECT_GE(near_miss_files, 60u);
}

TEST(LeakCorpus, RuleExistsMarksExactlyTheRulesSluiceHas) {
  std::set<std::string> ids;
  for (const engine::Rule& rule : engine::builtin_rules().rules) ids.insert(rule.id);
  for (const Expected& e : expected()) {
    EXPECT_EQ(e.rule_exists, ids.count(e.rule_id) == 1)
        << e.path << ":" << e.line << " rule " << e.rule_id
        << (e.rule_exists ? " is not a sluice rule" : " exists: drop \"rule_exists\": false");
  }
}

TEST(LeakCorpus, RecallDoesNotFallBelowTheFloor) {
  const leaks::Score score = leaks::score(expected(), report());
  const std::size_t total = score.total.expected;
  EXPECT_GE(score.total.located * 1000, kLocatedFloorPermille * total)
      << "found at their location: " << score.total.located << " of " << total << " ("
      << leaks::percent(score.total.located, total) << "); run build/bench/sluice-recall --misses";
  EXPECT_GE(score.total.right_rule * 1000, kRightRuleFloorPermille * total)
      << "found with the expected rule: " << score.total.right_rule << " of " << total << " ("
      << leaks::percent(score.total.right_rule, total) << ")";
}

TEST(LeakCorpus, NearMissFilesGiveNoFinding) {
  const leaks::Score score = leaks::score(expected(), report());
  EXPECT_TRUE(score.near_miss_findings.empty()) << list(score.near_miss_findings);
}

TEST(LeakCorpus, NoFindingOutsideThePlantedSecrets) {
  // Either a false positive, or a secret the corpus plants without listing it.
  const leaks::Score score = leaks::score(expected(), report());
  EXPECT_TRUE(score.unexpected_findings.empty()) << list(score.unexpected_findings);
}

// The instrument itself: a finding counts for a planted secret only where their bytes overlap, in
// the same file; the rule id decides "right rule"; near-miss findings are counted apart.
TEST(LeakScore, LocationIsByOverlappingBytesAndTheRuleIsChecked) {
  auto planted = [](std::string path, std::uint64_t offset, std::string secret) {
    Expected e;
    e.path = std::move(path);
    e.offset = offset;
    e.secret = std::move(secret);
    e.shape = "test/shape";
    e.rule_id = "right_rule";
    return e;
  };
  auto found = [](std::string path, std::uint64_t offset, std::uint64_t length, std::string rule) {
    Reported r;
    r.path = std::move(path);
    r.offset = offset;
    r.length = length;
    r.rule_id = std::move(rule);
    return r;
  };
  const std::vector<Expected> planted_secrets = {planted("a", 10, "0123456789"), planted("b", 10, "0123456789"),
                                                 planted("c", 10, "0123456789")};
  const std::vector<Reported> report = {
      found("a", 0, 11, "other_rule"),           // overlaps a's first byte: located, wrong rule
      found("b", 15, 2, "right_rule"),           // inside b: located, right rule
      found("c", 20, 5, "right_rule"),           // just after c: not located, unexpected
      found("near-miss/x", 0, 4, "right_rule"),  // any near-miss finding is a false positive
  };
  const leaks::Score score = leaks::score(planted_secrets, report);
  EXPECT_EQ(score.total.expected, 3u);
  EXPECT_EQ(score.total.located, 2u);
  EXPECT_EQ(score.total.right_rule, 1u);
  ASSERT_EQ(score.missed.size(), 1u);
  EXPECT_EQ(score.missed[0]->path, "c");
  ASSERT_EQ(score.unexpected_findings.size(), 1u);
  EXPECT_EQ(score.unexpected_findings[0].path, "c");
  ASSERT_EQ(score.near_miss_findings.size(), 1u);
  EXPECT_EQ(leaks::percent(2, 3), "66.7%");
  EXPECT_EQ(leaks::offset_of("ab\ncd\n", 2, 2), 4u);
  EXPECT_FALSE(leaks::offset_of("ab\ncd\n", 4, 1).has_value());
}

}  // namespace
}  // namespace sluice::e2e

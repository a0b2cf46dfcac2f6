// End-to-end: ground truth. A generated 20 MB corpus (sluice-corpus, seed 7) must yield exactly
// its truth file, serially and in parallel; the hand-written demo corpus must yield exactly
// corpora/demo.expected.jsonl (for the rules that exist in this build).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "engine/rule_loader.hpp"
#include "support.hpp"

namespace sluice::e2e {
namespace {

std::set<std::string> builtin_rule_ids() {
  std::set<std::string> ids;
  for (const engine::Rule& rule : engine::builtin_rules().rules) ids.insert(rule.id);
  return ids;
}

// (path, rule_id, secret, line, column): offsets are compared separately where known.
using Key = std::tuple<std::string, std::string, std::string, std::uint64_t, std::uint64_t>;

std::string show(const std::set<Key>& keys, std::size_t limit = 15) {
  std::ostringstream out;
  std::size_t n = 0;
  for (const auto& [path, rule, secret, line, column] : keys) {
    if (n++ == limit) {
      out << "  ... " << keys.size() - limit << " more\n";
      break;
    }
    out << "  " << path << ":" << line << ":" << column << " " << rule << " " << secret << "\n";
  }
  return out.str();
}

// Compares two sets and says what is missing and what is extra.
::testing::AssertionResult same_set(const std::set<Key>& expected, const std::set<Key>& actual) {
  std::set<Key> missing;
  std::set<Key> extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::inserter(missing, missing.end()));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::inserter(extra, extra.end()));
  if (missing.empty() && extra.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << missing.size() << " expected but not reported:\n"
                                       << show(missing) << extra.size() << " reported but not expected:\n"
                                       << show(extra);
}

// One generated corpus and its truth, restricted to the rules built in.
struct Corpus {
  std::string name;
  std::string root;
  RunResult generated;
  std::set<Key> truth;
  std::set<std::string> truth_rules;                                     // every rule id the truth file names
  std::map<std::pair<std::string, std::string>, std::uint64_t> offsets;  // (path, secret) -> offset
};

Corpus generate(const TempDir& dir, const std::string& name, const std::vector<std::string>& flags) {
  Corpus corpus;
  corpus.name = name;
  corpus.root = dir.path(name);
  const std::string truth_path = dir.path(name + ".truth.jsonl");
  std::vector<std::string> argv{kCorpusBinary, "--out", corpus.root, "--truth", truth_path};
  argv.insert(argv.end(), flags.begin(), flags.end());
  corpus.generated = run(argv);
  const std::set<std::string> rules = builtin_rule_ids();
  std::istringstream lines(read_file(truth_path));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
    if (item.is_discarded()) {
      ADD_FAILURE() << "bad truth line: " << line;
      continue;
    }
    const std::string rule = item.value("rule_id", "");
    corpus.truth_rules.insert(rule);
    if (!rules.count(rule)) continue;  // a rule this build does not have
    const std::string path = item.value("path", "");
    const std::string secret = item.value("secret", "");
    corpus.truth.insert(
        Key{path, rule, secret, item.value("line", std::uint64_t{0}), item.value("column", std::uint64_t{0})});
    corpus.offsets[{path, secret}] = item.value("offset", std::uint64_t{0});
  }
  return corpus;
}

class GeneratedCorpus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    // The reference corpus, and a denser one (the default plants only 0.5 secrets per MB).
    corpora_.push_back(generate(*dir_, "corpus", {"--mb", "20", "--seed", "7"}));
    corpora_.push_back(generate(*dir_, "dense", {"--mb", "10", "--seed", "7", "--secrets-per-mb", "40"}));
  }
  static void TearDownTestSuite() {
    corpora_.clear();
    dir_.reset();
  }

  void SetUp() override {
    for (const Corpus& corpus : corpora_) {
      ASSERT_TRUE(exited_with(corpus.generated, 0)) << "sluice-corpus failed for " << corpus.name;
      ASSERT_GT(corpus.truth.size(), 5u) << corpus.name << ": too few secrets for the rules built in";
    }
  }

  // The report's hits for the rules named in the truth file, with paths relative to the corpus.
  static std::set<Key> reported(const Corpus& corpus, const RunResult& result) {
    std::set<Key> keys;
    const std::string prefix = corpus.root + "/";
    for (const Hit& hit : flatten(parse_jsonl(result.out))) {
      if (!corpus.truth_rules.count(hit.rule_id)) continue;
      EXPECT_EQ(hit.path.rfind(prefix, 0), 0u) << "report path outside the corpus: " << hit.path;
      const std::string relative = hit.path.substr(std::min(prefix.size(), hit.path.size()));
      keys.insert(Key{relative, hit.rule_id, hit.secret, hit.line, hit.column});
      const auto offset = corpus.offsets.find({relative, hit.secret});
      if (offset != corpus.offsets.end()) {
        EXPECT_EQ(hit.offset, offset->second) << corpus.name << ": " << relative << " " << hit.secret;
      }
    }
    return keys;
  }

  static std::unique_ptr<TempDir> dir_;
  static std::vector<Corpus> corpora_;
};

std::unique_ptr<TempDir> GeneratedCorpus::dir_;
std::vector<Corpus> GeneratedCorpus::corpora_;

TEST_F(GeneratedCorpus, ScanReportsExactlyTheTruth) {
  for (const Corpus& corpus : corpora_) {
    const RunResult result = sluice({"scan", corpus.root, "-f", "jsonl"});
    ASSERT_TRUE(exited_with(result, 1));
    EXPECT_TRUE(same_set(corpus.truth, reported(corpus, result))) << "corpus " << corpus.name;
    std::vector<std::string> secrets;
    for (const Key& key : corpus.truth) secrets.push_back(std::get<2>(key));
    EXPECT_TRUE(no_secret_on_stderr(result, secrets));
  }
}

TEST_F(GeneratedCorpus, SerialAndParallelReportsAreIdentical) {
  for (const Corpus& corpus : corpora_) {
    std::vector<nlohmann::json> reports;
    for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
             {"-j", "1"}, {"-j", "2"}, {"-j", "2", "--segment-size", "65536", "--max-in-flight", "3"}}) {
      std::vector<std::string> args{"scan", corpus.root, "-f", "json"};
      args.insert(args.end(), extra.begin(), extra.end());
      const RunResult result = sluice(args);
      ASSERT_TRUE(exited_with(result, 1));
      const nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
      ASSERT_FALSE(document.is_discarded()) << result.command;
      reports.push_back(document["findings"]);
    }
    EXPECT_EQ(reports[0], reports[1]) << corpus.name << ": -j 1 and -j 2 differ";
    EXPECT_EQ(reports[0], reports[2]) << corpus.name << ": -j 1 and segment-parallel -j 2 differ";
  }
}

TEST_F(GeneratedCorpus, SegmentParallelScanReportsExactlyTheTruth) {
  for (const Corpus& corpus : corpora_) {
    const RunResult result = sluice({"scan", corpus.root, "-f", "jsonl", "-j", "2", "--segment-size", "65536"});
    ASSERT_TRUE(exited_with(result, 1));
    EXPECT_TRUE(same_set(corpus.truth, reported(corpus, result))) << "corpus " << corpus.name;
  }
}

TEST_F(GeneratedCorpus, StreamedFilesReportTheSamePositions) {
  // Every file of the dense corpus that holds a secret, through standard input in small chunks.
  const Corpus& corpus = corpora_.back();
  std::set<std::string> paths;
  for (const Key& key : corpus.truth) paths.insert(std::get<0>(key));
  std::size_t checked = 0;
  for (const std::string& path : paths) {
    if (checked++ == 25) break;
    RunOptions options;
    options.input = read_file(std::filesystem::path(corpus.root) / path);
    const RunResult result = sluice({"scan", "-", "-f", "jsonl", "--chunk-size", "100"}, options);
    ASSERT_TRUE(exited_with(result, 1)) << path;
    std::set<Key> expected;
    for (const Key& key : corpus.truth) {
      if (std::get<0>(key) == path)
        expected.insert(Key{"-", std::get<1>(key), std::get<2>(key), std::get<3>(key), std::get<4>(key)});
    }
    std::set<Key> actual;
    for (const Hit& hit : flatten(parse_jsonl(result.out))) {
      if (corpus.truth_rules.count(hit.rule_id))
        actual.insert(Key{hit.path, hit.rule_id, hit.secret, hit.line, hit.column});
    }
    EXPECT_TRUE(same_set(expected, actual)) << path << " through standard input, --chunk-size 100";
  }
}

TEST(DemoCorpus, ScanReportsExactlyTheExpectedFindings) {
  const std::filesystem::path demo = kSourceDir / "corpora" / "demo";
  const std::set<std::string> rules = builtin_rule_ids();
  std::set<std::tuple<std::string, std::string, std::string>> expected;
  std::istringstream lines(read_file(kSourceDir / "corpora" / "demo.expected.jsonl"));
  std::string line;
  std::size_t posthog = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(item.is_discarded()) << "bad expectation: " << line;
    const std::string rule = item.value("rule_id", "");
    if (!rules.count(rule)) continue;  // that rule is not built in (yet)
    if (rule.rfind("posthog_", 0) == 0) ++posthog;
    expected.insert({item.value("path", ""), rule, item.value("secret", "")});
  }
  ASSERT_GT(posthog, 0u) << "the demo expectations must include the PostHog findings";

  const RunResult result = sluice({"scan", demo.string(), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, 1));
  std::set<std::tuple<std::string, std::string, std::string>> actual;
  const std::string prefix = demo.string() + "/";
  for (const Hit& hit : flatten(parse_jsonl(result.out))) {
    ASSERT_EQ(hit.path.rfind(prefix, 0), 0u) << hit.path;
    actual.insert({hit.path.substr(prefix.size()), hit.rule_id, hit.secret});
  }
  std::ostringstream missing;
  std::ostringstream extra;
  for (const auto& item : expected) {
    if (!actual.count(item))
      missing << "  " << std::get<0>(item) << " " << std::get<1>(item) << " " << std::get<2>(item) << "\n";
  }
  for (const auto& item : actual) {
    if (!expected.count(item))
      extra << "  " << std::get<0>(item) << " " << std::get<1>(item) << " " << std::get<2>(item) << "\n";
  }
  EXPECT_EQ(missing.str(), "") << "expected findings not reported";
  EXPECT_EQ(extra.str(), "") << "reported findings that demo.expected.jsonl does not list (decoys?)";
}

}  // namespace
}  // namespace sluice::e2e

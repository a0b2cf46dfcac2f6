// End-to-end: secrets across the places where sluice cuts its input: read chunks of standard
// input (--chunk-size) and parallel segments of a large file (--segment-size with -j 2). Each
// planted key must be found exactly once, at the right offset, line and column, and the
// parallel result must equal the serial one. Also: mapped and read files give equal results.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <set>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"
#include "support.hpp"

namespace sluice::e2e {
namespace {

constexpr int kFirstDelta = -60;  // key offsets planted around each boundary B: B-60 .. B+10
constexpr int kLastDelta = 10;
constexpr const char* kHugeSegment = "17179869184";  // 1 << 34: never split
constexpr const char* kMapAll = "1";
constexpr const char* kMapNone = "1099511627776";

enum class RuleChoice { kBuiltin, kPostHogOnly };

std::string rule_name(RuleChoice rules) { return rules == RuleChoice::kBuiltin ? "Builtin" : "PostHogOnly"; }

// Command-line arguments selecting the rules (the PostHog file is copied into `dir`).
std::vector<std::string> rule_args(RuleChoice rules, const TempDir& dir) {
  if (rules == RuleChoice::kBuiltin) return {};
  return {"--no-builtin-rules", "--rules", copy_posthog_rules(dir)};
}

// The engine's confirmation window for the rule set, as the scanner computes it.
std::size_t max_window(RuleChoice rules) {
  engine::RuleSet set = rules == RuleChoice::kBuiltin
                            ? engine::builtin_rules()
                            : engine::load_rule_file((kSourceDir / "engine/rules/posthog.toml").string());
  return engine::CompiledRules::compile(std::move(set))->max_window();
}

// Plants one key at boundary(k) + delta for each delta in [kFirstDelta, kLastDelta], plus a key
// at offset 0 and one that ends the buffer; returns every expected hit for `path`.
std::vector<Hit> plant_around_boundaries(std::string& buffer, std::size_t spacing, const std::string& path,
                                         KeyGen& gen) {
  std::vector<std::pair<std::size_t, std::string>> planted;
  int k = 1;
  for (int delta = kFirstDelta; delta <= kLastDelta; ++delta, ++k) {
    const std::size_t offset = static_cast<std::size_t>(static_cast<long long>(k * spacing) + delta);
    planted.emplace_back(offset, gen.personal_key(k % 3));
  }
  planted.emplace_back(0, gen.personal_key(2));
  const std::string last = gen.personal_key(1);
  planted.emplace_back(buffer.size() - last.size(), last);
  for (const auto& [offset, key] : planted) plant(buffer, offset, key, gen);

  std::vector<Hit> hits;
  for (const auto& [offset, key] : planted) {
    const Position position = position_of(buffer, offset);
    hits.push_back(Hit{path, "posthog_personal_key", key, offset, position.line, position.column});
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

std::vector<Hit> hits_of(const RunResult& result) { return flatten(parse_jsonl(result.out)); }

// Every finding has exactly one location (each planted key is distinct).
::testing::AssertionResult each_once(const RunResult& result) {
  for (const Finding& finding : parse_jsonl(result.out)) {
    if (finding.occurrences != 1 || finding.locations.size() != 1) {
      return ::testing::AssertionFailure() << "key " << finding.secret << " reported " << finding.occurrences
                                           << " times; every planted key is distinct\n"
                                           << describe(result);
    }
  }
  return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------------ stdin chunk boundaries

struct ChunkCase {
  std::size_t chunk;
  RuleChoice rules;
};

class ChunkBoundaries : public ::testing::TestWithParam<ChunkCase> {};

// Scans `input` through standard input with the case's chunk size and rules.
RunResult scan_stdin(const std::string& input, const ChunkCase& param, const TempDir& dir) {
  std::vector<std::string> args{"scan", "-", "-f", "jsonl", "--chunk-size", std::to_string(param.chunk)};
  for (const std::string& arg : rule_args(param.rules, dir)) args.push_back(arg);
  RunOptions options;
  options.input = input;
  return sluice(args, options);
}

TEST_P(ChunkBoundaries, KeyAtEveryOffsetAroundAChunkBoundaryIsFoundOnce) {
  const ChunkCase param = GetParam();
  TempDir dir;
  KeyGen gen(1000 + param.chunk);
  // Boundaries are multiples of the chunk size, far enough apart that planted keys never touch.
  const std::size_t spacing = param.chunk * ((256 + param.chunk - 1) / param.chunk);
  const std::size_t count = static_cast<std::size_t>(kLastDelta - kFirstDelta + 1);
  std::string input = gen.filler((count + 2) * spacing + 123);
  const std::vector<Hit> expected = plant_around_boundaries(input, spacing, "-", gen);

  const RunResult result = scan_stdin(input, param, dir);
  ASSERT_TRUE(exited_with(result, 1));
  EXPECT_TRUE(each_once(result));
  const std::vector<Hit> hits = hits_of(result);
  EXPECT_EQ(hits.size(), expected.size()) << "planted " << expected.size() << " keys";
  EXPECT_EQ(hits, expected) << "--chunk-size " << param.chunk;
  std::vector<std::string> secrets;
  for (const Hit& hit : expected) secrets.push_back(hit.secret);
  EXPECT_TRUE(no_secret_on_stderr(result, secrets));
}

// Inputs whose length is, or is one past, a multiple of the chunk size: the end of input
// lands on a chunk boundary, with a key ending the input.
TEST_P(ChunkBoundaries, KeyEndingTheInputAtAChunkBoundary) {
  const ChunkCase param = GetParam();
  TempDir dir;
  KeyGen gen(2000 + param.chunk);
  for (std::size_t extra : {std::size_t{0}, std::size_t{1}}) {
    const std::size_t length = param.chunk * ((300 + param.chunk - 1) / param.chunk) + extra;
    std::string input = gen.filler(length);
    const std::string first = gen.personal_key(0);
    const std::string last = gen.personal_key(2);
    plant(input, 0, first, gen);
    plant(input, input.size() - last.size(), last, gen);
    ASSERT_EQ(input.size(), length);
    const RunResult result = scan_stdin(input, param, dir);
    ASSERT_TRUE(exited_with(result, 1));
    const Position position = position_of(input, input.size() - last.size());
    std::vector<Hit> expected = {
        Hit{"-", "posthog_personal_key", first, 0, 1, 1},
        Hit{"-", "posthog_personal_key", last, input.size() - last.size(), position.line, position.column}};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(hits_of(result), expected) << "input of " << length << " bytes, --chunk-size " << param.chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Stdin, ChunkBoundaries,
    ::testing::Values(ChunkCase{1, RuleChoice::kPostHogOnly}, ChunkCase{7, RuleChoice::kPostHogOnly},
                      ChunkCase{53, RuleChoice::kPostHogOnly}, ChunkCase{64, RuleChoice::kPostHogOnly},
                      ChunkCase{100, RuleChoice::kPostHogOnly}, ChunkCase{4096, RuleChoice::kPostHogOnly},
                      ChunkCase{64, RuleChoice::kBuiltin}, ChunkCase{100, RuleChoice::kBuiltin},
                      ChunkCase{4096, RuleChoice::kBuiltin}),
    [](const ::testing::TestParamInfo<ChunkCase>& info) {
      return "Chunk" + std::to_string(info.param.chunk) + rule_name(info.param.rules);
    });

// --------------------------------------------------------------------- file segment boundaries

struct SegmentCase {
  std::size_t segment_flag;  // --segment-size
  RuleChoice rules;
  const char* mmap_threshold;
};

class SegmentBoundaries : public ::testing::TestWithParam<SegmentCase> {};

TEST_P(SegmentBoundaries, KeyAtEveryOffsetAroundASegmentBoundaryIsFoundOnce) {
  const SegmentCase param = GetParam();
  // The scanner never uses segments shorter than 4 confirmation windows.
  const std::size_t segment = std::max(param.segment_flag, 4 * max_window(param.rules));
  TempDir dir;
  KeyGen gen(3000 + param.segment_flag);
  const std::size_t count = static_cast<std::size_t>(kLastDelta - kFirstDelta + 1);
  std::string bytes = gen.filler((count + 1) * segment + segment / 3);
  const std::string path = dir.path("big/segments.log");
  const std::vector<Hit> expected = plant_around_boundaries(bytes, segment, path, gen);
  dir.write("big/segments.log", bytes);

  std::vector<std::string> common{"scan", path, "-f", "jsonl", "--mmap-threshold", param.mmap_threshold};
  for (const std::string& arg : rule_args(param.rules, dir)) common.push_back(arg);
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = common;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const RunResult parallel = sluice(with({"-j", "2", "--segment-size", std::to_string(param.segment_flag)}));
  ASSERT_TRUE(exited_with(parallel, 1));
  EXPECT_TRUE(each_once(parallel));
  const std::vector<Hit> hits = hits_of(parallel);
  EXPECT_EQ(hits.size(), expected.size()) << "planted " << expected.size() << " keys; segment " << segment;
  EXPECT_EQ(hits, expected) << "segments of " << segment << " bytes, -j 2";

  const RunResult serial = sluice(with({"-j", "1"}));
  ASSERT_TRUE(exited_with(serial, 1));
  EXPECT_EQ(hits_of(serial), expected) << "-j 1 (one stream over the whole file)";
}

INSTANTIATE_TEST_SUITE_P(File, SegmentBoundaries,
                         ::testing::Values(SegmentCase{4096, RuleChoice::kPostHogOnly, kMapAll},
                                           SegmentCase{5000, RuleChoice::kPostHogOnly, kMapNone},
                                           SegmentCase{4096, RuleChoice::kBuiltin, kMapAll},
                                           SegmentCase{65536, RuleChoice::kBuiltin, kMapNone}),
                         [](const ::testing::TestParamInfo<SegmentCase>& info) {
                           return "Segment" + std::to_string(info.param.segment_flag) + rule_name(info.param.rules) +
                                  (std::string(info.param.mmap_threshold) == kMapAll ? "Mapped" : "Read");
                         });

// A large file full of every built-in rule's examples (some straddling segment boundaries):
// the segment-parallel report equals the serial one exactly.
TEST(SegmentParallel, EqualsSerialOnEveryBuiltinExample) {
  const engine::RuleSet rules = engine::builtin_rules();
  const std::size_t segment = std::max<std::size_t>(65536, 4 * max_window(RuleChoice::kBuiltin));
  TempDir dir;
  KeyGen gen(4242);
  std::string bytes = gen.filler(4'000'000);
  std::vector<std::string> texts;
  std::set<std::string> must_find;
  std::vector<std::string> enable;  // rules that are off by default are turned on
  for (const engine::Rule& rule : rules.rules) {
    if (rule.regex.empty()) continue;  // path-only rules have nothing to find in text
    if (!rule.enabled) enable.insert(enable.end(), {"--enable", rule.id});
    for (const engine::RuleExample& example : rule.examples) {
      texts.push_back(example.text);
      must_find.insert(example.secret);
    }
  }
  for (int i = 0; i < 100; ++i) {
    const std::string key = gen.personal_key();
    texts.push_back("token: " + key);
    must_find.insert(key);
  }
  // Half at random places, half centred on a segment boundary; never overlapping.
  const std::size_t boundaries = bytes.size() / segment;
  std::vector<std::pair<std::size_t, std::size_t>> used;  // [begin, end)
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string line = "\n" + texts[i] + "\n";
    bool placed = false;
    for (int attempt = 0; attempt < 1000 && !placed; ++attempt) {
      std::size_t at = gen.below(bytes.size() - line.size());
      if (i % 2 == 1 && boundaries > 0 && attempt < 20) {
        const std::size_t boundary = (1 + gen.below(boundaries)) * segment;
        at = std::min(boundary > line.size() / 2 ? boundary - line.size() / 2 : 0, bytes.size() - line.size());
      }
      const bool overlaps = std::any_of(used.begin(), used.end(), [&](const auto& range) {
        return at < range.second && range.first < at + line.size();
      });
      if (overlaps) continue;
      used.emplace_back(at, at + line.size());
      bytes.replace(at, line.size(), line);
      placed = true;
    }
    ASSERT_TRUE(placed) << "test setup: no room left for text " << i;
  }
  const std::string path = dir.write("huge.txt", bytes);

  auto json_findings = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"scan", path, "-f", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), enable.begin(), enable.end());
    const RunResult result = sluice(args);
    EXPECT_TRUE(exited_with(result, 1));
    const nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
    return document.is_discarded() ? nlohmann::json() : document["findings"];
  };
  const nlohmann::json parallel = json_findings({"-j", "2", "--segment-size", "65536"});
  const nlohmann::json serial = json_findings({"-j", "1"});
  const nlohmann::json unsplit = json_findings({"-j", "2", "--segment-size", kHugeSegment});
  EXPECT_EQ(parallel, serial) << "segment-parallel and serial reports differ";
  EXPECT_EQ(unsplit, serial) << "-j 2 without segments and -j 1 differ";

  std::set<std::string> found;
  for (const nlohmann::json& finding : parallel) found.insert(finding.value("secret", ""));
  for (const std::string& secret : must_find) {
    EXPECT_TRUE(found.count(secret)) << "secret planted in the large file not found: " << secret;
  }
}

// Two matches of one rule that overlap: the serial scan keeps the leftmost only (a regex
// "find all"), so the segment-parallel scan must too, even when a segment boundary falls
// between their ends. Here `aws_secret_access_key=V=W` where V (40 characters) ends with
// "awssecret": V is a secret after "aws_secret_access_key=", and W after "awssecret=".
TEST(SegmentParallel, OverlappingMatchesAcrossABoundaryEqualSerial) {
  bool has_rule = false;
  for (const engine::Rule& rule : engine::builtin_rules().rules)
    has_rule = has_rule || rule.id == "aws_secret_access_key";
  if (!has_rule) GTEST_SKIP() << "no aws_secret_access_key rule in this build";
  const std::size_t segment = std::max<std::size_t>(65536, 4 * max_window(RuleChoice::kBuiltin));
  TempDir dir;
  KeyGen gen(555);
  auto alnum = [&](std::size_t n) {
    static constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text.push_back(kAlnum[gen.below(kAlnum.size())]);
    return text;
  };
  const std::string first = alnum(31) + "awssecret";
  const std::string second = alnum(40);
  const std::string head = "aws_secret_access_key=";
  const std::string fragment = head + first + "=" + second + "\n";
  // The boundary at 2 * segment falls between the end of `first` and the end of `second`.
  const std::size_t start = 2 * segment - (head.size() + first.size()) - 5;
  std::string bytes = gen.filler(start) + fragment + gen.filler(3 * segment);
  const std::string path = dir.write("overlap.env", bytes);

  const RunResult serial = sluice({"scan", path, "-f", "jsonl", "-j", "1"});
  const RunResult parallel = sluice({"scan", path, "-f", "jsonl", "-j", "2", "--segment-size", "65536"});
  ASSERT_TRUE(exited_with(serial, 1));
  ASSERT_TRUE(exited_with(parallel, 1));
  EXPECT_EQ(hits_of(parallel), hits_of(serial))
      << "segment-parallel and serial scans of the same file report different findings";
}

// ---------------------------------------------------------------------- stream versus file

// Every built-in example, one after another: the same bytes through standard input in chunks
// of any size give exactly the findings (offsets, lines, columns) of the file scan.
TEST(StreamVersusFile, EveryBuiltinExampleGivesTheSameFindings) {
  TempDir dir;
  KeyGen gen(99);
  std::string bytes;
  for (const engine::Rule& rule : engine::builtin_rules().rules) {
    for (const engine::RuleExample& example : rule.examples) {
      bytes += gen.filler(1 + gen.below(90));
      bytes += "\n" + example.text + "\n";
    }
  }
  const std::string path = dir.write("examples.txt", bytes);
  const RunResult file = sluice({"scan", path, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(file, 1));
  std::vector<Hit> expected = hits_of(file);
  for (Hit& hit : expected) hit.path = "-";
  std::sort(expected.begin(), expected.end());
  ASSERT_FALSE(expected.empty());
  for (const char* chunk : {"1", "7", "64", "1000", "65536"}) {
    RunOptions options;
    options.input = bytes;
    const RunResult stream = sluice({"scan", "-", "-f", "jsonl", "--chunk-size", chunk}, options);
    ASSERT_TRUE(exited_with(stream, 1));
    const std::vector<Hit> got = hits_of(stream);
    std::vector<Hit> missing, extra;
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
    EXPECT_TRUE(missing.empty() && extra.empty())
        << "standard input with --chunk-size " << chunk << " differs from the file scan: missing "
        << ::testing::PrintToString(missing) << ", extra " << ::testing::PrintToString(extra);
  }
}

// --------------------------------------------------------------------------- every input path

// The same bytes (every built-in example) as a file, as a member of a tar.gz and of a zip (read
// whole, and in segments), and as a git blob in history only: the same findings at the same
// offsets, lines and columns, whatever path the content took. Standard input at five chunk
// sizes is the test above.
TEST(EveryInputPath, EveryBuiltinExampleGivesTheSameFindings) {
  TempDir dir;
  KeyGen gen(2024);
  std::string bytes;
  std::vector<std::string> enable;  // rules that are off by default are turned on
  for (const engine::Rule& rule : engine::builtin_rules().rules) {
    if (!rule.enabled) enable.insert(enable.end(), {"--enable", rule.id});
    for (const engine::RuleExample& example : rule.examples) {
      bytes += gen.filler(1 + gen.below(90));
      bytes += "\n" + example.text + "\n";
    }
  }
  auto scan = [&](const std::string& path, std::vector<std::string> extra) {
    std::vector<std::string> args{"scan", path, "-f", "jsonl"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), enable.begin(), enable.end());
    const RunResult result = sluice(args);
    EXPECT_TRUE(exited_with(result, 1)) << path;
    std::vector<Hit> hits = hits_of(result);
    for (Hit& hit : hits) hit.path.clear();  // each path names the content its own way
    std::sort(hits.begin(), hits.end());
    return hits;
  };
  const std::vector<Hit> expected = scan(dir.write("file/examples.txt", bytes), {});
  ASSERT_GT(expected.size(), 1000u);

  const std::vector<testing::Member> members{testing::Member{"examples.txt", bytes}};
  dir.write("tgz/examples.tar.gz", make_archive("pax", {"gzip"}, members));
  dir.write("zip/examples.zip", make_archive("zip", {}, members));
  const std::string repo = (dir.root() / "repo").string();
  dir.write("repo/examples.txt", bytes);
  for (std::vector<std::string> args : {std::vector<std::string>{"init", "-q"},
                                        {"add", "examples.txt"},
                                        {"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c",
                                         "commit.gpgsign=false", "commit", "-q", "-m", "examples"},
                                        {"rm", "-q", "examples.txt"}}) {
    args.insert(args.begin(), {"git", "-C", repo});
    ASSERT_TRUE(exited_with(run(args), 0)) << args[3];
  }
  const std::vector<std::pair<std::string, std::vector<std::string>>> paths{
      {"tgz", {}},  {"tgz", {"--segment-size", "65536"}}, {"zip", {}}, {"zip", {"--segment-size", "65536", "-j", "1"}},
      {"repo", {}},
  };
  for (const auto& [where, extra] : paths) {
    const std::vector<Hit> got = scan((dir.root() / where).string(), extra);
    std::vector<Hit> missing, added;
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(added));
    EXPECT_TRUE(missing.empty() && added.empty())
        << where << ::testing::PrintToString(extra) << " differs from the file scan: missing "
        << ::testing::PrintToString(missing) << ", extra " << ::testing::PrintToString(added);
  }
}

// ------------------------------------------------------------------------- mapped versus read

TEST(MmapThreshold, MappedAndReadFilesGiveTheSameFindings) {
  TempDir dir;
  KeyGen gen(77);
  for (std::size_t size :
       {std::size_t{0}, std::size_t{10}, std::size_t{5000}, std::size_t{150'000}, std::size_t{2'500'000}}) {
    std::string bytes = gen.filler(size);
    if (size >= 200) {
      for (std::size_t i = 0; i < 3; ++i)
        plant(bytes, 1 + i * (size / 3) + gen.below(size / 3 - 60), gen.personal_key(), gen);
    }
    dir.write("files/f" + std::to_string(size) + ".txt", bytes);
  }
  auto findings_with = [&](const char* threshold) {
    const RunResult result = sluice({"scan", dir.root().string(), "-f", "json", "--mmap-threshold", threshold});
    EXPECT_TRUE(exited_with(result, 1));
    const nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
    return document.is_discarded() ? nlohmann::json() : document["findings"];
  };
  const nlohmann::json mapped = findings_with(kMapAll);
  const nlohmann::json read = findings_with(kMapNone);
  const nlohmann::json mixed = findings_with("100000");
  EXPECT_EQ(mapped.size(), 9u) << "three files hold three keys each" << mapped.dump(1);
  EXPECT_EQ(mapped, read) << "memory-mapped and read files must give identical findings";
  EXPECT_EQ(mixed, read);
}

}  // namespace
}  // namespace sluice::e2e

// Sharded scans (`sluice scan --shard I/N`) joined by `sluice merge`: the merged report is the
// report of one scan of the same inputs, in every format (timings aside, lines sorted), on a
// corpus of a tree, archives and two git repositories; merge refuses a missing, repeated or
// cut-short shard and shards of different scans.

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/encoders.hpp"
#include "support.hpp"

namespace sluice::e2e {
namespace {

// A repository whose history holds `secrets`, one commit each, the last deleted again.
void make_repo(const TempDir& dir, const std::string& name, const std::vector<std::string>& secrets) {
  const std::string repo = dir.mkdir(name);
  git_in(repo, {"init", "-q"});
  for (std::size_t k = 0; k < secrets.size(); ++k) {
    dir.write(name + "/config" + std::to_string(k) + ".env", "POSTHOG_KEY=" + secrets[k] + "\n");
    git_in(repo, {"add", "."});
    git_in(repo, {"commit", "-q", "-m", "add config " + std::to_string(k)});
  }
  git_in(repo, {"rm", "-q", "config" + std::to_string(secrets.size() - 1) + ".env"});
  git_in(repo, {"commit", "-q", "-m", "remove the last config"});
}

// A report with what differs between runs taken out (seconds, rates) and its lines sorted.
std::string normalized(const std::string& report) {
  static const std::regex seconds(R"("seconds": ?[0-9.eE+-]+)");
  static const std::regex timing(R"(in [0-9.]+ s( \([0-9.]+ [KMGT]?B/s\))?)");
  std::string text = std::regex_replace(std::regex_replace(report, seconds, "\"seconds\":0"), timing, "in X s");
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

struct Corpus {
  TempDir dir;
  std::vector<std::string> secrets;
};

// A tree of files with keys (one only under tests/, one both there and in the code), a tar.gz
// and a zip with keys in members, two repositories with keys in their history, a FIFO (an
// issue) and a .sluiceignore that suppresses one key.
void make_corpus(Corpus& c) {
  KeyGen gen(21);
  const TempDir& dir = c.dir;
  for (int k = 0; k < 40; ++k) c.secrets.push_back(gen.personal_key());
  std::size_t next = 0;
  for (int k = 0; k < 24; ++k) {
    const std::string text = gen.filler(500 + 997 * static_cast<std::size_t>(k)) + "\napi_key = \"" +
                             c.secrets[next++] + "\"\n" + gen.filler(300) + "\n";
    dir.write("tree/src/module" + std::to_string(k % 5) + "/file" + std::to_string(k) + ".py", text);
  }
  // Only in a test: demoted and hidden. In a test and in the code: reported with both.
  dir.write("tree/tests/test_keys.py", "KEY = \"" + c.secrets[next] + "\"\nOTHER = \"" + c.secrets[next + 1] + "\"\n");
  dir.write("tree/src/app/settings.py", "KEY = \"" + c.secrets[next + 1] + "\"\n");
  next += 2;
  std::vector<Member> members;
  for (int k = 0; k < 3; ++k)
    members.push_back(Member{"etc/app" + std::to_string(k) + ".conf", "token=" + c.secrets[next++] + "\n"});
  dir.write("tree/backups/etc.tar.gz", make_archive("pax", {"gzip"}, members));
  members.clear();
  for (int k = 0; k < 2; ++k) members.push_back(Member{"cfg/k" + std::to_string(k) + ".txt", c.secrets[next++] + "\n"});
  dir.write("tree/backups/cfg.zip", make_archive("zip", {}, members));
  make_repo(dir, "tree/repos/one", {c.secrets[next], c.secrets[next + 1], c.secrets[next + 2]});
  next += 3;
  make_repo(dir, "tree/repos/two", {c.secrets[next], c.secrets[next + 1]});
  next += 2;
  const std::string suppressed = c.secrets[next++];
  c.secrets.resize(next);
  dir.write("tree/src/legacy.cfg", "secret_key = " + suppressed + "\n");
  const RunResult fingerprints = sluice({"scan", dir.path("tree/src/legacy.cfg"), "-f", "jsonl"});
  const std::vector<Finding> found = parse_jsonl(fingerprints.out);
  ASSERT_EQ(found.size(), 1u) << describe(fingerprints);
  dir.write("tree/.sluiceignore", found[0].raw["fingerprint"].get<std::string>() + "\n");
  ASSERT_EQ(::mkfifo(dir.path("tree/src/pipe").c_str(), 0600), 0);
}

std::vector<std::string> shard_files(const Corpus& c, unsigned count, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> files;
  for (unsigned index = 0; index < count; ++index) {
    const std::string file = c.dir.path("shards/shard-" + std::to_string(index) + ".jsonl");
    std::vector<std::string> args{
        "scan", c.dir.path("tree"), "--shard", std::to_string(index) + "/" + std::to_string(count), "-o", file};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult result = sluice(args);
    EXPECT_TRUE(exited_with(result, kFindings) || exited_with(result, kClean)) << describe(result);
    files.push_back(file);
  }
  return files;
}

TEST(Shards, TheMergedReportIsTheSingleScansInEveryFormat) {
  Corpus c;
  make_corpus(c);
  c.dir.mkdir("shards");
  const std::vector<std::string> files = shard_files(c, 4);
  // Every shard scanned something, and no input was scanned twice.
  std::uint64_t files_scanned = 0;
  for (const std::string& file : files) {
    const std::string text = read_file(file);
    ASSERT_EQ(text.rfind("{\"shard\":", 0), 0u) << text.substr(0, 200);
    const auto summary = nlohmann::json::parse(text.substr(text.rfind("{\"summary\"")))["summary"];
    EXPECT_GT(summary["files"].get<std::uint64_t>() + summary["repositories"].get<std::uint64_t>(), 0u) << file;
    files_scanned += summary["files"].get<std::uint64_t>();
  }
  for (const std::string format : {"jsonl", "json", "text", "sarif"}) {
    const RunResult single = sluice({"scan", c.dir.path("tree"), "-f", format});
    ASSERT_TRUE(exited_with(single, kIncomplete) || exited_with(single, kFindings)) << describe(single);
    std::vector<std::string> args{"merge", "-f", format};
    args.insert(args.end(), files.begin(), files.end());
    const RunResult merged = sluice(args);
    EXPECT_EQ(merged.exit_code, single.exit_code) << describe(merged);
    EXPECT_TRUE(normalized(merged.out) == normalized(single.out)) << format << ": the merged report differs:\n"
                                                                  << merged.out.substr(0, 3000);
    if (format == std::string("jsonl")) {
      const auto summary = jsonl_summary(single.out);
      // Every file was read by one shard. The two repositories' identical hook samples went to
      // two shards, which both scanned them: the merge counted one scan and duplicates, as the
      // single scan did (the equality above).
      EXPECT_EQ(summary["files"].get<std::uint64_t>(), files_scanned);
      EXPECT_EQ(summary["hidden_in_tests_or_docs"], 1);
      EXPECT_EQ(summary["suppressed"], 1);
      EXPECT_EQ(summary["repositories"], 2);
      EXPECT_GE(summary["issues"].size(), 1u);  // the FIFO
      const std::vector<Finding> found = parse_jsonl(merged.out);
      EXPECT_EQ(found.size(), c.secrets.size() - 2);  // all but the hidden and the suppressed ones
    }
  }
  // A second run plans the same partition: each shard's header (its plan digest with it) and
  // its findings are the same as the first run's.
  std::vector<std::string> first;
  for (const std::string& file : files) first.push_back(read_file(file));
  const std::vector<std::string> again = shard_files(c, 4);
  for (std::size_t k = 0; k < again.size(); ++k) {
    const std::string text = read_file(again[k]);
    EXPECT_EQ(text.substr(0, text.find('\n')), first[k].substr(0, first[k].find('\n'))) << "shard " << k;
    EXPECT_EQ(normalized(text.substr(0, text.rfind("{\"summary\""))),
              normalized(first[k].substr(0, first[k].rfind("{\"summary\""))))
        << "shard " << k;
  }
}

// Files over --shard-split-size are cut in byte ranges that go to different shards; the merged
// report is still the single scan's, in every format: a key that crosses a range boundary, a
// private key block that starts in one range and ends in the next (its line counted back over
// the boundary), keys on a line longer than a range (columns counted from a newline in an
// earlier range), base64 that runs across a boundary. A compressed file as big is not cut.
TEST(Shards, BigFilesCutInRangesMergeToTheSingleScan) {
  TempDir dir;
  KeyGen gen(53);
  constexpr std::size_t kRange = 128 * 1024;  // --segment-size 64 KiB, two segments a range
  std::string big;
  std::size_t keys = 0;
  const auto add_key_at = [&](std::size_t at, const std::string& text) {
    if (big.size() < at) big += gen.filler(at - big.size());
    big += text;
    ++keys;
  };
  for (std::size_t boundary = kRange; boundary < 9 * kRange; boundary += kRange) {
    const std::size_t k = boundary / kRange;
    if (k % 3 == 1) add_key_at(boundary - 20, "\ntoken = " + gen.personal_key() + "\n");  // across the boundary
    if (k % 3 == 2) {
      std::string body;
      for (int i = 0; i < 900; ++i) body.push_back(static_cast<char>(gen.below(256)));
      // Starts about 600 bytes before the boundary, ends after it.
      add_key_at(boundary - 600, "\n-----BEGIN PRIVATE KEY-----\n" + testing::wrapped(testing::base64(body), 64) +
                                     "-----END PRIVATE KEY-----\n");
    }
    if (k % 3 == 0) {
      // One line longer than a range with keys in it, and base64 of a key across the boundary.
      std::string line = "\ndata=";
      for (int part = 0; part < 6; ++part) {
        std::string words = gen.filler(30000);
        std::replace(words.begin(), words.end(), '\n', ' ');
        line += words + " key=" + gen.personal_key() + " ";
      }
      keys += 5;  // and one for the line, below
      add_key_at(boundary - 1000, line + "\n");
      add_key_at(big.size() + 10, "blob: " + testing::base64("POSTHOG_KEY=" + gen.personal_key()) + "\n");
    }
  }
  big += gen.filler(50000) + "\n";
  dir.write("tree/dump.sql", big);
  dir.write("tree/small.env", "POSTHOG_KEY=" + gen.personal_key() + "\n");
  std::string compressed_text;
  while (compressed_text.size() < 4 * kRange) compressed_text += gen.filler(1000) + " k=" + gen.personal_key() + "\n";
  dir.write("tree/logs.gz", make_archive("raw", {"gzip"}, {Member{"logs", compressed_text}}));
  const std::vector<std::string> sizes{"--segment-size", "65536"};

  dir.mkdir("shards");
  std::vector<std::string> files;
  std::set<unsigned> shards_with_ranges;
  for (unsigned index = 0; index < 3; ++index) {
    const std::string file = dir.path("shards/" + std::to_string(index) + ".jsonl");
    std::vector<std::string> args{"scan",
                                  dir.path("tree"),
                                  "--shard",
                                  std::to_string(index) + "/3",
                                  "-o",
                                  file,
                                  "--shard-split-size",
                                  std::to_string(kRange)};
    args.insert(args.end(), sizes.begin(), sizes.end());
    const RunResult shard = sluice(args);
    ASSERT_TRUE(exited_with(shard, kFindings) || exited_with(shard, kClean)) << describe(shard);
    const nlohmann::json summary = jsonl_summary(read_file(file));
    for (const nlohmann::json& range : summary.value("splits", nlohmann::json::array())) {
      EXPECT_EQ(range["path"], dir.path("tree/dump.sql")) << "only the plain file is cut";
      EXPECT_EQ(range["ranges"], (big.size() + kRange - 1) / kRange);
      shards_with_ranges.insert(index);
    }
    files.push_back(file);
  }
  EXPECT_EQ(shards_with_ranges.size(), 3u) << "the ranges are spread over the shards";
  for (const std::string format : {"jsonl", "json", "text", "sarif"}) {
    std::vector<std::string> args{"scan", dir.path("tree"), "-f", format};
    args.insert(args.end(), sizes.begin(), sizes.end());
    const RunResult single = sluice(args);
    ASSERT_TRUE(exited_with(single, kFindings)) << describe(single);
    std::vector<std::string> merge{"merge", "-f", format};
    merge.insert(merge.end(), files.begin(), files.end());
    const RunResult merged = sluice(merge);
    EXPECT_EQ(merged.exit_code, single.exit_code) << describe(merged);
    EXPECT_TRUE(normalized(merged.out) == normalized(single.out)) << format << ": the merged report differs:\n"
                                                                  << merged.out.substr(0, 3000);
    if (format == std::string("jsonl")) {
      std::size_t in_dump = 0;
      for (const Finding& finding : parse_jsonl(single.out)) {
        for (const nlohmann::json& at : finding.raw["locations"]) in_dump += at["path"] == dir.path("tree/dump.sql");
      }
      EXPECT_GE(in_dump, keys) << "every key of the cut file was found";
      // The test covers what the merge completes: lines counted back over a boundary and
      // columns from a newline in an earlier range.
      std::size_t unknown_columns = 0;
      for (const std::string& file : files) unknown_columns += count_of(read_file(file), "\"column_known\":false");
      EXPECT_GE(unknown_columns, 4u);
    }
  }
  // A shard that could not read its ranges (the file changed size after its plan) says so: the
  // merge reports the ranges no shard scanned as an issue, keeps every finding, and exits 3.
  const std::string text = read_file(files[1]);
  const std::size_t last = text.rfind("{\"summary\"");
  nlohmann::json record = nlohmann::json::parse(text.substr(last));
  ASSERT_TRUE(record["summary"].contains("splits"));
  record["summary"].erase("splits");
  std::ofstream(files[1], std::ios::trunc) << text.substr(0, last) << record.dump() << "\n";
  std::vector<std::string> merge{"merge", "-f", "jsonl"};
  merge.insert(merge.end(), files.begin(), files.end());
  const RunResult partial = sluice(merge);
  EXPECT_TRUE(exited_with(partial, kIncomplete)) << describe(partial);
  const nlohmann::json summary = jsonl_summary(partial.out);
  EXPECT_FALSE(summary["complete"].get<bool>());
  EXPECT_NE(summary["issues"].dump().find("was scanned by no shard"), std::string::npos) << summary["issues"].dump();
  const RunResult single = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--segment-size", "65536"});
  EXPECT_EQ(parse_jsonl(partial.out).size(), parse_jsonl(single.out).size()) << "no finding lost";
}

// A shard takes its inputs from its plan's walk (the tree is walked once): what the walk would
// pass over is passed over all the same, as the earlier report that -o replaces in the tree.
TEST(Shards, AShardPassesOverTheEarlierReportItReplaces) {
  TempDir dir;
  KeyGen gen(59);
  for (int k = 0; k < 6; ++k) dir.write("tree/f" + std::to_string(k) + ".env", "KEY=" + gen.personal_key() + "\n");
  const std::string report = dir.path("tree/shard.jsonl");
  for (int run = 0; run < 2; ++run) {
    const RunResult shard = sluice({"scan", dir.path("tree"), "--shard", "0/1", "-o", report});
    ASSERT_TRUE(exited_with(shard, kFindings)) << describe(shard);
  }
  const std::string text = read_file(report);
  const nlohmann::json summary = jsonl_summary(text);
  EXPECT_EQ(summary["files"], 6) << summary.dump();
  EXPECT_EQ(count_of(text, "\"rule_id\""), 6u);
  bool named = false;
  for (const nlohmann::json& issue : summary["issues"]) {
    named = named ||
            (issue["path"] == report && issue["reason"].get<std::string>().find("earlier report") != std::string::npos);
  }
  EXPECT_TRUE(named) << summary["issues"].dump();
}

TEST(Shards, MergeRefusesAMissingRepeatedCutOrForeignShard) {
  Corpus c;
  make_corpus(c);
  c.dir.mkdir("shards");
  const std::vector<std::string> files = shard_files(c, 3);

  RunResult result = sluice({"merge", files[0], files[2]});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_NE(result.err.find("shard 1 of 3 missing"), std::string::npos) << result.err;

  result = sluice({"merge", files[0], files[1], files[1], files[2]});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_NE(result.err.find("shard 1 of 3 given twice"), std::string::npos) << result.err;

  const std::string whole = read_file(files[2]);
  const std::string cut = c.dir.write("cut.jsonl", whole.substr(0, whole.rfind("{\"summary\"")));
  result = sluice({"merge", files[0], files[1], cut});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_NE(result.err.find("cut short"), std::string::npos) << result.err;

  // A shard of a scan with another catalog, or of other inputs.
  c.dir.mkdir("other");
  const std::string foreign = c.dir.path("other/shard-1.jsonl");
  result = sluice({"scan", c.dir.path("tree"), "--shard", "1/3", "-o", foreign, "--disable", "posthog_personal_key"});
  result = sluice({"merge", files[0], foreign, files[2]});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_NE(result.err.find("their catalog differ"), std::string::npos) << result.err;
  result = sluice({"scan", c.dir.path("tree/src"), "--shard", "1/3", "-o", foreign});
  result = sluice({"merge", files[0], foreign, files[2]});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_NE(result.err.find("their inputs differ"), std::string::npos) << result.err;

  // A plain report is no shard; --shard with another format is refused.
  const std::string plain = c.dir.path("plain.jsonl");
  result = sluice({"scan", c.dir.path("tree/src/app"), "-f", "jsonl", "-o", plain});
  result = sluice({"merge", plain});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_NE(result.err.find("not a shard report"), std::string::npos) << result.err;
  result = sluice({"scan", c.dir.path("tree"), "--shard", "0/2", "-f", "sarif"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  result = sluice({"scan", "-", "--shard", "0/2"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  result = sluice({"scan", c.dir.path("tree"), "--shard", "2/2"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
}

TEST(Shards, MergeRedactsWhatTheShardsDidNot) {
  Corpus c;
  make_corpus(c);
  c.dir.mkdir("shards");
  const std::vector<std::string> files = shard_files(c, 2);
  for (const std::string format : {"jsonl", "text", "sarif"}) {
    const RunResult single = sluice({"scan", c.dir.path("tree"), "-f", format, "--redact"});
    std::vector<std::string> args{"merge", "--redact", "-f", format};
    args.insert(args.end(), files.begin(), files.end());
    const RunResult merged = sluice(args);
    EXPECT_TRUE(normalized(merged.out) == normalized(single.out)) << format << ": the merged report differs";
    for (const std::string& secret : c.secrets) EXPECT_EQ(merged.out.find(secret), std::string::npos) << format;
  }
}

TEST(Shards, RedactedShardsMergeRedacted) {
  Corpus c;
  make_corpus(c);
  c.dir.mkdir("shards");
  const std::vector<std::string> files = shard_files(c, 2, {"--redact"});
  for (const std::string format : {"jsonl", "text", "sarif"}) {
    const RunResult single = sluice({"scan", c.dir.path("tree"), "-f", format, "--redact"});
    std::vector<std::string> args{"merge", "-f", format};
    args.insert(args.end(), files.begin(), files.end());
    const RunResult merged = sluice(args);
    EXPECT_TRUE(normalized(merged.out) == normalized(single.out)) << format << ": the merged report differs";
    for (const std::string& secret : c.secrets) EXPECT_EQ(merged.out.find(secret), std::string::npos) << format;
  }
}

}  // namespace
}  // namespace sluice::e2e

// End-to-end: exit codes, input selection (paths, current directory, standard input), output
// destinations and --redact, through the real sluice binary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <algorithm>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A small tree with one key in `app/.env` at a known place.
struct KeyTree {
  TempDir dir;
  std::string key;
  std::string env_path;
  std::string env_text;

  explicit KeyTree(std::uint64_t seed) {
    KeyGen gen(seed);
    key = gen.personal_key();
    env_text = "# settings\nDEBUG=false\nPOSTHOG_PERSONAL_API_KEY=" + key + "\nREGION=eu\n";
    env_path = dir.write("app/.env", env_text);
    dir.write("app/main.py", gen.filler(3000));
    dir.write("docs/README.md", gen.filler(5000));
  }
  [[nodiscard]] std::uint64_t key_offset() const { return env_text.find(key); }
};

TEST(CliExitCodes, CleanTreeExitsZero) {
  TempDir dir;
  KeyGen gen(1);
  dir.write("a/one.txt", gen.filler(4000));
  dir.write("a/b/two.md", gen.filler(100));
  dir.write("three.py", gen.filler(70000));
  const RunResult result = sluice({"scan", dir.root().string(), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kClean));
  EXPECT_TRUE(parse_jsonl(result.out).empty()) << "a clean tree has no findings in JSONL";
  EXPECT_EQ(jsonl_summary(result.out).value("complete", false), true) << result.out;
  EXPECT_THAT(result.err, HasSubstr("sluice: scanned 3 inputs")) << describe(result);
}

// The built-in catalog's database is compiled at build time; extra rules force a compile.
TEST(CliExitCodes, BuiltinDatabaseIsPrecompiledAndExtraRulesAreCompiled) {
  TempDir dir;
  KeyGen gen(5);
  dir.write("a.txt", gen.filler(1000));
  const RunResult builtin = sluice({"scan", dir.root().string(), "-v"});
  EXPECT_TRUE(exited_with(builtin, kClean));
  EXPECT_THAT(builtin.err, HasSubstr("database and rule probes precompiled at build time, loaded"))
      << describe(builtin);
  dir.write("extra.toml", "[[rules]]\nid = 'extra'\nregex = '''extra_[0-9]{8}'''\n");
  const RunResult extra = sluice({"scan", dir.path("a.txt"), "-v", "--rules", dir.path("extra.toml")});
  EXPECT_TRUE(exited_with(extra, kClean));
  EXPECT_THAT(extra.err, HasSubstr("database compiled in")) << describe(extra);
}

TEST(CliExitCodes, FindingsExitOneWithExactLocation) {
  KeyTree tree(2);
  const RunResult result = sluice({"scan", tree.dir.root().string(), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, kFindings));
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u) << describe(result, true);
  const Finding& finding = findings[0];
  EXPECT_EQ(finding.rule_id, "posthog_personal_key");
  EXPECT_EQ(finding.secret, tree.key);
  EXPECT_EQ(finding.occurrences, 1u);
  ASSERT_EQ(finding.locations.size(), 1u);
  EXPECT_EQ(finding.locations[0].path, tree.env_path);
  EXPECT_EQ(finding.locations[0].offset, tree.key_offset());
  EXPECT_EQ(finding.locations[0].line, 3u);
  EXPECT_EQ(finding.locations[0].column, std::string("POSTHOG_PERSONAL_API_KEY=").size() + 1);
  for (const char* field : {"rule_name", "vendor", "family", "severity", "fingerprint"}) {
    EXPECT_TRUE(finding.raw.contains(field)) << "JSONL finding lacks '" << field << "': " << finding.raw.dump();
  }
  EXPECT_EQ(finding.raw.value("vendor", ""), "PostHog");
  EXPECT_EQ(finding.raw.value("severity", ""), "high");
  EXPECT_TRUE(no_secret_on_stderr(result, {tree.key}));
}

TEST(CliExitCodes, TextAndJsonReportsAgreeWithJsonl) {
  KeyTree tree(3);
  const RunResult text = sluice({"scan", tree.dir.root().string()});
  ASSERT_TRUE(exited_with(text, kFindings));
  EXPECT_THAT(text.out, HasSubstr(tree.key)) << "the text report shows the secret unless --redact";
  EXPECT_THAT(text.out,
              HasSubstr(tree.env_path + ":3:" + std::to_string(std::string("POSTHOG_PERSONAL_API_KEY=").size() + 1)));

  const RunResult json = sluice({"scan", tree.dir.root().string(), "-f", "json"});
  ASSERT_TRUE(exited_with(json, kFindings));
  const nlohmann::json document = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << "-f json output is not JSON:\n" << json.out;
  ASSERT_TRUE(document.contains("summary")) << json.out;
  const nlohmann::json& summary = document["summary"];
  EXPECT_EQ(summary.value("files", 0), 3) << summary.dump();
  EXPECT_EQ(summary.value("errors", -1), 0) << summary.dump();
  EXPECT_EQ(summary.value("complete", false), true) << summary.dump();
  EXPECT_TRUE(summary.contains("bytes") && summary.contains("duplicates") && summary.contains("skipped") &&
              summary.contains("seconds"))
      << summary.dump();
  const std::vector<Finding> findings = parse_json_findings(json.out);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].secret, tree.key);

  const RunResult jsonl = sluice({"scan", tree.dir.root().string(), "-f", "jsonl"});
  EXPECT_EQ(flatten(parse_jsonl(jsonl.out)), flatten(findings)) << "json and jsonl must report the same findings";
}

TEST(CliExitCodes, BadFlagExitsTwo) {
  TempDir dir;
  const RunResult unknown = sluice({"scan", dir.root().string(), "--definitely-not-a-flag"});
  EXPECT_TRUE(exited_with(unknown, kFatal));
  const RunResult format = sluice({"scan", dir.root().string(), "-f", "xml"});
  EXPECT_TRUE(exited_with(format, kFatal));
  const RunResult segment = sluice({"scan", dir.root().string(), "--segment-size", "100"});
  EXPECT_TRUE(exited_with(segment, kFatal)) << "--segment-size below 4096 must be refused";
  // NaN passes every range check (its comparisons are all false): it would stop every archive.
  for (const char* flag : {"--max-ratio", "--max-input-seconds"}) {
    for (const char* value : {"nan", "inf", "-nan"}) {
      const RunResult not_finite = sluice({"scan", dir.root().string(), flag, value});
      EXPECT_TRUE(exited_with(not_finite, kFatal)) << flag << " " << value << "\n" << describe(not_finite);
    }
  }
  const RunResult no_command = sluice({});
  EXPECT_TRUE(exited_with(no_command, kFatal));
  const RunResult bad_command = sluice({"scna"});
  EXPECT_TRUE(exited_with(bad_command, kFatal));
}

TEST(CliExitCodes, InvalidRulesFileExitsTwoNamingTheFile) {
  KeyTree tree(4);
  const std::string broken = tree.dir.write("rules/broken.toml", "[[rules]\nid = \"oops\nregex = '''(a'''\n");
  const RunResult syntax = sluice({"scan", tree.dir.root().string(), "--rules", broken});
  EXPECT_TRUE(exited_with(syntax, kFatal));
  EXPECT_THAT(syntax.err, HasSubstr(broken)) << "the message must name the bad rule file";
  EXPECT_EQ(syntax.out, "") << "no report when the rules cannot be loaded";

  const std::string bad_regex =
      tree.dir.write("rules/bad_regex.toml", "[[rules]]\nid = \"bad_regex\"\nregex = '''(unclosed[a-z'''\n");
  const RunResult regex = sluice({"scan", tree.dir.root().string(), "--rules", bad_regex});
  EXPECT_TRUE(exited_with(regex, kFatal));
  EXPECT_THAT(regex.err, HasSubstr(bad_regex));
  EXPECT_THAT(regex.err, HasSubstr("bad_regex"));

  const std::string missing = tree.dir.path("rules/missing.toml");
  const RunResult absent = sluice({"scan", tree.dir.root().string(), "--rules", missing});
  EXPECT_TRUE(exited_with(absent, kFatal));
  EXPECT_THAT(absent.err, HasSubstr(missing));

  const RunResult none = sluice({"scan", tree.dir.root().string(), "--no-builtin-rules"});
  EXPECT_TRUE(exited_with(none, kFatal)) << "no rules at all is a usage error";
  for (const RunResult* result : {&syntax, &regex, &absent, &none})
    EXPECT_TRUE(no_secret_on_stderr(*result, {tree.key}));
}

TEST(CliExitCodes, UnwritableOutputExitsTwo) {
  KeyTree tree(5);
  const RunResult result = sluice({"scan", tree.dir.root().string(), "-o", "/nonexistent/dir/out.json", "-f", "json"});
  EXPECT_TRUE(exited_with(result, kFatal));
  EXPECT_THAT(result.err, HasSubstr("/nonexistent/dir/out.json"));
  EXPECT_TRUE(no_secret_on_stderr(result, {tree.key}));

  // Opening works but writing fails: still a fatal error, never a silent partial report.
  if (std::filesystem::exists("/dev/full")) {
    const RunResult full = sluice({"scan", tree.dir.root().string(), "-o", "/dev/full", "-f", "json"});
    EXPECT_TRUE(exited_with(full, kFatal));
    EXPECT_THAT(full.err, HasSubstr("/dev/full"));
    EXPECT_TRUE(no_secret_on_stderr(full, {tree.key}));
  }
}

TEST(CliExitCodes, OutputFileReceivesTheReport) {
  KeyTree tree(6);
  TempDir out_dir;
  const std::string out = out_dir.path("report.jsonl");
  const RunResult result = sluice({"scan", tree.dir.root().string(), "-f", "jsonl", "-o", out});
  ASSERT_TRUE(exited_with(result, kFindings));
  EXPECT_EQ(result.out, "") << "with -o nothing goes to standard output";
  const std::vector<Finding> findings = parse_jsonl(read_file(out));
  ASSERT_EQ(findings.size(), 1u) << read_file(out);
  EXPECT_EQ(findings[0].secret, tree.key);
}

TEST(CliExitCodes, NoPathScansTheCurrentDirectory) {
  KeyTree tree(7);
  RunOptions options;
  options.cwd = tree.dir.root().string();
  const RunResult result = sluice({"scan", "-f", "jsonl"}, options);
  ASSERT_TRUE(exited_with(result, kFindings));
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u) << describe(result, true);
  ASSERT_EQ(findings[0].locations.size(), 1u);
  const std::string& path = findings[0].locations[0].path;
  EXPECT_TRUE(path == "app/.env" || path == "./app/.env")
      << "paths are relative to the current directory, got " << path;
  EXPECT_EQ(findings[0].locations[0].offset, tree.key_offset());
}

TEST(CliExitCodes, DashReadsStandardInput) {
  KeyGen gen(8);
  const std::string key = gen.personal_key();
  const std::string prefix = gen.filler(777) + "\ntoken: ";
  RunOptions options;
  options.input = prefix + key + "\n" + gen.filler(300);
  const RunResult result = sluice({"scan", "-", "-f", "jsonl"}, options);
  ASSERT_TRUE(exited_with(result, kFindings));
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u) << describe(result, true);
  EXPECT_EQ(findings[0].secret, key);
  ASSERT_EQ(findings[0].locations.size(), 1u);
  EXPECT_EQ(findings[0].locations[0].path, "-");
  EXPECT_EQ(findings[0].locations[0].offset, prefix.size());
  const Position expected = position_of(options.input, prefix.size());
  EXPECT_EQ(findings[0].locations[0].line, expected.line);
  EXPECT_EQ(findings[0].locations[0].column, expected.column);

  options.input = gen.filler(5000);
  const RunResult clean = sluice({"scan", "-", "-f", "jsonl"}, options);
  EXPECT_TRUE(exited_with(clean, kClean));

  options.input.clear();
  const RunResult empty = sluice({"scan", "-"}, options);
  EXPECT_TRUE(exited_with(empty, kClean)) << "empty standard input is a clean scan";
}

TEST(CliExitCodes, StdinAndFilesTogether) {
  KeyTree tree(9);
  KeyGen gen(10);
  const std::string stdin_key = gen.personal_key();
  RunOptions options;
  options.input = "x " + stdin_key + " y";
  const RunResult result = sluice({"scan", tree.env_path, "-", "-f", "jsonl"}, options);
  ASSERT_TRUE(exited_with(result, kFindings));
  const std::vector<Hit> hits = flatten(parse_jsonl(result.out));
  const std::vector<Hit> expected = {
      Hit{"-", "posthog_personal_key", stdin_key, 2, 1, 3},
      Hit{tree.env_path, "posthog_personal_key", tree.key, tree.key_offset(), 3, 26},
  };
  std::vector<Hit> sorted = expected;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(hits, sorted);
}

TEST(CliExitCodes, RedactHidesTheSecretInEveryFormat) {
  KeyTree tree(11);
  std::string fingerprint;
  for (const char* format : {"text", "json", "jsonl"}) {
    const RunResult plain = sluice({"scan", tree.dir.root().string(), "-f", format});
    ASSERT_TRUE(exited_with(plain, kFindings));
    ASSERT_THAT(plain.out, HasSubstr(tree.key)) << "without --redact the " << format << " report shows the secret";
    const RunResult redacted = sluice({"scan", tree.dir.root().string(), "-f", format, "--redact"});
    ASSERT_TRUE(exited_with(redacted, kFindings));
    EXPECT_THAT(redacted.out, Not(HasSubstr(tree.key))) << "--redact must hide the secret in " << format;
    EXPECT_THAT(redacted.out, Not(HasSubstr(tree.key.substr(4, 20))))
        << "--redact must not leave most of the secret in " << format;
    EXPECT_THAT(redacted.out, HasSubstr(tree.env_path)) << "the location is still reported in " << format;
    EXPECT_TRUE(no_secret_on_stderr(redacted, {tree.key}));
    if (std::string(format) == "jsonl") {
      const std::vector<Finding> plain_findings = parse_jsonl(plain.out);
      const std::vector<Finding> findings = parse_jsonl(redacted.out);
      ASSERT_EQ(findings.size(), 1u);
      ASSERT_EQ(plain_findings.size(), 1u);
      EXPECT_EQ(findings[0].raw.value("fingerprint", ""), plain_findings[0].raw.value("fingerprint", ""))
          << "redaction must keep the fingerprint, so baselines still work";
      EXPECT_EQ(findings[0].raw.value("redacted", false), true);
    }
  }
}

TEST(CliExitCodes, QuietPrintsNothingOnStderrForACleanScan) {
  KeyTree tree(12);
  const RunResult result = sluice({"scan", tree.dir.root().string(), "-q"});
  EXPECT_TRUE(exited_with(result, kFindings));
  EXPECT_EQ(result.err, "") << "-q prints only errors";
  const RunResult loud = sluice({"scan", tree.dir.root().string()});
  EXPECT_THAT(loud.err, HasSubstr("sluice: scanned")) << "without -q a summary line goes to standard error";
  EXPECT_TRUE(no_secret_on_stderr(loud, {tree.key}));
}

TEST(CliExitCodes, VersionAndHelpExitZero) {
  const RunResult version = sluice({"--version"});
  EXPECT_TRUE(exited_with(version, kClean));
  EXPECT_THAT(version.out + version.err, HasSubstr("sluice"));
  const RunResult help = sluice({"scan", "--help"});
  EXPECT_TRUE(exited_with(help, kClean));
  EXPECT_THAT(help.out, HasSubstr("--segment-size"));
}

}  // namespace
}  // namespace sluice::e2e

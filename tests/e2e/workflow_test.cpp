// End-to-end: living with results (issue 6). SARIF validated by Microsoft's SARIF validator;
// baselines keyed by fingerprint that survive a secret moving to another line and file, and
// redacted baselines; every ignore form; config discovery and precedence; a gitleaks config;
// --fail-on; no progress line when standard error is not a terminal.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string env_line(const std::string& key) { return "POSTHOG_PERSONAL_API_KEY=" + key + "\n"; }

// The secrets of a JSON Lines report, sorted. Compared as a bool so that a failure message
// never prints a secret (even a fake one).
std::vector<std::string> secrets_of(const RunResult& result) {
  std::vector<std::string> secrets;
  for (const Finding& finding : parse_jsonl(result.out)) secrets.push_back(finding.secret);
  std::sort(secrets.begin(), secrets.end());
  return secrets;
}
bool same_secrets(const RunResult& result, std::vector<std::string> expected) {
  std::sort(expected.begin(), expected.end());
  return secrets_of(result) == expected;
}

// ------------------------------------------------------------------------------------- SARIF

// The validator's launcher, installed on first use by scripts/sarif-validator.sh into the
// build tree (idempotent; serialized with flock across parallel tests).
std::string validator() {
  static const std::string path = [] {
    RunOptions options;
    options.timeout = std::chrono::seconds(600);
    const std::string build = SLUICE_BUILD_DIR;
    const RunResult result =
        run({"env", "SLUICE_SARIF_TOOL_DIR=" + build + "/sarif-tool", "flock", build + "/sarif-tool.lock", "bash",
             (kSourceDir / "scripts/sarif-validator.sh").string()},
            options);
    if (result.exit_code != 0) return std::string();
    std::string out = result.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }();
  return path;
}

// Results of the validator at level "error" (JSON schema and SARIF rule violations), as text;
// empty when the file is valid.
std::vector<std::string> validation_errors(const std::string& sarif_path) {
  const std::string tool = validator();
  if (tool.empty()) return {"the SARIF validator could not be installed (scripts/sarif-validator.sh)"};
  const std::string log = sarif_path + ".validation.sarif";
  RunOptions options;
  options.timeout = std::chrono::seconds(300);
  const RunResult result = run({tool, "validate", sarif_path, "-o", log, "--log", "ForceOverwrite"}, options);
  if (result.exit_code != 0) return {"validator failed: " + describe(result, true)};
  const nlohmann::json document = nlohmann::json::parse(read_file(log), nullptr, false);
  if (document.is_discarded()) return {"validator wrote no log: " + describe(result, true)};
  std::vector<std::string> errors;
  for (const auto& run : document["runs"]) {
    for (const auto& item : run.value("results", nlohmann::json::array())) {
      if (item.value("level", "warning") != "error") continue;
      errors.push_back(item.value("ruleId", "?") + ": " + item["message"].dump());
    }
  }
  return errors;
}

TEST(Sarif, ValidatorRejectsAnInvalidFile) {
  // The harness itself: a file missing required properties must give errors.
  TempDir dir;
  const std::string path = dir.write("bad.sarif", R"({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})");
  EXPECT_FALSE(validation_errors(path).empty());
}

TEST(Sarif, ReportValidatesWithCardsFingerprintsAndProvenance) {
  TempDir dir;
  KeyGen gen(601);
  const std::string key = gen.personal_key();
  const std::string archived = gen.personal_key();
  const std::string text = gen.filler(200) + "\nkey = \"" + key + "\"\n";
  const Position position = position_of(text, text.find(key));
  dir.write("tree/src/app config.py", text);
  dir.write("tree/release.tar.gz", make_archive("pax", {"gzip"}, {Member{"etc/app.env", env_line(archived)}}));
  const std::string out = dir.path("report.sarif");
  const RunResult result = sluice({"scan", dir.path("tree"), "-f", "sarif", "-o", out});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<std::string> errors = validation_errors(out);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);

  const nlohmann::json sarif = nlohmann::json::parse(read_file(out));
  const nlohmann::json& run = sarif["runs"][0];
  EXPECT_EQ(sarif["version"], "2.1.0");
  ASSERT_EQ(run["tool"]["driver"]["rules"].size(), 1u);
  const nlohmann::json& rule = run["tool"]["driver"]["rules"][0];
  EXPECT_EQ(rule["id"], "posthog_personal_key");
  EXPECT_THAT(rule["help"]["markdown"].get<std::string>(), HasSubstr("Mitigation"));
  EXPECT_EQ(rule["properties"]["security-severity"], "8.0");
  EXPECT_THAT(rule["properties"]["tags"].dump(), HasSubstr("\"security\""));
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], true);
  ASSERT_EQ(run["results"].size(), 2u);
  bool plain = false;
  bool member = false;
  for (const auto& item : run["results"]) {
    EXPECT_EQ(item["partialFingerprints"]["sluiceFingerprint/v1"].get<std::string>().size(), 32u);
    const auto& physical = item["locations"][0]["physicalLocation"];
    if (physical["artifactLocation"]["uri"] == "src/app%20config.py") {
      plain = true;
      EXPECT_EQ(physical["artifactLocation"]["uriBaseId"], "ROOT0");
      EXPECT_EQ(physical["region"]["startLine"], position.line);
      EXPECT_EQ(physical["region"]["startColumn"], position.column);
    } else if (physical["artifactLocation"]["uri"] == "release.tar.gz") {
      member = true;
      EXPECT_THAT(item["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].get<std::string>(),
                  HasSubstr("release.tar.gz!etc/app.env"));
      EXPECT_EQ(item["properties"]["archive_chain"].size(), 2u);
    }
  }
  EXPECT_TRUE(plain && member) << run["results"].dump(1);
}

TEST(Sarif, GitHistoryFindingsCarryRepositoryCommitAndPath) {
  TempDir dir;
  KeyGen gen(602);
  const std::string key = gen.personal_key();
  const std::string repo = dir.mkdir("tree/service");
  auto git = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{
        "git", "-C", repo, "-c", "user.name=Dev", "-c", "user.email=dev@example.invalid", "-c", "commit.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    const RunResult result = run(argv);
    EXPECT_TRUE(exited_with(result, 0)) << describe(result, true);
    return result.out.substr(0, result.out.find('\n'));
  };
  git({"init", "-q"});
  dir.write("tree/service/deploy/env.sh", "export KEY=" + key + "\n");
  git({"add", "-A"});
  git({"commit", "-q", "-m", "deploy script"});
  const std::string commit = git({"rev-parse", "HEAD"});
  git({"rm", "-q", "deploy/env.sh"});
  git({"commit", "-q", "-m", "remove it"});
  const std::string out = dir.path("history.sarif");
  const RunResult result = sluice({"scan", dir.path("tree"), "-f", "sarif", "-o", out});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<std::string> errors = validation_errors(out);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
  const nlohmann::json sarif = nlohmann::json::parse(read_file(out));
  const nlohmann::json& results = sarif["runs"][0]["results"];
  ASSERT_EQ(results.size(), 1u);
  const nlohmann::json& item = results[0];
  EXPECT_EQ(item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "service/deploy/env.sh");
  EXPECT_EQ(item["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
  EXPECT_EQ(item["properties"]["git"]["commit"], commit);
  EXPECT_EQ(item["properties"]["git"]["author"], "Dev <dev@example.invalid>");
  std::string where = commit.substr(0, 7);  // built by append: GCC 12 warns (-Wrestrict) on "@" + std::string
  where.insert(0, 1, '@');
  where += ":deploy/env.sh:1";
  EXPECT_THAT(item["message"]["text"].get<std::string>(), HasSubstr(where));
}

TEST(Sarif, RedactedAndIncompleteScan) {
  TempDir dir;
  KeyGen gen(602);
  const std::string key = gen.personal_key();
  dir.write("tree/a.env", env_line(key));
  ASSERT_EQ(::symlink("/nonexistent/target", dir.path("tree/broken").c_str()), 0);
  const std::string out = dir.path("report.sarif");
  const RunResult result = sluice({"scan", dir.path("tree"), "-L", "-f", "sarif", "--redact", "-o", out});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  const std::string text = read_file(out);
  EXPECT_THAT(text, Not(HasSubstr(key)));
  const nlohmann::json run = nlohmann::json::parse(text)["runs"][0];
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], false);
  EXPECT_THAT(run["invocations"][0]["toolExecutionNotifications"].dump(), HasSubstr("broken symbolic link"));
  const std::vector<std::string> errors = validation_errors(out);
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
}

// ----------------------------------------------------------------------------------- baselines

TEST(Baseline, SurvivesTheSecretMovingToAnotherLineAndFileInEveryFormat) {
  for (const char* format : {"json", "jsonl", "sarif"}) {
    for (const bool redacted : {false, true}) {
      SCOPED_TRACE(std::string(format) + (redacted ? " redacted" : ""));
      TempDir dir;
      KeyGen gen(610);
      const std::string key = gen.personal_key();
      dir.write("repo/config/settings.py", "# settings\nKEY = \"" + key + "\"\n");
      std::vector<std::string> args{"scan", dir.path("repo"), "-f", format, "-o", dir.path("baseline")};
      if (redacted) args.push_back("--redact");
      ASSERT_TRUE(exited_with(sluice(args), kFindings));
      if (redacted) {
        EXPECT_THAT(read_file(dir.path("baseline")), Not(HasSubstr(key)));
      }

      // "Rebase": the same secret now sits in another file, on another line; a new one appears.
      std::filesystem::remove(dir.path("repo/config/settings.py"));
      dir.write("repo/app/env/production.env", gen.filler(300) + "\n\n\n" + env_line(key));
      RunResult result = sluice({"scan", dir.path("repo"), "--baseline", dir.path("baseline"), "-f", "jsonl"});
      EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
      EXPECT_TRUE(parse_jsonl(result.out).empty());
      EXPECT_THAT(result.err, HasSubstr("1 finding suppressed"));

      const std::string fresh = gen.personal_key();
      dir.write("repo/new.env", env_line(fresh));
      result = sluice({"scan", dir.path("repo"), "--baseline", dir.path("baseline"), "-f", "jsonl"});
      EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
      EXPECT_TRUE(same_secrets(result, std::vector<std::string>{fresh}));
    }
  }
}

TEST(Baseline, EmptyReportAndGarbage) {
  TempDir dir;
  KeyGen gen(611);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  dir.write("empty.jsonl", "");
  RunResult result = sluice({"scan", dir.path("repo"), "--baseline", dir.path("empty.jsonl"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  dir.write("garbage.json", "this is not a report\n");
  result = sluice({"scan", dir.path("repo"), "--baseline", dir.path("garbage.json")});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("garbage.json"));
  result = sluice({"scan", dir.path("repo"), "--baseline", dir.path("missing.json")});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
}

TEST(Baseline, ReportUnusedIgnoresListsStaleEntries) {
  TempDir dir;
  KeyGen gen(612);
  const std::string key = gen.personal_key();
  const std::string gone = gen.personal_key();
  dir.write("repo/a.env", env_line(key) + env_line(gone));
  ASSERT_TRUE(exited_with(sluice({"scan", dir.path("repo"), "-f", "json", "-o", dir.path("base.json")}), kFindings));
  dir.write("repo/a.env", env_line(key));  // `gone` was removed from the code
  dir.write("repo/.sluiceignore", "# nothing here matches\nnever-there/\n");
  const RunResult result =
      sluice({"scan", dir.path("repo"), "--baseline", dir.path("base.json"), "--report-unused-ignores"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("unused ignore: " + dir.path("base.json") + ": "));
  EXPECT_THAT(result.err, HasSubstr(".sluiceignore:2: never-there/"));
  EXPECT_TRUE(no_secret_on_stderr(result, {key, gone}));
}

TEST(JsonSummary, CountsBySeveritySuppressedAndIssues) {
  TempDir dir;
  KeyGen gen(613);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  ASSERT_TRUE(exited_with(sluice({"scan", dir.path("repo"), "-f", "jsonl", "-o", dir.path("base.jsonl")}), kFindings));
  dir.write("repo/b.env", env_line(gen.personal_key()));
  ASSERT_EQ(::symlink("/nonexistent/target", dir.path("repo/broken").c_str()), 0);
  const RunResult result = sluice({"scan", dir.path("repo"), "-L", "-f", "json", "--baseline", dir.path("base.jsonl")});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  const nlohmann::json summary = nlohmann::json::parse(result.out)["summary"];
  EXPECT_EQ(summary["findings"], 1);
  EXPECT_EQ(summary["findings_by_severity"]["high"], 1);
  EXPECT_EQ(summary["suppressed"], 1);
  EXPECT_EQ(summary["complete"], false);
  ASSERT_EQ(summary["issues"].size(), 1u);
  EXPECT_EQ(summary["issues"][0]["reason"], "broken symbolic link");
  EXPECT_EQ(summary["issues"][0]["error"], true);
}

// ------------------------------------------------------------------------------------- ignores

TEST(Ignores, InlineMarkersOnTheLine) {
  TempDir dir;
  KeyGen gen(620);
  const std::string a = gen.personal_key();
  const std::string b = gen.personal_key();
  const std::string c = gen.personal_key();
  const std::string d = gen.personal_key();
  dir.write("repo/a.py", "key = \"" + a + "\"  # sluice:allow (test fixture)\n");
  dir.write("repo/b.py", "key = \"" + b + "\"  # gitleaks:allow\n");
  dir.write("repo/c.py", "key = \"" + c + "\"  # pragma: allowlist secret\n");
  dir.write("repo/d.py", "# sluice:allow is on the line above, which does not count\nkey = \"" + d + "\"\n");
  for (const char* threads : {"1", "2"}) {
    const RunResult result = sluice({"scan", dir.path("repo"), "-f", "jsonl", "-j", threads});
    EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
    EXPECT_TRUE(same_secrets(result, std::vector<std::string>{d}));
  }
  // Through the stream path too.
  const RunResult piped = sluice({"scan", "-", "-f", "jsonl"}, [&] {
    RunOptions options;
    options.input = read_file(dir.path("repo/a.py"));
    return options;
  }());
  EXPECT_TRUE(exited_with(piped, kClean)) << describe(piped);
}

TEST(Ignores, SluiceignoreFingerprintsAndPathPatterns) {
  TempDir dir;
  KeyGen gen(621);
  const std::string accepted = gen.personal_key();
  const std::string in_notes = gen.personal_key();
  const std::string kept = gen.personal_key();
  dir.write("repo/a.env", env_line(accepted));
  dir.write("repo/notes/guide.md", env_line(in_notes));
  dir.write("repo/notes/keep/guide.md", env_line(kept));
  const RunResult first = sluice({"scan", dir.path("repo"), "-f", "jsonl"});
  std::string fingerprint;
  for (const Finding& finding : parse_jsonl(first.out)) {
    if (finding.secret == accepted) fingerprint = finding.raw["fingerprint"];
  }
  ASSERT_EQ(fingerprint.size(), 32u);
  dir.write("repo/.sluiceignore", "# accepted: rotated test key\n" + fingerprint + "  # why: rotated\nnotes/\n");
  RunResult result = sluice({"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);

  // Negation re-includes; --ignore-file names another file.
  dir.write("other.ignore", "notes/*\n!notes/keep/\n");
  result = sluice({"scan", dir.path("repo"), "-f", "jsonl", "--ignore-file", dir.path("other.ignore")});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  std::vector<std::string> expected{accepted, kept};
  std::sort(expected.begin(), expected.end());
  EXPECT_TRUE(same_secrets(result, expected));
}

TEST(Ignores, ExcludeAndInclude) {
  TempDir dir;
  KeyGen gen(622);
  const std::string py = gen.personal_key();
  const std::string js = gen.personal_key();
  const std::string gen_key = gen.personal_key();
  dir.write("repo/src/app.py", env_line(py));
  dir.write("repo/web/app.js", env_line(js));
  dir.write("repo/src/generated/out.py", env_line(gen_key));
  RunResult result = sluice({"scan", dir.path("repo"), "-f", "jsonl", "--include", "*.py"});
  std::vector<std::string> expected{py, gen_key};
  std::sort(expected.begin(), expected.end());
  EXPECT_TRUE(same_secrets(result, expected)) << describe(result);
  result = sluice({"scan", dir.path("repo"), "-f", "jsonl", "--include", "*.py", "--exclude", "src/generated/"});
  EXPECT_TRUE(same_secrets(result, std::vector<std::string>{py})) << describe(result);
  // A root named on the command line is always scanned.
  result = sluice({"scan", dir.path("repo/web/app.js"), "-f", "jsonl", "--exclude", "*.js"});
  EXPECT_TRUE(same_secrets(result, std::vector<std::string>{js})) << describe(result);
}

TEST(Ignores, DefaultExcludesCanBeTurnedOff) {
  TempDir dir;
  KeyGen gen(623);
  const std::string lock = gen.personal_key();
  const std::string fixture = gen.personal_key();
  const std::string minified = gen.personal_key();
  dir.write("repo/package-lock.json", "{\"k\": \"" + lock + "\"}\n");
  dir.write("repo/node_modules/lib/test/fixture.js", env_line(fixture));
  dir.write("repo/packages/a/node_modules/lib/tests/f.js", env_line(fixture));
  dir.write("repo/static/app.min.js", "var k=\"" + minified + "\";\n");
  RunResult result = sluice({"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {minified}));  // a client bundle is scanned: it ships to browsers
  // Scanned again, the test folders' key is a low-confidence finding (a test path).
  result = sluice({"scan", dir.path("repo"), "-f", "jsonl", "--no-default-excludes", "--min-confidence", "low"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_EQ(secrets_of(result).size(), 3u);
}

// -------------------------------------------------------------------------------------- config

// A discovered .sluice.toml may only narrow (tests/e2e/trust_test.cpp); named with --config,
// it is trusted in full.
TEST(Config, TrustedConfigAndOverriddenByFlags) {
  TempDir dir;
  KeyGen gen(630);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  // Default: text.
  RunResult result = sluice({"scan", dir.path("repo")});
  EXPECT_THAT(result.out, HasSubstr("fingerprint:"));
  // Config: JSON Lines, redacted; discovered, only its exclude applies.
  dir.write("repo/.sluice.toml", "[scan]\nformat = \"jsonl\"\nredact = true\nexclude = [\"ignored/\"]\n");
  dir.write("repo/ignored/b.env", env_line(gen.personal_key()));
  result = sluice({"scan", dir.path("repo")});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_THAT(result.out, HasSubstr("fingerprint:"));
  EXPECT_THAT(result.err, HasSubstr("[scan] format: refused in a discovered config"));
  EXPECT_THAT(result.err, HasSubstr("[scan] redact: refused in a discovered config"));
  EXPECT_THAT(result.out, Not(HasSubstr("ignored/b.env")));
  result = sluice({"scan", dir.path("repo"), "--config", dir.path("repo/.sluice.toml")});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u) << result.out;
  EXPECT_EQ(findings[0].raw["redacted"], true);
  EXPECT_THAT(result.out, Not(HasSubstr(key)));
  EXPECT_THAT(result.err, Not(HasSubstr("refused")));
  // Flag beats config.
  result = sluice({"scan", dir.path("repo"), "-f", "json", "--config", dir.path("repo/.sluice.toml")});
  EXPECT_EQ(parse_json_findings(result.out).size(), 1u) << describe(result);
  // --config names another file; a key that is no flag is an error.
  dir.write("strict.toml", "[scan]\nfail-on = \"critical\"\n");
  result = sluice({"scan", dir.path("repo"), "--config", dir.path("strict.toml")});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);  // the finding is high, below critical
  // Extra rules in a trusted config (sluice schema).
  dir.write("repo/.sluice.toml", R"([scan]
format = "jsonl"

[[rules]]
id = "acme_live_token"
name = "ACME live token"
severity = "critical"
regex = '''acme_live_[A-Za-z0-9]{32}'''
keywords = ["acme_live_"]
)");
  dir.write("repo/deploy.sh", "ACME=acme_live_7Qm2Zr9Lx4Vt8Kp3Wn6Bd1Hs5Jc0Fy2a\n");
  result = sluice({"scan", dir.path("repo"), "--fail-on", "critical", "--config", dir.path("repo/.sluice.toml")});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_EQ(of_rule(parse_jsonl(result.out), "acme_live_token").size(), 1u);
  dir.write("bad.toml", "[scan]\nno_such_flag = 1\n");
  result = sluice({"scan", dir.path("repo"), "--config", dir.path("bad.toml")});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("no-such-flag"));
}

TEST(Config, GitleaksConfigWithACustomRuleFindsItsSecret) {
  TempDir dir;
  const std::string secret = "acme_live_7Qm2Zr9Lx4Vt8Kp3Wn6Bd1Hs5Jc0Fy2a";
  dir.write("repo/deploy.sh", "export ACME_TOKEN=" + secret + "\n");
  dir.write("repo/allowed.sh", "export ACME_TOKEN=acme_live_0000Ab3dEf5hIj7kLm9nOp1qRs3tUvWx\n");
  KeyGen gen(631);
  const std::string builtin = gen.personal_key();
  dir.write("repo/app.env", env_line(builtin));  // [extend] useDefault: the built-in rules still run
  dir.write(".gitleaks.toml", R"(title = "team gitleaks config"

[extend]
useDefault = true

[[rules]]
id = "acme-live-token"
description = "ACME live API token"
regex = '''acme_live_[A-Za-z0-9]{32}'''
keywords = ["acme_live_"]

[[rules.allowlists]]
regexes = ['''acme_live_0000''']

[allowlist]
paths = ['''\.lock$''']
)");
  const RunResult result = sluice({"scan", dir.path("repo"), "--config", dir.path(".gitleaks.toml"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 2u);
  const std::vector<Finding> custom = of_rule(findings, "acme-live-token");
  ASSERT_EQ(custom.size(), 1u);
  EXPECT_TRUE(custom[0].secret == secret);
  EXPECT_EQ(of_rule(findings, "posthog_personal_key").size(), 1u);
}

// --------------------------------------------------------------------------- exit and progress

TEST(FailOn, OnlyFindingsAtOrAboveTheThresholdFail) {
  TempDir dir;
  KeyGen gen(640);
  dir.write("repo/a.env", env_line(gen.personal_key()));  // a high-severity finding
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("repo"), "-q"}), kFindings));
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("repo"), "-q", "--fail-on", "high"}), kFindings));
  const RunResult result = sluice({"scan", dir.path("repo"), "--fail-on", "critical", "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_EQ(parse_jsonl(result.out).size(), 1u);  // still reported
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("repo"), "--fail-on", "bogus"}), kFatal));
}

TEST(Progress, AbsentWhenStandardErrorIsNotATerminal) {
  TempDir dir;
  KeyGen gen(650);
  for (int i = 0; i < 50; ++i) dir.write("repo/f" + std::to_string(i) + ".txt", gen.filler(20000));
  const RunResult result = sluice({"scan", dir.path("repo")});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_THAT(result.err, Not(HasSubstr("\r")));
  EXPECT_THAT(result.err, Not(HasSubstr("\033[")));
  EXPECT_THAT(result.err, HasSubstr("sluice: scanned 50 inputs"));
}

TEST(Progress, ShownOnATerminal) {
  // script(1) gives the child a pseudo-terminal; the line is drawn every 250 ms, so the scan
  // is slowed by reading a pipe that stays open for a second.
  TempDir dir;
  const std::string fifo = dir.path("slow");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string command =
      "(sleep 1; echo done) > '" + fifo + "' & '" + kSluiceBinary + "' scan '" + fifo + "'; wait";
  const RunResult result = run({"script", "-qec", command, "/dev/null"});
  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_THAT(result.out, HasSubstr("\r\033[Ksluice: 0 inputs")) << describe(result, true);
  const RunResult quiet =
      run({"script", "-qec", "'" + kSluiceBinary + "' scan -q '" + dir.path("") + "'", "/dev/null"});
  EXPECT_THAT(quiet.out, Not(HasSubstr("\033[K")));
}

// ------------------------------------------------------------------------------------ --staged

RunResult git(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git",
                                "-C",
                                dir.path("repo"),
                                "-c",
                                "user.email=t@example.invalid",
                                "-c",
                                "user.name=test",
                                "-c",
                                "commit.gpgsign=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

TEST(Staged, ScansTheIndexNotTheWorktree) {
  TempDir dir;
  KeyGen gen(660);
  const std::string committed = gen.personal_key();
  const std::string staged = gen.personal_key();
  dir.mkdir("repo");
  ASSERT_EQ(git(dir, {"init", "-q"}).exit_code, 0);
  dir.write("repo/old.env", env_line(committed));
  ASSERT_EQ(git(dir, {"add", "old.env"}).exit_code, 0);
  // Before the first commit, the whole index is staged.
  RunResult result = sluice({"scan", "--staged", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  ASSERT_EQ(git(dir, {"commit", "-qm", "first"}).exit_code, 0);
  result = sluice({"scan", "--staged", dir.path("repo")});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);  // nothing staged

  // Staged with a key, then cleaned in the worktree only: the commit would still carry it.
  dir.write("repo/src/new.py", "token = \"" + staged + "\"\n");
  ASSERT_EQ(git(dir, {"add", "src/new.py"}).exit_code, 0);
  dir.write("repo/src/new.py", "token = os.environ['TOKEN']\n");
  dir.write("repo/unstaged.env", env_line(gen.personal_key()));
  result = sluice({"scan", "--staged", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(findings[0].secret == staged);
  ASSERT_EQ(findings[0].locations.size(), 1u);
  EXPECT_EQ(findings[0].locations[0].path, "src/new.py");
  EXPECT_EQ(findings[0].locations[0].line, 1u);

  result = sluice({"scan", "--staged", dir.path("")});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("not a git repository"));
}

TEST(PreCommit, HookDefinitionRunsStagedScan) {
  const std::string hooks = read_file(kSourceDir / ".pre-commit-hooks.yaml");
  EXPECT_THAT(hooks, HasSubstr("entry: sluice scan --staged"));
  EXPECT_THAT(hooks, HasSubstr("pass_filenames: false"));
}

TEST(ManPage, GeneratedFromTheHelpTexts) {
  TempDir dir;
  const std::string page = dir.path("sluice.1");
  RunOptions options;
  options.timeout = std::chrono::seconds(300);
  const RunResult result = run({"bash", (kSourceDir / "scripts/manpage.sh").string(), kSluiceBinary, page}, options);
  ASSERT_EQ(result.exit_code, 0) << describe(result, true);
  const std::string text = read_file(page);
  for (const char* flag : {"baseline", "staged", "fail\\-on", "SLUICE SCAN", "EXIT STATUS"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace sluice::e2e

// End-to-end: a scanned tree must not steer the scanner (issue 15). A .sluice.toml discovered
// in the first directory scanned may only narrow what is reported; every other key is refused
// with one line on stderr and ignored, the exit code unchanged. --config and the user's own
// config are trusted. A .sluiceignore of pathological globs costs linear time.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string env_line(const std::string& key) { return "POSTHOG_PERSONAL_API_KEY=" + key + "\n"; }

std::vector<std::string> secrets_in(const std::string& jsonl) {
  std::vector<std::string> secrets;
  for (const Finding& finding : parse_jsonl(jsonl)) secrets.push_back(finding.secret);
  std::sort(secrets.begin(), secrets.end());
  return secrets;
}
std::vector<std::string> secrets_of(const RunResult& result) { return secrets_in(result.out); }
// Compared as a bool so that a failure message never prints a secret (even a fake one).
bool same_secrets_in(const std::string& jsonl, std::vector<std::string> expected) {
  std::sort(expected.begin(), expected.end());
  return secrets_in(jsonl) == expected;
}
bool same_secrets(const RunResult& result, std::vector<std::string> expected) {
  return same_secrets_in(result.out, std::move(expected));
}

// `sluice ARGS` with HOME and XDG_CONFIG_HOME pointed into `dir`, so that no user config of
// the machine running the tests takes part; `xdg` empty: XDG_CONFIG_HOME unset.
RunResult sluice_at_home(const TempDir& dir, const std::vector<std::string>& args, const std::string& xdg = "",
                         const std::string& cwd = "") {
  std::vector<std::string> argv{"env", "-u", "XDG_CONFIG_HOME", "HOME=" + dir.path("home")};
  if (!xdg.empty()) argv.push_back("XDG_CONFIG_HOME=" + xdg);
  argv.push_back(kSluiceBinary);
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.cwd = cwd;
  return run(argv, options);
}

const std::string kRefusedOutput = "[scan] output: refused in a discovered config (it would write a file)";

TEST(Trust, DiscoveredConfigCannotWriteAFile) {
  TempDir dir;
  KeyGen gen(1501);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  dir.write("victim.txt", "precious\n");
  dir.write("repo/.sluice.toml", "[scan]\noutput = \"" + dir.path("victim.txt") + "\"\n");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);  // refusing a key changes no exit code
  EXPECT_EQ(read_file(dir.path("victim.txt")), "precious\n");
  EXPECT_TRUE(same_secrets(result, {key}));  // the report went to standard output
  EXPECT_THAT(result.err, HasSubstr(dir.path("repo/.sluice.toml") + ": " + kRefusedOutput));
  EXPECT_THAT(result.err, HasSubstr("pass --config " + dir.path("repo/.sluice.toml") + " to trust it"));
  EXPECT_TRUE(no_secret_on_stderr(result, {key}));

  // The checkout of a CI job: no path given, the working directory is the untrusted tree.
  dir.write("repo/.sluice.toml", "[scan]\noutput = \"" + dir.path("created.txt") + "\"\n");
  result = sluice_at_home(dir, {"scan", "-f", "jsonl"}, "", dir.path("repo"));
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_FALSE(std::filesystem::exists(dir.path("created.txt")));
  EXPECT_TRUE(same_secrets(result, {key}));
  EXPECT_THAT(result.err, HasSubstr("./.sluice.toml: " + kRefusedOutput));

  // --config names it: the user says the file is theirs, and it is trusted in full.
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl", "--config", dir.path("repo/.sluice.toml")});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(result.out.empty());
  EXPECT_THAT(read_file(dir.path("created.txt")), HasSubstr("posthog_personal_key"));
  EXPECT_THAT(result.err, Not(HasSubstr("refused")));
}

TEST(Trust, DiscoveredConfigCannotFollowASymlinkOutOfTheTree) {
  TempDir dir;
  KeyGen gen(1502);
  const std::string host = gen.personal_key();
  dir.write("host/secrets.env", env_line(host));
  dir.write("repo/readme.md", "nothing here\n");
  ASSERT_EQ(::symlink(dir.path("host/secrets.env").c_str(), dir.path("repo/innocent.env").c_str()), 0);
  dir.write("repo/.sluice.toml", "[scan]\nfollow-symlinks = true\n");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_TRUE(secrets_of(result).empty());
  EXPECT_THAT(result.err, HasSubstr("[scan] follow-symlinks: refused in a discovered config (it would widen what is "
                                    "scanned)"));
  // A user who asks for it gets it.
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl", "-L"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {host}));
}

TEST(Trust, DiscoveredBaselineIsNotRead) {
  TempDir dir;
  KeyGen gen(1503);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  // /dev/zero would never end; the e2e watchdog catches a regression.
  dir.write("repo/.sluice.toml", "[scan]\nbaseline = [\"/dev/zero\"]\nignore-file = \"/dev/zero\"\n");
  const RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key}));
  EXPECT_THAT(result.err, HasSubstr("[scan] baseline: refused in a discovered config (it would read another file)"));
  EXPECT_THAT(result.err, HasSubstr("[scan] ignore-file: refused in a discovered config"));
}

TEST(Trust, DiscoveredRulesAndExtendAreNotAdded) {
  TempDir dir;
  dir.write("repo/deploy.sh", "ACME=acme_live_7Qm2Zr9Lx4Vt8Kp3Wn6Bd1Hs5Jc0Fy2a\n");
  dir.write("repo/.sluice.toml", R"([extend]
useDefault = false

[scan]
format = "jsonl"
enable = ["generic"]

[[rules]]
id = "acme_live_token"
name = "ACME live token"
severity = "critical"
regex = '''acme_live_[A-Za-z0-9]{32}'''
keywords = ["acme_live_"]
)");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_TRUE(secrets_of(result).empty());
  EXPECT_THAT(result.err, HasSubstr("[[rules]]: refused in a discovered config (it would add rules)"));
  EXPECT_THAT(result.err, HasSubstr("[extend]: refused in a discovered config"));
  EXPECT_THAT(result.err, HasSubstr("[scan] enable: refused in a discovered config (it would add rules)"));
  EXPECT_THAT(result.err, HasSubstr("[scan] format: refused in a discovered config (it would change the report)"));
  // Trusted with --config: the rule is added and the format applies.
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "--config", dir.path("repo/.sluice.toml")});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_EQ(of_rule(parse_jsonl(result.out), "acme_live_token").size(), 1u);
}

TEST(Trust, NarrowingKeysOfADiscoveredConfigApply) {
  TempDir dir;
  KeyGen gen(1504);
  const std::string kept = gen.personal_key();
  dir.write("repo/a.env", env_line(kept));
  dir.write("repo/ignored/b.env", env_line(gen.personal_key()));
  dir.write("repo/fixtures/c.env", env_line(gen.personal_key()));
  dir.write("repo/d.txt", env_line(gen.personal_key()));
  dir.write("repo/.sluice.toml", R"(title = "a gitleaks-style config"
[scan]
exclude = ["ignored/"]
include = ["*.env"]
disable = ["no_such_rule_id"]

[allowlist]
paths = ['''fixtures/c\.env$''']
)");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl", "--exclude", "nothing/"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {kept}));
  EXPECT_THAT(result.err, Not(HasSubstr("sluice: error")));
  // disable narrows too (the generic family, on by default, would report the same keys).
  dir.write("repo/.sluice.toml", "[scan]\ndisable = [\"posthog\", \"generic\"]\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
}

// A discovered file says so on stderr, whatever it narrows, so a scan narrowed by the tree
// never passes for a full one in silence.
TEST(Trust, ADiscoveredFileThatNarrowsIsNamedOnStderr) {
  TempDir dir;
  KeyGen gen(1510);
  dir.write("repo/a.env", env_line(gen.personal_key()));
  dir.write("repo/.sluiceignore", "**\n");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo")});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr(".sluiceignore: ignore file found in the scanned tree, applied"));
  dir.write("repo/.sluiceignore", "");
  dir.write("repo/.sluice.toml", "[allowlist]\nregexes = ['''.*''']\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo")});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr(".sluice.toml: config found in the scanned tree, applied"));
}

// With several paths scanned, a file discovered in one tree would narrow the others: it is not
// applied (a note says so), and every tree is scanned in full.
TEST(Trust, ADiscoveredFileNeverNarrowsAnotherScannedTree) {
  TempDir dir;
  KeyGen gen(1511);
  const std::string untrusted_key = gen.personal_key();
  const std::string trusted_key = gen.personal_key();
  dir.write("untrusted/a.env", env_line(untrusted_key));
  dir.write("trusted/prod.env", env_line(trusted_key));
  dir.write("untrusted/.sluiceignore", "**\n");
  dir.write("untrusted/.sluice.toml", "[scan]\ndisable = [\"posthog\", \"generic\"]\nexclude = [\"prod.env\"]\n");
  const RunResult result = sluice_at_home(dir, {"scan", dir.path("untrusted"), dir.path("trusted"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {untrusted_key, trusted_key}));
  EXPECT_THAT(result.err, HasSubstr(".sluice.toml: not applied: several paths are scanned"));
  EXPECT_THAT(result.err, HasSubstr(".sluiceignore: not applied: several paths are scanned"));
  // Repositories listed with --repos-from are scanned paths too.
  const std::string list = dir.write("list.txt", dir.path("trusted") + "\n");
  const RunResult listed = sluice_at_home(dir, {"scan", dir.path("untrusted"), "--repos-from", list, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(listed, kFindings)) << describe(listed);
  EXPECT_TRUE(same_secrets(listed, {untrusted_key, trusted_key}));
  // Named on the command line, the user applies the config to all.
  const RunResult trusted = sluice_at_home(dir, {"scan", dir.path("untrusted"), dir.path("trusted"), "-f", "jsonl",
                                                 "--config", dir.path("untrusted/.sluice.toml")});
  EXPECT_TRUE(exited_with(trusted, kClean)) << describe(trusted);
}

// Allowlist tables of a discovered config are capped together (1000 entries in all): the file
// cannot cost minutes and gigabytes before the scan.
TEST(Trust, DiscoveredAllowlistsAreCappedTogether) {
  TempDir dir;
  KeyGen gen(1512);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  std::string config;
  for (int table = 0; table < 3; ++table) {
    config += "[[allowlists]]\nregexes = [";
    for (int k = 0; k < 400; ++k) config += "'''nothing_" + std::to_string(table) + "_" + std::to_string(k) + "''', ";
    config += "'''phx_''']\n";
  }
  dir.write("repo/.sluice.toml", config);
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key}));
  EXPECT_THAT(result.err, HasSubstr("allowlists: more than 1000 entries in all; every allowlist is ignored"));
}

// "!" lines of a discovered file re-include only what that file excluded: the default excludes
// and the command line's --exclude stay in force (a scanned tree may only narrow the walk).
TEST(Trust, DiscoveredNegationsCannotWidenTheWalk) {
  TempDir dir;
  KeyGen gen(1513);
  const std::string kept = gen.personal_key();
  dir.write("repo/a.env", env_line(kept));
  dir.write("repo/node_modules/lib/test/fixture.env", env_line(gen.personal_key()));
  dir.write("repo/private.env", env_line(gen.personal_key()));
  dir.write("repo/.sluiceignore", "!**/node_modules/**\n!private.env\n");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl", "--exclude", "private.env"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {kept}));
  dir.write("repo/.sluiceignore", "");
  dir.write("repo/.sluice.toml", "[scan]\nexclude = [\" !private.env\", \"!**/node_modules/**\"]\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl", "--exclude", "private.env"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {kept}));
  EXPECT_THAT(result.err, HasSubstr("[scan] exclude: 2 \"!\" patterns refused in a discovered config"));
}

TEST(Trust, UnreadableDiscoveredFilesAreIgnoredAndTheScanGoesOn) {
  TempDir dir;
  KeyGen gen(1505);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  const std::string config = dir.path("repo/.sluice.toml");
  // Not TOML.
  dir.write("repo/.sluice.toml", "[scan\noutput = 1\n");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key}));
  EXPECT_THAT(result.err, HasSubstr(config + ": not valid TOML (line 1"));
  // Too big.
  dir.write("repo/.sluice.toml", "# " + std::string(std::size_t{1} << 20, 'x') + "\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr(config + ": bigger than 1048576 bytes; the config is ignored"));
  // A symbolic link out of the tree (to a config that would write a file) is not followed.
  std::filesystem::remove(config);
  dir.write("outside.toml", "[scan]\noutput = \"" + dir.path("victim.txt") + "\"\n");
  ASSERT_EQ(::symlink(dir.path("outside.toml").c_str(), config.c_str()), 0);
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_FALSE(std::filesystem::exists(dir.path("victim.txt")));
  EXPECT_THAT(result.err, HasSubstr(config + ": a symbolic link (not followed); the config is ignored"));
  // A FIFO (and a .sluiceignore FIFO): never opened for a blocking read; the watchdog catches a hang.
  std::filesystem::remove(config);
  ASSERT_EQ(::mkfifo(config.c_str(), 0644), 0);
  ASSERT_EQ(::mkfifo(dir.path("repo/.sluiceignore").c_str(), 0644), 0);
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key}));
  EXPECT_THAT(result.err, HasSubstr(config + ": a FIFO, not a regular file; the config is ignored"));
  EXPECT_THAT(result.err, HasSubstr(dir.path("repo/.sluiceignore") + ": a FIFO, not a regular file"));
}

TEST(Trust, UserConfigIsTrustedAndRanksBelowTheCommandLineAndConfig) {
  TempDir dir;
  KeyGen gen(1506);
  const std::string a = gen.personal_key();
  const std::string b = gen.personal_key();
  dir.write("repo/a.env", env_line(a));
  dir.write("repo/generated/b.env", env_line(b));
  dir.write("home/.config/sluice/config.toml",
            "[scan]\nformat = \"jsonl\"\noutput = \"" + dir.path("home.jsonl") + "\"\nexclude = [\"generated/\"]\n");
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo")});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets_in(read_file(dir.path("home.jsonl")), {a}));
  // The command line wins over the user config; so does --config.
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-o", dir.path("cli.json"), "-f", "json"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_EQ(parse_json_findings(read_file(dir.path("cli.json"))).size(), 1u);
  dir.write("team.toml", "[scan]\noutput = \"" + dir.path("team.jsonl") + "\"\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "--config", dir.path("team.toml")});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets_in(read_file(dir.path("team.jsonl")), {a}));
  // XDG_CONFIG_HOME replaces ~/.config.
  dir.write("xdg/sluice/config.toml", "[scan]\nformat = \"json\"\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo")}, dir.path("xdg"));
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_EQ(parse_json_findings(result.out).size(), 2u);
  // A discovered config narrows on top of the user's: its excludes add to the user's.
  dir.write("repo/.sluice.toml", "[scan]\nexclude = [\"a.env\"]\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-o", dir.path("both.jsonl")});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  EXPECT_TRUE(secrets_in(read_file(dir.path("both.jsonl"))).empty());
}

// Regression (issue 15): `*a*a*a*a*b` in a .sluiceignore took 10 s per 200-character name with
// the backtracking matcher, one more `*a` minutes. Linear now: the watchdog catches a regression.
TEST(Trust, PathologicalIgnorePatternsCostLinearTime) {
  TempDir dir;
  KeyGen gen(1507);
  const std::string key = gen.personal_key();
  const std::string name(200, 'a');
  dir.write("repo/" + name, env_line(key));
  dir.write("repo/" + name + "b", env_line(gen.personal_key()));
  dir.write("repo/.sluiceignore",
            "*a*a*a*a*a*a*a*a*a*a*b\n**/*a*a*a*a*a*a*a*a*a*a*b\n/**/a**a**a**a**a**a**a**a**a**a**b/\n");
  const RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key}));
}

TEST(Trust, DiscoveredIgnoreFileIsCapped) {
  TempDir dir;
  KeyGen gen(1508);
  const std::string key = gen.personal_key();
  const std::string last = gen.personal_key();
  dir.write("repo/a.env", env_line(key));
  dir.write("repo/z1001.env", env_line(last));
  std::string ignore;
  for (int i = 1; i <= 1001; ++i) ignore.append("z").append(std::to_string(i)).append(".env\n");
  ignore += std::string(5000, '*') + "\n";
  dir.write("repo/.sluiceignore", ignore);
  RunResult result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key, last}));  // the 1001st pattern is not applied
  EXPECT_THAT(result.err, HasSubstr(".sluiceignore:1001: more than 1000 path patterns"));
  // Too big: ignored whole.
  dir.write("repo/.sluiceignore", "a.env\n" + std::string(std::size_t{1} << 20, '#') + "\n");
  result = sluice_at_home(dir, {"scan", dir.path("repo"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(same_secrets(result, {key, last}));
  EXPECT_THAT(result.err, HasSubstr(".sluiceignore: bigger than 1048576 bytes; the ignore file is ignored"));
}

}  // namespace
}  // namespace sluice::e2e

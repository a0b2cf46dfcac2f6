#include "cli/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The allowlist of what a discovered .sluice.toml may set: changing it is a decision about
// what scanned content may do, so it is pinned here.
TEST(DiscoveredConfig, AllowedKeysAreExactlyTheNarrowingOnes) {
  EXPECT_EQ(narrowing_scan_keys(), (std::set<std::string>{"disable", "exclude", "include"}));
  EXPECT_EQ(narrowing_tables(), (std::set<std::string>{"scan", "allowlist", "allowlists", "title", "description"}));
}

// A stand-in for `sluice scan` with one option of each kind a config can name.
struct ScanApp {
  CLI::App app{"scan"};
  std::string output;
  std::string format = "text";
  std::string fail_on = "info";
  bool follow = false;
  bool redact = false;
  std::size_t max_depth = 8;
  std::vector<std::string> excludes, includes, disable, enable, baselines, rules;
  ScanApp() {
    app.add_option("-o,--output", output);
    app.add_option("-f,--format", format);
    app.add_option("--fail-on", fail_on);
    app.add_flag("-L,--follow-symlinks", follow);
    app.add_flag("--redact", redact);
    app.add_option("--max-depth", max_depth);
    app.add_option("--exclude", excludes)->allow_extra_args(false);
    app.add_option("--include", includes)->allow_extra_args(false);
    app.add_option("--disable", disable)->allow_extra_args(false);
    app.add_option("--enable", enable)->allow_extra_args(false);
    app.add_option("--baseline", baselines)->allow_extra_args(false);
    app.add_option("--rules", rules)->allow_extra_args(false);
  }
  // Which options hold a value (given or set by a config).
  std::vector<std::string> set_options() {
    std::vector<std::string> out;
    for (const CLI::Option* option : app.get_options()) {
      if (option->count() > 0) out.push_back("--" + option->get_lnames().front());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

bool any_contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.find(text) != line.npos; });
}

TEST(DiscoveredConfig, RefusesEveryKeyThatIsNotNarrowingAndAppliesTheRest) {
  ScanApp scan;
  scan.app.parse("--exclude from-cli", false);
  const ConfigFile config = apply_discovered_config(scan.app, "repo/.sluice.toml", R"(title = "t"
[scan]
output = "/tmp/overwritten"
format = "json"
fail_on = "critical"
follow-symlinks = true
redact = true
max-depth = 32
baseline = ["/dev/zero"]
rules = ["/etc/passwd"]
enable = ["generic"]
config = "/elsewhere.toml"
exclude = ["docs/", "*.snap"]
include = ["*.py"]
disable = ["aws"]
phx_not_a_flag = 1

[extend]
useDefault = true

[[rules]]
id = "x"
regex = "x[0-9]+"

[allowlist]
paths = ['''^fixtures/''']

[[allowlists]]
regexes = ['''(unclosed''']
)");
  EXPECT_EQ(scan.set_options(), (std::vector<std::string>{"--exclude", "--include"}));
  EXPECT_EQ(scan.output, "");
  EXPECT_EQ(scan.format, "text");
  EXPECT_FALSE(scan.follow);
  EXPECT_FALSE(scan.redact);
  EXPECT_EQ(scan.max_depth, 8u);
  EXPECT_EQ(scan.excludes, (std::vector<std::string>{"from-cli", "docs/", "*.snap"}));
  EXPECT_EQ(scan.includes, (std::vector<std::string>{"*.py"}));
  EXPECT_TRUE(scan.disable.empty());  // returned instead: unknown selectors must not stop the scan
  EXPECT_EQ(config.disable, (std::vector<std::string>{"aws"}));
  ASSERT_EQ(config.allowlists.size(), 1u);  // the one whose regex compiles
  EXPECT_EQ(config.allowlists[0].paths, (std::vector<std::string>{"^fixtures/"}));
  EXPECT_FALSE(config.has_rules);

  const std::vector<std::string>& problems = config.problems;
  EXPECT_TRUE(any_contains(problems,
                           "repo/.sluice.toml: [scan] output: refused in a discovered config (it would "
                           "write a file); pass --config repo/.sluice.toml to trust it"));
  for (const char* key :
       {"[scan] format:", "[scan] fail-on:", "[scan] follow-symlinks:", "[scan] redact:", "[scan] max-depth:",
        "[scan] baseline:", "[scan] rules:", "[scan] enable:", "[scan] config:", "[extend]:", "[[rules]]:"}) {
    EXPECT_TRUE(any_contains(problems, key)) << key;
  }
  EXPECT_TRUE(any_contains(problems, "allowlist 2: a regex does not compile"));
  EXPECT_TRUE(any_contains(problems, "key at line 16: not a `sluice scan` flag"));
  EXPECT_FALSE(any_contains(problems, "phx_"));  // keys of scanned content are not echoed
  EXPECT_EQ(problems.size(), 14u);
}

TEST(DiscoveredConfig, IncludeFromATrustedSourceIsKeptWhole) {
  ScanApp scan;
  scan.app.parse("--include *.go", false);
  const ConfigFile config = apply_discovered_config(scan.app, ".sluice.toml", "[scan]\ninclude = [\"**\"]\n");
  EXPECT_EQ(scan.includes, (std::vector<std::string>{"*.go"}));
  EXPECT_TRUE(config.problems.empty());
}

TEST(DiscoveredConfig, UnparsableOrOversizedValuesAreIgnoredWithOneMessage) {
  ScanApp scan;
  ConfigFile config = apply_discovered_config(scan.app, ".sluice.toml", "[scan\nexclude = [\"a\"]\n");
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_THAT(config.problems[0], HasSubstr(".sluice.toml: not valid TOML (line 1"));
  EXPECT_TRUE(scan.set_options().empty());

  config = apply_discovered_config(scan.app, ".sluice.toml",
                                   "[scan]\nexclude = [\"" + std::string(5000, 'a') + "\"]\ninclude = 3\n");
  EXPECT_EQ(config.problems.size(), 2u);
  EXPECT_TRUE(any_contains(config.problems, "[scan] exclude: an entry longer than 4096 bytes; ignored"));
  EXPECT_TRUE(any_contains(config.problems, "[scan] include: expected a string or an array of strings"));
  EXPECT_TRUE(scan.set_options().empty());

  std::string many = "[scan]\nexclude = [";
  for (int i = 0; i < 1001; ++i) many += "\"p\",";
  many += "]\n";
  config = apply_discovered_config(scan.app, ".sluice.toml", many);
  EXPECT_TRUE(any_contains(config.problems, "[scan] exclude: more than 1000 entries; ignored"));
  EXPECT_TRUE(scan.set_options().empty());

  config = apply_discovered_config(scan.app, ".sluice.toml", "[allowlist]\nregexTarget = \"phx_nope\"\n");
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_THAT(config.problems[0], HasSubstr("[allowlist]: not a valid allowlist"));
  EXPECT_THAT(config.problems[0], Not(HasSubstr("phx_")));
}

TEST(TrustedConfig, SetsEveryFlagNotGivenOnTheCommandLine) {
  ScanApp scan;
  scan.app.parse("--format jsonl", false);
  const std::string path = ::testing::TempDir() + "/trusted-config-test.toml";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("[scan]\noutput = \"report.json\"\nformat = \"json\"\nfollow-symlinks = true\n[[rules]]\nid = \"x\"\n",
               file);
    std::fclose(file);
  }
  const ConfigFile config = apply_config(scan.app, path);
  EXPECT_EQ(scan.output, "report.json");
  EXPECT_EQ(scan.format, "jsonl");  // the command line wins
  EXPECT_TRUE(scan.follow);
  EXPECT_TRUE(config.has_rules);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice::cli

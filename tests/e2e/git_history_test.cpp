// End-to-end: git history. Repositories are built by the tests with the git CLI; every blob
// of a repository's object database is scanned once per run, and findings in history carry
// the repository, the first commit holding the blob, its path, author, date and line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// Runs git in `dir` with a fixed identity and date; returns its standard output (trimmed).
std::string git(const std::string& dir, std::vector<std::string> args, const std::string& date = "") {
  std::vector<std::string> argv{"git",
                                "-C",
                                dir,
                                "-c",
                                "user.name=Test Author",
                                "-c",
                                "user.email=author@example.invalid",
                                "-c",
                                "init.defaultBranch=main",
                                "-c",
                                "commit.gpgsign=false",
                                "-c",
                                "gc.auto=0",
                                "-c",
                                "protocol.file.allow=always"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env_argv{"env"};
  if (!date.empty()) {
    env_argv.push_back("GIT_AUTHOR_DATE=" + date);
    env_argv.push_back("GIT_COMMITTER_DATE=" + date);
  }
  env_argv.insert(env_argv.end(), argv.begin(), argv.end());
  const RunResult result = run(env_argv);
  EXPECT_TRUE(exited_with(result, 0)) << describe(result, true);
  std::string out = result.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A new repository at `relative` under `dir`.
std::string new_repo(const TempDir& dir, const std::string& relative) {
  const std::string path = dir.mkdir(relative);
  git(path, {"init", "-q"});
  return path;
}

std::string commit_all(const std::string& repo, const std::string& message, const std::string& date = "") {
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "--allow-empty", "-m", message}, date);
  return git(repo, {"rev-parse", "HEAD"});
}

// Files of a git directory outside its object store: the walk scans them as files.
int git_dir_files(const std::string& git_dir) {
  int count = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(git_dir);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    if (it->path().filename() == "objects") {
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      ++count;
    }
  }
  return count;
}

json report_of(const RunResult& result) {
  json document = json::parse(result.out, nullptr, false);
  if (document.is_discarded() || !document.contains("findings")) {
    ADD_FAILURE() << "not a JSON report\n" << describe(result, true);
    return json::object({{"findings", json::array()}, {"summary", json::object()}});
  }
  return document;
}

// Locations of every finding for `secret` (any rule).
std::vector<json> locations_of(const json& report, const std::string& secret) {
  std::vector<json> out;
  for (const json& finding : report["findings"]) {
    if (finding.value("secret", std::string()) != secret) continue;
    for (const json& at : finding["locations"]) out.push_back(at);
  }
  return out;
}

// The history locations of `secret` (those with a repository).
std::vector<json> history_of(const json& report, const std::string& secret) {
  std::vector<json> out;
  for (json& at : locations_of(report, secret)) {
    if (at.contains("repository")) out.push_back(std::move(at));
  }
  return out;
}

std::string key_file(KeyGen& gen, const std::string& key, std::size_t lines_before) {
  std::string text;
  for (std::size_t i = 0; i < lines_before; ++i) {
    text += "setting_" + std::to_string(i) + " = value " + std::to_string(gen.below(1000)) + "\n";
  }
  return text + "POSTHOG_KEY = \"" + key + "\"\n";
}

TEST(GitHistory, KeyAddedThenRemovedIsFoundWithTheIntroducingCommitAndPath) {
  TempDir dir;
  KeyGen gen(401);
  const std::string key = gen.personal_key();
  const std::string repo = new_repo(dir, "repo");
  dir.write("repo/README.md", "a project\n");
  commit_all(repo, "initial", "2021-03-04T05:06:07+02:00");
  dir.write("repo/config/settings.py", key_file(gen, key, 11));
  const std::string added = commit_all(repo, "add settings\n\nwith a body", "2022-01-02T03:04:05-05:00");
  std::filesystem::remove(dir.path("repo/config/settings.py"));
  commit_all(repo, "remove the key", "2022-01-03T00:00:00Z");

  const RunResult result = sluice({"scan", dir.root().string(), "-f", "json"});
  ASSERT_TRUE(exited_with(result, kFindings));
  EXPECT_TRUE(no_secret_on_stderr(result, {key}));
  const json report = report_of(result);
  const std::vector<json> at = history_of(report, key);
  ASSERT_EQ(at.size(), 1u) << describe(result, true);
  EXPECT_EQ(at[0]["repository"], repo);
  EXPECT_EQ(at[0]["commit"], added);
  EXPECT_EQ(at[0]["path"], "config/settings.py");
  EXPECT_EQ(at[0]["line"], 12);
  EXPECT_EQ(at[0]["column"], 16);
  EXPECT_EQ(at[0]["author"], "Test Author <author@example.invalid>");
  EXPECT_EQ(at[0]["date"], "2022-01-02T03:04:05-05:00");
  EXPECT_EQ(at[0]["summary"], "add settings");
  EXPECT_EQ(report["summary"]["repositories"], 1);
  // README.md is in the working tree too: scanned once, as the file or as the blob,
  // whichever comes first; the other is a duplicate, counted as read all the same (so that the
  // counts do not depend on which came first). The files of .git but its object store are
  // scanned as files too (some of them identical: more duplicates).
  const int inputs = report["summary"]["blobs"].get<int>() + report["summary"]["files"].get<int>();
  EXPECT_EQ(inputs, 3 + git_dir_files(repo + "/.git"));
  EXPECT_EQ(report["summary"]["blobs"], 2);
  EXPECT_GE(report["summary"]["duplicates"], 1);
  EXPECT_EQ(report["summary"]["complete"], true);

  // The text report reads repo@abc1234:path:line; JSON Lines carries the same fields.
  const RunResult text = sluice({"scan", dir.root().string()});
  ASSERT_TRUE(exited_with(text, kFindings));
  EXPECT_THAT(text.out, HasSubstr(repo + "@" + added.substr(0, 7) + ":config/settings.py:12\n"));
  EXPECT_THAT(text.out, HasSubstr("Test Author <author@example.invalid>"));
  const RunResult lines = sluice({"scan", repo, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(lines, kFindings));
  const std::vector<Finding> findings = parse_jsonl(lines.out);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].raw["locations"][0]["commit"], added);
  EXPECT_EQ(findings[0].raw["locations"][0]["repository"], repo);

  // History off: only the working tree, where the key no longer is.
  const RunResult none = sluice({"scan", dir.root().string(), "--git-history", "none", "-f", "json"});
  ASSERT_TRUE(exited_with(none, kClean)) << describe(none, true);
}

TEST(GitHistory, KeyOnlyOnASideBranchOrInAnUnreachableCommitOrADanglingBlob) {
  TempDir dir;
  KeyGen gen(402);
  const std::string side_key = gen.personal_key();
  const std::string lost_key = gen.personal_key();
  const std::string dangling_key = gen.personal_key();
  const std::string repo = new_repo(dir, "repo");
  dir.write("repo/app.txt", "main line\n");
  commit_all(repo, "main");
  git(repo, {"checkout", "-q", "-b", "side"});
  dir.write("repo/side/creds.env", key_file(gen, side_key, 2));
  const std::string side = commit_all(repo, "side work");
  git(repo, {"checkout", "-q", "-b", "doomed"});
  dir.write("repo/lost.env", key_file(gen, lost_key, 0));
  const std::string lost = commit_all(repo, "soon unreachable");
  git(repo, {"checkout", "-q", "main"});
  git(repo, {"branch", "-q", "-D", "doomed"});
  git(repo, {"reflog", "expire", "--expire=now", "--all"});
  dir.write("dangling.txt", key_file(gen, dangling_key, 1));
  const std::string blob = git(repo, {"hash-object", "-w", "../dangling.txt"});
  std::filesystem::remove(dir.path("dangling.txt"));

  const RunResult result = sluice({"scan", repo, "-f", "json"});
  ASSERT_TRUE(exited_with(result, kFindings));
  const json report = report_of(result);
  const std::vector<json> on_side = history_of(report, side_key);
  ASSERT_EQ(on_side.size(), 1u) << describe(result, true);
  EXPECT_EQ(on_side[0]["commit"], side);
  EXPECT_EQ(on_side[0]["path"], "side/creds.env");
  EXPECT_EQ(on_side[0]["line"], 3);
  const std::vector<json> unreachable = history_of(report, lost_key);
  ASSERT_EQ(unreachable.size(), 1u);
  EXPECT_EQ(unreachable[0]["commit"], lost);
  EXPECT_EQ(unreachable[0]["path"], "lost.env");
  const std::vector<json> loose = history_of(report, dangling_key);
  ASSERT_EQ(loose.size(), 1u);
  EXPECT_TRUE(loose[0]["commit"].is_null());
  EXPECT_EQ(loose[0]["blob"], blob);
  EXPECT_EQ(loose[0]["line"], 2);
}

TEST(GitHistory, KeyInAPackedDeltifiedBlob) {
  TempDir dir;
  KeyGen gen(403);
  const std::string key = gen.personal_key();
  const std::string repo = new_repo(dir, "repo");
  std::string big;
  for (int i = 0; i < 3000; ++i) big += "option_" + std::to_string(i) + " = value number " + std::to_string(i) + "\n";
  dir.write("repo/settings.ini", big);
  commit_all(repo, "base");
  std::string with_key = big;
  with_key.insert(big.find("option_1500 ="), "token = " + key + "\n");
  dir.write("repo/settings.ini", with_key);
  const std::string added = commit_all(repo, "add token");
  dir.write("repo/settings.ini", big + "option_last = 1\n");
  commit_all(repo, "drop token");
  git(repo, {"gc", "-q", "--aggressive", "--prune=now"});
  // Every object is in the pack, and the key's blob is stored as a delta against another.
  const std::string listing = git(repo, {"count-objects", "-v"});
  EXPECT_THAT(listing, HasSubstr("count: 0\n"));
  std::string pack;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path("repo/.git/objects/pack"))) {
    if (entry.path().extension() == ".pack") pack = entry.path().string();
  }
  ASSERT_FALSE(pack.empty());
  const std::string blob = git(repo, {"rev-parse", added + ":settings.ini"});
  const RunResult verify = run({"git", "verify-pack", "-v", pack.substr(0, pack.size() - 5) + ".idx"});
  std::string blob_line;
  for (std::size_t at = verify.out.find(blob); at != std::string::npos; at = std::string::npos) {
    blob_line = verify.out.substr(at, verify.out.find('\n', at) - at);
  }
  EXPECT_EQ(std::count(blob_line.begin(), blob_line.end(), ' ') >= 6, true)
      << "expected a deltified entry (with depth and base): " << blob_line;

  for (const char* threads : {"1", "2"}) {
    const RunResult result = sluice({"scan", repo, "-f", "json", "-j", threads});
    ASSERT_TRUE(exited_with(result, kFindings));
    const std::vector<json> at = history_of(report_of(result), key);
    ASSERT_EQ(at.size(), 1u) << describe(result, true);
    EXPECT_EQ(at[0]["commit"], added);
    EXPECT_EQ(at[0]["blob"], blob);
    EXPECT_EQ(at[0]["line"], 1501);
    EXPECT_EQ(at[0]["column"], 9);
  }
}

TEST(GitHistory, SameBlobInTwoRepositoriesIsScannedOnceAndReportedForBoth) {
  TempDir dir;
  KeyGen gen(404);
  const std::string key = gen.personal_key();
  const std::string content = key_file(gen, key, 4);
  const std::string upstream = new_repo(dir, "repos/upstream");
  dir.write("repos/upstream/deploy/env.sh", content);
  const std::string first = commit_all(upstream, "deploy script");
  const std::string fork = dir.mkdir("repos/fork.git");
  git(fork, {"init", "-q", "--bare"});
  const std::string work = new_repo(dir, "fork-work");
  dir.write("fork-work/vendor/env.sh", content);
  dir.write("fork-work/other.txt", "only in the fork\n");
  const std::string second = commit_all(work, "vendor the script");
  git(work, {"push", "-q", fork, "main"});
  std::filesystem::remove_all(dir.path("fork-work"));

  const RunResult result = sluice({"scan", dir.path("repos"), "-f", "json"});
  ASSERT_TRUE(exited_with(result, kFindings));
  const json report = report_of(result);
  std::vector<std::string> places;
  for (const json& at : history_of(report, key)) {
    places.push_back(at["repository"].get<std::string>() + "@" + at["commit"].get<std::string>() + ":" +
                     at["path"].get<std::string>());
  }
  std::sort(places.begin(), places.end());
  EXPECT_EQ(places, (std::vector<std::string>{fork + "@" + second + ":vendor/env.sh",
                                              upstream + "@" + first + ":deploy/env.sh"}))
      << describe(result, true);
  EXPECT_EQ(report["summary"]["repositories"], 2);
  // env.sh is read once for both repositories, and scanned once with its working-tree copy
  // (the git directories' own files, but their object stores, are scanned as files besides).
  const int inputs = report["summary"]["blobs"].get<int>() + report["summary"]["files"].get<int>();
  EXPECT_EQ(inputs, 3 + git_dir_files(upstream + "/.git") + git_dir_files(fork));

  // The working-tree copy of a committed file is not scanned a second time, and is reported.
  const std::vector<json> all = locations_of(report, key);
  EXPECT_EQ(all.size(), 3u);
  EXPECT_GE(report["summary"]["duplicates"], 1);

  // --repos-from: the same audit from a list (comments and blank lines ignored).
  const std::string list = dir.write("list.txt", "# repositories\n" + upstream + "\n\n" + fork + "\n");
  const RunResult listed = sluice({"scan", "--repos-from", list, "-f", "json"});
  ASSERT_TRUE(exited_with(listed, kFindings));
  EXPECT_EQ(history_of(report_of(listed), key).size(), 2u);
  const RunResult missing = sluice({"scan", "--repos-from", dir.path("no-such-list"), "-f", "json"});
  EXPECT_TRUE(exited_with(missing, kFatal));
  EXPECT_THAT(missing.err, HasSubstr("no-such-list"));
}

TEST(GitHistory, SubmoduleHistoriesAreScannedToo) {
  TempDir dir;
  KeyGen gen(406);
  const std::string key = gen.personal_key();
  const std::string library = new_repo(dir, "library");
  dir.write("library/secrets.env", key_file(gen, key, 1));
  const std::string added = commit_all(library, "library keys");
  git(library, {"rm", "-q", "secrets.env"});
  commit_all(library, "drop keys");
  const std::string app = new_repo(dir, "app");
  dir.write("app/main.txt", "app\n");
  commit_all(app, "app");
  git(app, {"submodule", "add", "-q", "file://" + library, "vendor/library"});
  commit_all(app, "add submodule");
  std::filesystem::remove_all(dir.path("library"));

  const RunResult result = sluice({"scan", app, "-f", "json"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  const std::vector<json> at = history_of(report_of(result), key);
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0]["repository"], app + "/.git/modules/vendor/library");
  EXPECT_EQ(at[0]["commit"], added);
  EXPECT_EQ(at[0]["path"], "secrets.env");
}

// ----------------------------------------------------------------------------- bad inputs

struct BadRepo {
  TempDir dir;
  KeyGen gen{405};
  std::string key = gen.personal_key();
  std::string repo;
  std::string commit;
  BadRepo() {
    repo = new_repo(dir, "repo");
    dir.write("repo/keys.env", key_file(gen, key, 3));
    commit = commit_all(repo, "keys");
  }
  // Scans the directory holding the repository and a plain file with another key: whatever
  // is wrong with the repository, the other input is still scanned.
  RunResult scan(std::vector<std::string> extra = {}) {
    other = gen.personal_key();
    dir.write("plain/other.env", "KEY=" + other + "\n");
    std::vector<std::string> args{"scan", dir.root().string(), "-f", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return sluice(args);
  }
  std::string other;
};

TEST(GitHistoryBadInput, CorruptPackReportsTheBlobAndScansTheRest) {
  BadRepo bad;
  std::string filler;
  for (int i = 0; i < 20000; ++i) filler += "row " + std::to_string(i * 7919 % 10007) + " of generated data\n";
  bad.dir.write("repo/data.csv", filler);
  commit_all(bad.repo, "data");
  git(bad.repo, {"gc", "-q", "--prune=now"});
  std::string pack;
  for (const auto& entry : std::filesystem::directory_iterator(bad.dir.path("repo/.git/objects/pack"))) {
    if (entry.path().extension() == ".pack") pack = entry.path().string();
  }
  ASSERT_FALSE(pack.empty());
  // Overwrite the middle of data.csv's compressed bytes (offsets from git verify-pack).
  const std::string blob = git(bad.repo, {"rev-parse", "HEAD:data.csv"});
  const RunResult verify = run({"git", "verify-pack", "-v", pack.substr(0, pack.size() - 5) + ".idx"});
  const std::size_t at = verify.out.find(blob);
  ASSERT_NE(at, std::string::npos);
  std::istringstream fields(verify.out.substr(at, verify.out.find('\n', at) - at));
  std::string id, type;
  std::uint64_t size = 0, packed = 0, offset = 0;
  fields >> id >> type >> size >> packed >> offset;
  ASSERT_EQ(type, "blob");
  ASSERT_GT(packed, 200u);
  std::filesystem::permissions(pack, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  {
    std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset + packed / 2));
    const std::string garbage(64, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  const RunResult result = bad.scan();
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr(bad.repo + "@blob:" + blob));
  const json report = report_of(result);
  EXPECT_EQ(history_of(report, bad.key).size(), 1u) << "the readable blobs are still scanned";
  EXPECT_EQ(locations_of(report, bad.other).size(), 1u);
  EXPECT_TRUE(no_secret_on_stderr(result, {bad.key, bad.other}));
}

TEST(GitHistoryBadInput, ReferenceToAMissingObject) {
  BadRepo bad;
  bad.dir.write("repo/later.txt", "later\n");
  const std::string later = commit_all(bad.repo, "later");
  std::filesystem::remove(bad.dir.path("repo/.git/objects/" + later.substr(0, 2) + "/" + later.substr(2)));
  const RunResult result = bad.scan();
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr("missing object"));
  EXPECT_THAT(result.err, HasSubstr(later));
  const json report = report_of(result);
  const std::vector<json> at = history_of(report, bad.key);
  ASSERT_EQ(at.size(), 1u);
  EXPECT_EQ(at[0]["commit"], bad.commit) << "the commit is found among the unreferenced ones";
  EXPECT_EQ(locations_of(report, bad.other).size(), 1u);
}

TEST(GitHistoryBadInput, ShallowCloneSaysHistoryIsMissing) {
  BadRepo bad;
  bad.dir.write("repo/more.txt", "more\n");
  commit_all(bad.repo, "more");
  git(bad.dir.root().string(), {"clone", "-q", "--depth", "1", "file://" + bad.repo, "shallow"});
  const RunResult result = bad.scan();
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr(bad.dir.path("shallow") + ": shallow clone"));
  // The key is in the shallow clone's only commit too: both repositories report it.
  EXPECT_EQ(history_of(report_of(result), bad.key).size(), 2u);
}

TEST(GitHistoryBadInput, AlternatesAreNotFollowedAndSaySo) {
  BadRepo bad;
  git(bad.dir.root().string(), {"clone", "-q", "--shared", bad.repo, "borrower"});
  const RunResult result = sluice({"scan", bad.dir.path("borrower"), "-f", "json"});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr("alternates"));
  // The borrowed objects live in the other repository: scanning both finds the key once per
  // repository that has it.
  const RunResult both = bad.scan();
  ASSERT_TRUE(exited_with(both, kIncomplete));
  EXPECT_EQ(history_of(report_of(both), bad.key).size(), 1u);
}

TEST(GitHistoryBadInput, EmptyRepositoryIsNotedNotAnError) {
  TempDir dir;
  new_repo(dir, "empty");
  const RunResult result = sluice({"scan", dir.root().string(), "-f", "json"});
  ASSERT_TRUE(exited_with(result, kClean)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr("empty repository"));
  EXPECT_EQ(report_of(result)["summary"]["repositories"], 1);
}

TEST(GitHistoryBadInput, RepositoryOwnedByAnotherUserIsReadAsData) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the repository away";
  BadRepo bad;
  const RunResult chown = run({"chown", "-R", "65534:65534", bad.repo});
  ASSERT_TRUE(exited_with(chown, 0));
  const RunResult result = bad.scan();
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr("owned by uid 65534"));
  EXPECT_EQ(history_of(report_of(result), bad.key).size(), 1u);
}

TEST(GitHistoryBadInput, BlobOverTheSizeLimitIsReported) {
  BadRepo bad;
  bad.dir.write("repo/big.bin", std::string(3 << 20, '\x01'));
  commit_all(bad.repo, "big");
  const std::string blob = git(bad.repo, {"rev-parse", "HEAD:big.bin"});
  const RunResult result = bad.scan({"--max-blob-size", "1000000"});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr(bad.repo + "@blob:" + blob));
  EXPECT_THAT(result.err, HasSubstr("--max-blob-size"));
  EXPECT_EQ(history_of(report_of(result), bad.key).size(), 1u);
}

TEST(GitHistoryBadInput, NotARepositoryAfterAllIsAnError) {
  TempDir dir;
  dir.write("fake/HEAD", "garbage\n");
  dir.mkdir("fake/objects");
  dir.mkdir("fake/refs");
  const RunResult result = sluice({"scan", dir.root().string(), "-f", "json"});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr(dir.path("fake")));
}

// A pack whose index is missing cannot be read by git or libgit2: its objects are not
// scanned, and the scan says so instead of reporting a complete scan.
TEST(GitHistoryBadInput, PackWithoutItsIndexIsReported) {
  BadRepo bad;
  git(bad.repo, {"gc", "-q", "--prune=now"});
  std::string index;
  for (const auto& entry : std::filesystem::directory_iterator(bad.dir.path("repo/.git/objects/pack"))) {
    if (entry.path().extension() == ".idx") index = entry.path().string();
  }
  ASSERT_FALSE(index.empty());
  std::filesystem::rename(index, bad.dir.path("saved.idx.bak"));
  const RunResult result = bad.scan();
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr("a pack without its index (.idx): its objects were not scanned"));
  const json report = report_of(result);
  EXPECT_EQ(locations_of(report, bad.other).size(), 1u) << "the other inputs are still scanned";
}

// Everything in a git directory but the object store is scanned as files: a token in a remote
// URL of .git/config, a commit message being written, a file put beside HEAD.
TEST(GitHistory, FilesOfTheGitDirectoryAreScannedAsFiles) {
  TempDir dir;
  KeyGen gen(406);
  const std::string repo = new_repo(dir, "repo");
  dir.write("repo/readme.txt", "nothing here\n");
  commit_all(repo, "first");
  const std::string in_config = gen.personal_key();
  const std::string beside_head = gen.personal_key();
  git(repo, {"config", "remote.origin.url", "https://deploy:" + in_config + "@git.example.invalid/app.git"});
  dir.write("repo/.git/notes.env", "KEY=" + beside_head + "\n");
  const RunResult result = sluice({"scan", dir.path("repo"), "-f", "json"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  const json report = report_of(result);
  EXPECT_GE(locations_of(report, in_config).size(), 1u);
  EXPECT_EQ(locations_of(report, beside_head).size(), 1u);
}

}  // namespace
}  // namespace sluice::e2e

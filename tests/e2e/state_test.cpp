// Incremental re-audits (`sluice scan --state FILE`, pipeline/state_store.hpp): a second run
// takes unchanged files and scanned git blobs from the state and reports the same findings;
// a changed file is read again; --new-only; a catalog change rescans; a run killed with SIGKILL
// leaves a state the next run uses; one run at a time; a state of another schema or no state
// file at all is refused with a message naming it.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

// A tree of `files` files, one in three with a key, and a repository with keys in its history.
std::vector<std::string> make_tree(const TempDir& dir, KeyGen& gen, int files) {
  std::vector<std::string> keys;
  for (int k = 0; k < files; ++k) {
    std::string text = gen.filler(400) + "\n";
    if (k % 3 == 0) {
      keys.push_back(gen.personal_key());
      text += "POSTHOG_KEY=" + keys.back() + "\n";
    }
    dir.write("tree/d" + std::to_string(k % 7) + "/f" + std::to_string(k) + ".txt", text);
  }
  const std::string repo = dir.mkdir("tree/repo");
  git_in(repo, {"init", "-q"});
  for (int k = 0; k < 2; ++k) {
    keys.push_back(gen.personal_key());
    dir.write("tree/repo/env" + std::to_string(k), "KEY=" + keys.back() + "\n");
    git_in(repo, {"add", "."});
    git_in(repo, {"commit", "-q", "-m", "env " + std::to_string(k)});
  }
  git_in(repo, {"rm", "-q", "env1"});
  git_in(repo, {"commit", "-q", "-m", "drop env1"});
  return keys;
}

nlohmann::json summary(const RunResult& result) { return jsonl_summary(result.out); }

TEST(State, ASecondRunTakesUnchangedInputsFromTheStateWithTheSameFindings) {
  TempDir dir;
  KeyGen gen(31);
  make_tree(dir, gen, 1500);  // more than the state's tables hold before they first grow
  const std::string state = dir.path("audit.state");
  const RunResult plain = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  const RunResult first = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
  ASSERT_TRUE(exited_with(first, kFindings)) << describe(first);
  EXPECT_EQ(flatten(parse_jsonl(first.out)), flatten(parse_jsonl(plain.out)));
  EXPECT_EQ(summary(first)["from_state"], 0);
  struct stat st {};
  ASSERT_EQ(::stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the state holds secrets";

  const RunResult second = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
  ASSERT_TRUE(exited_with(second, kFindings)) << describe(second);
  EXPECT_EQ(flatten(parse_jsonl(second.out)), flatten(parse_jsonl(plain.out)));
  const nlohmann::json s = summary(second);
  // Every file (the work tree's and .git's own) and both blobs came from the state.
  EXPECT_EQ(s["from_state"].get<int>(), s["files"].get<int>() + s["blobs"].get<int>()) << s.dump();
  EXPECT_EQ(s["bytes"], 0);
  EXPECT_NE(second.err.find("findings taken from --state"), std::string::npos) << second.err;

  // One file changed and one added: those two are read, the rest is not; the findings follow.
  const std::string changed = gen.personal_key();
  dir.write("tree/d0/f0.txt", "POSTHOG_KEY=" + changed + "\n");
  const std::string added = gen.personal_key();
  dir.write("tree/d1/new.txt", "POSTHOG_KEY=" + added + "\n");
  const RunResult third = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
  const RunResult third_plain = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  EXPECT_EQ(flatten(parse_jsonl(third.out)), flatten(parse_jsonl(third_plain.out)));
  const nlohmann::json t = summary(third);
  EXPECT_EQ(t["from_state"].get<int>(), t["files"].get<int>() + t["blobs"].get<int>() - 2) << t.dump();

  // --new-only: the findings of what no earlier run saw.
  const std::string later = gen.personal_key();
  dir.write("tree/d2/later.txt", "POSTHOG_KEY=" + later + "\n");
  const RunResult fresh = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state, "--new-only"});
  const std::vector<Finding> found = parse_jsonl(fresh.out);
  ASSERT_EQ(found.size(), 1u) << describe(fresh, true);
  EXPECT_EQ(found[0].secret, later);

  // Another catalog: everything is scanned again (only a duplicate of what this run scanned may
  // be taken from the state, as a duplicate).
  const RunResult other = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state, "--disable", "aws"});
  const nlohmann::json o = summary(other);
  EXPECT_LE(o["from_state"].get<int>(), o["duplicates"].get<int>()) << describe(other);
  EXPECT_GT(o["bytes"].get<int>(), 0);
  EXPECT_EQ(flatten(parse_jsonl(other.out)),
            flatten(parse_jsonl(sluice({"scan", dir.path("tree"), "-f", "jsonl", "--disable", "aws"}).out)));
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("tree"), "--new-only"}), kFatal));
}

TEST(State, ARunKilledAnywhereLeavesAStateTheNextRunUses) {
  TempDir dir;
  KeyGen gen(32);
  make_tree(dir, gen, 1500);
  const RunResult plain = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  const auto expected = flatten(parse_jsonl(plain.out));
  for (int delay_ms : {30, 80, 150, 300}) {
    const std::string state = dir.path("killed-" + std::to_string(delay_ms) + ".state");
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::execl(kSluiceBinary.c_str(), kSluiceBinary.c_str(), "scan", dir.path("tree").c_str(), "-j", "1", "-q",
              "--state", state.c_str(), "-o", "/dev/null", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    const RunResult after = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
    EXPECT_TRUE(exited_with(after, kFindings)) << describe(after);
    EXPECT_EQ(flatten(parse_jsonl(after.out)), expected) << "killed after " << delay_ms << " ms";
    const RunResult again = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
    EXPECT_EQ(flatten(parse_jsonl(again.out)), expected);
    const nlohmann::json s = summary(again);
    EXPECT_EQ(s["from_state"].get<int>(), s["files"].get<int>() + s["blobs"].get<int>()) << s.dump();
  }
}

TEST(State, OneRunAtATimeAndForeignFilesAreRefused) {
  TempDir dir;
  KeyGen gen(33);
  make_tree(dir, gen, 5);
  const std::string state = dir.path("one.state");
  // A run that holds the state while it waits on a FIFO it scans.
  const std::string fifo = dir.path("slow.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execl(kSluiceBinary.c_str(), kSluiceBinary.c_str(), "scan", fifo.c_str(), "-q", "--state", state.c_str(), "-o",
            "/dev/null", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  RunResult second;
  for (int attempt = 0; attempt < 100; ++attempt) {  // until the first run holds the state
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    second = sluice({"scan", dir.path("tree"), "--state", state});
    if (second.exit_code == kFatal) break;
  }
  EXPECT_TRUE(exited_with(second, kFatal)) << describe(second);
  EXPECT_NE(second.err.find("in use by another sluice run"), std::string::npos) << second.err;
  {
    std::ofstream writer(fifo);  // lets the first run finish
    writer << "nothing\n";
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("tree"), "--state", state}), kFindings));

  // Another schema: refused, never misread.
  const RunResult bumped = run({"python3", "-c",
                                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                                "c.execute(\"UPDATE meta SET value = '99' WHERE key = 'schema'\"); c.commit()",
                                state});
  ASSERT_TRUE(exited_with(bumped, 0)) << describe(bumped);
  RunResult refused = sluice({"scan", dir.path("tree"), "--state", state});
  EXPECT_TRUE(exited_with(refused, kFatal)) << describe(refused);
  EXPECT_NE(refused.err.find("schema 99"), std::string::npos) << refused.err;
  // Not a state file at all.
  const std::string text = dir.write("notes.txt", std::string(4096, 'x'));
  refused = sluice({"scan", dir.path("tree"), "--state", text});
  EXPECT_TRUE(exited_with(refused, kFatal)) << describe(refused);
  EXPECT_NE(refused.err.find("not a sluice state file"), std::string::npos) << refused.err;
}

// Shards keep a state each; `sluice merge --state` joins them into one that a scan of all the
// inputs reuses whole. A path two states both hold keeps the record of its later state.
// Merge refuses what is not a state, and the output given as an input, before writing.
TEST(State, ShardStatesMergeIntoOneThatAWholeScanReuses) {
  TempDir dir;
  KeyGen gen(47);
  make_tree(dir, gen, 60);
  const RunResult plain = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  std::vector<std::string> args = {"merge", "--state", dir.path("all.state"), "-f", "jsonl"};
  for (int index = 0; index < 3; ++index) {
    const std::string name = "shard-" + std::to_string(index);
    const RunResult shard = sluice({"scan", dir.path("tree"), "--shard", std::to_string(index) + "/3", "--state",
                                    dir.path(name + ".state"), "-o", dir.path(name + ".jsonl")});
    ASSERT_TRUE(exited_with(shard, kFindings) || exited_with(shard, kClean)) << describe(shard);
    args.push_back(dir.path(name + ".jsonl"));
    args.push_back(dir.path(name + ".state"));
  }
  const RunResult merged = sluice(args);
  ASSERT_TRUE(exited_with(merged, kFindings)) << describe(merged);
  EXPECT_NE(merged.err.find("merged 3 state files"), std::string::npos) << merged.err;
  EXPECT_EQ(flatten(parse_jsonl(merged.out)), flatten(parse_jsonl(plain.out)));

  const RunResult whole = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", dir.path("all.state")});
  ASSERT_TRUE(exited_with(whole, kFindings)) << describe(whole);
  EXPECT_EQ(flatten(parse_jsonl(whole.out)), flatten(parse_jsonl(plain.out)));
  const nlohmann::json s = summary(whole);
  EXPECT_EQ(s["from_state"].get<int>(), s["files"].get<int>() + s["blobs"].get<int>()) << s.dump();
  EXPECT_EQ(s["bytes"], 0);

  // A file changed after an old state was written, and recorded in a new one: in either order,
  // the merged state holds the new record, so a scan takes the file from it.
  const std::string old_state = dir.path("all.state");
  const std::string changed = gen.personal_key();
  dir.write("tree/d0/f0.txt", "POSTHOG_KEY=" + changed + "\n");
  ASSERT_TRUE(exited_with(sluice({"scan", dir.path("tree/d0"), "--state", dir.path("new.state")}), kFindings));
  for (const bool new_first : {false, true}) {
    const std::string out = dir.path(new_first ? "b.state" : "a.state");
    const RunResult joined = sluice({"merge", "--state", out, new_first ? dir.path("new.state") : old_state,
                                     new_first ? old_state : dir.path("new.state")});
    ASSERT_TRUE(exited_with(joined, kClean)) << describe(joined);
    const RunResult again = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", out});
    const nlohmann::json a = summary(again);
    EXPECT_EQ(a["bytes"], 0) << new_first << " " << a.dump();
    EXPECT_NE(again.out.find(changed), std::string::npos) << new_first;
  }

  // Refused, with a line naming the file, and nothing written.
  RunResult refused = sluice({"merge", dir.path("shard-0.state")});
  EXPECT_TRUE(exited_with(refused, kFatal)) << describe(refused);
  EXPECT_NE(refused.err.find("give --state FILE"), std::string::npos) << refused.err;
  refused = sluice({"merge", "--state", dir.path("x.state"), dir.path("shard-0.jsonl")});
  EXPECT_TRUE(exited_with(refused, kFatal)) << describe(refused);
  EXPECT_NE(refused.err.find("no state files to merge"), std::string::npos) << refused.err;
  refused = sluice({"merge", "--state", old_state, old_state});
  EXPECT_TRUE(exited_with(refused, kFatal)) << describe(refused);
  EXPECT_NE(refused.err.find("is the --state file merged into"), std::string::npos) << refused.err;
  const RunResult other = run({"python3", "-c",
                               "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                               "c.execute('CREATE TABLE notes(text)'); c.commit()",
                               dir.path("other.db")});
  ASSERT_TRUE(exited_with(other, 0)) << describe(other);
  refused = sluice({"merge", "--state", dir.path("y.state"), dir.path("shard-1.state"), dir.path("other.db")});
  EXPECT_TRUE(exited_with(refused, kFatal)) << describe(refused);
  EXPECT_NE(refused.err.find("other.db: not a sluice state file"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("y.state")));
  const RunResult tables = run({"python3", "-c",
                                "import sqlite3, sys; print(sorted(r[0] for r in sqlite3.connect(sys.argv[1]).execute("
                                "\"SELECT name FROM sqlite_schema WHERE type = 'table'\")))",
                                dir.path("other.db")});
  EXPECT_EQ(tables.out, "['notes']\n") << "an input that is not a state is not made into one";
}

// An archive unchanged since it was scanned is not decompressed again: its members' findings
// (nested archives too) come from the state, with the same locations; a member that was a
// duplicate of a file that has changed since still has its findings (the content's record).
TEST(State, UnchangedArchivesAreTakenFromTheState) {
  TempDir dir;
  KeyGen gen(61);
  const std::string shared = "KEY=" + gen.personal_key() + "\n";
  dir.write("tree/src/dup.env", shared);
  const std::string inner =
      make_archive("zip", {}, {Member{"deep/secret.txt", "x=" + gen.personal_key() + "\n"}, Member{"none", "-\n"}});
  dir.write("tree/backup.tar.gz", make_archive("pax", {"gzip"},
                                               {Member{"etc/a.conf", "token=" + gen.personal_key() + "\n"},
                                                Member{"etc/dup.env", shared}, Member{"inner.zip", inner}}));
  dir.write("tree/cfg.zip", make_archive("zip", {}, {Member{"k.txt", gen.personal_key() + "\n"}}));
  const std::string state = dir.path("audit.state");
  const RunResult first = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
  ASSERT_TRUE(exited_with(first, kFindings)) << describe(first);
  const RunResult second = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
  ASSERT_TRUE(exited_with(second, kFindings)) << describe(second);
  EXPECT_EQ(flatten(parse_jsonl(second.out)), flatten(parse_jsonl(first.out)));
  const nlohmann::json a = summary(first);
  const nlohmann::json b = summary(second);
  EXPECT_EQ(b["bytes"], 0) << b.dump();
  EXPECT_EQ(b["from_state"], 3) << b.dump();  // the two archives and the file
  for (const char* field : {"files", "archives", "members", "duplicates", "findings"}) {
    EXPECT_EQ(b[field], a[field]) << field;
  }

  // The file the archive's member duplicated changes: the member keeps its findings.
  dir.write("tree/src/dup.env", "KEY=" + gen.personal_key() + "\n");
  const RunResult third = sluice({"scan", dir.path("tree"), "-f", "jsonl", "--state", state});
  ASSERT_TRUE(exited_with(third, kFindings)) << describe(third);
  const RunResult plain = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(plain, kFindings)) << describe(plain);
  EXPECT_EQ(flatten(parse_jsonl(third.out)), flatten(parse_jsonl(plain.out)));
  EXPECT_EQ(summary(third)["from_state"], 2);
}

}  // namespace
}  // namespace sluice::e2e

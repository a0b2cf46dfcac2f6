// End-to-end: inputs that cannot or must not be scanned (FIFOs, sockets, devices, broken
// links, link loops, unreadable files and directories, missing paths) and odd inputs that must
// be scanned (empty, binary, one 20 MB line, invalid UTF-8 in contents and names). Each run
// also checks that findings elsewhere are still reported, the exit code, the stderr message,
// that nothing hangs (watchdog) and that no secret reaches stderr.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RunOptions guarded() {
  RunOptions options;
  options.timeout = std::chrono::seconds(60);
  return options;
}

// A tree with one readable file holding a key, plus whatever the test adds.
struct Tree {
  TempDir dir;
  KeyGen gen;
  std::string key;
  std::string key_path;

  explicit Tree(std::uint64_t seed) : gen(seed) {
    key = gen.personal_key();
    key_path = dir.write("good/settings.py", "# config\nPOSTHOG_API_KEY = \"" + key + "\"\n");
    dir.write("good/notes.md", gen.filler(2000));
  }
  [[nodiscard]] std::string root() const { return dir.root().string(); }
};

// The report holds the tree's key at its file, exactly once.
::testing::AssertionResult reports_key(const RunResult& result, const Tree& tree) {
  for (const Finding& finding : parse_jsonl(result.out)) {
    if (finding.secret != tree.key) continue;
    if (finding.locations.size() == 1 && finding.locations[0].path == tree.key_path) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "the key is reported at " << finding.locations.size()
                                         << " locations, expected once at " << tree.key_path << "\n"
                                         << describe(result, true);
  }
  return ::testing::AssertionFailure() << "the key in " << tree.key_path << " is not reported\n"
                                       << describe(result, true);
}

bool has_line(const std::string& text, const std::string& prefix) {
  std::size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return true;
    ++at;
  }
  return false;
}

TEST(BadInput, FifoInTheTreeIsSkippedWithoutBlocking) {
  Tree tree(31);
  const std::string fifo = tree.dir.path("good/pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << std::strerror(errno);
  const RunResult result = sluice({"scan", tree.root(), "-f", "jsonl"}, guarded());
  ASSERT_FALSE(result.timed_out) << "the scan blocked on a FIFO\n" << describe(result);
  EXPECT_TRUE(exited_with(result, kFindings)) << "a skipped FIFO is not an error";
  EXPECT_TRUE(has_line(result.err, "sluice: skipped: " + fifo + ": ")) << describe(result);
  EXPECT_THAT(result.err, Not(HasSubstr("sluice: error:")));
  EXPECT_TRUE(reports_key(result, tree));
  EXPECT_TRUE(no_secret_on_stderr(result, {tree.key}));

  // Reached through a followed symbolic link, it is still skipped, not opened.
  ASSERT_EQ(::symlink(fifo.c_str(), tree.dir.path("fifo_link").c_str()), 0);
  const RunResult followed = sluice({"scan", tree.root(), "-f", "jsonl", "-L"}, guarded());
  ASSERT_FALSE(followed.timed_out) << "the scan blocked on a FIFO behind a symbolic link\n" << describe(followed);
  EXPECT_TRUE(exited_with(followed, kFindings));
  EXPECT_TRUE(reports_key(followed, tree));
}

TEST(BadInput, SocketAndDeviceAreSkipped) {
  Tree tree(32);
  const std::string socket_path = tree.dir.path("good/daemon.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.size(), sizeof address.sun_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
  ASSERT_EQ(::symlink("/dev/zero", tree.dir.path("good/zero").c_str()), 0);

  const RunResult result = sluice({"scan", tree.root(), "-f", "jsonl", "-L"}, guarded());
  ::close(fd);
  ASSERT_FALSE(result.timed_out) << "the scan read a device or socket\n" << describe(result);
  EXPECT_TRUE(exited_with(result, kFindings));
  EXPECT_TRUE(has_line(result.err, "sluice: skipped: " + socket_path + ": ")) << describe(result);
  EXPECT_TRUE(has_line(result.err, "sluice: skipped: " + tree.dir.path("good/zero") + ": ")) << describe(result);
  EXPECT_TRUE(reports_key(result, tree));
}

TEST(BadInput, BrokenSymlinkIsSilentByDefaultAndAnErrorWhenFollowed) {
  Tree tree(33);
  const std::string link = tree.dir.path("good/dangling.cfg");
  ASSERT_EQ(::symlink(tree.dir.path("nowhere/at/all").c_str(), link.c_str()), 0);

  const RunResult plain = sluice({"scan", tree.root(), "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(plain, kFindings)) << "an unfollowed symbolic link is not an error";
  EXPECT_THAT(plain.err, Not(HasSubstr("sluice: error:")));
  EXPECT_THAT(plain.err, Not(HasSubstr(link))) << "unfollowed links are only counted";
  EXPECT_THAT(plain.err, HasSubstr("1 skipped"));
  EXPECT_TRUE(reports_key(plain, tree));

  const RunResult followed = sluice({"scan", tree.root(), "-f", "jsonl", "-L"}, guarded());
  EXPECT_TRUE(exited_with(followed, kIncomplete));
  EXPECT_TRUE(has_line(followed.err, "sluice: error: " + link + ": ")) << describe(followed);
  EXPECT_TRUE(reports_key(followed, tree)) << "findings elsewhere are still reported";
  EXPECT_TRUE(no_secret_on_stderr(plain, {tree.key}));
  EXPECT_TRUE(no_secret_on_stderr(followed, {tree.key}));
}

TEST(BadInput, SymlinkToAFileIsFollowedOnlyWithL) {
  Tree tree(34);
  TempDir outside;
  const std::string other_key = tree.gen.personal_key();
  const std::string target = outside.write("secret.env", "KEY=" + other_key + "\n");
  const std::string link = tree.dir.path("good/linked.env");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);

  const RunResult plain = sluice({"scan", tree.root(), "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(plain, kFindings));
  EXPECT_THAT(plain.out, Not(HasSubstr(other_key))) << "symbolic links are not followed by default";

  const RunResult followed = sluice({"scan", tree.root(), "-f", "jsonl", "-L"}, guarded());
  EXPECT_TRUE(exited_with(followed, kFindings));
  const std::vector<Finding> findings = of_rule(parse_jsonl(followed.out), "posthog_personal_key");
  const std::vector<Hit> hits = flatten(findings);
  EXPECT_TRUE(std::find(hits.begin(), hits.end(), Hit{link, "posthog_personal_key", other_key, 4, 1, 5}) != hits.end())
      << "with -L the linked file is scanned and reported at the link's path\n"
      << describe(followed, true);
  EXPECT_TRUE(no_secret_on_stderr(followed, {tree.key, other_key}));
}

TEST(BadInput, SymlinkLoopWithLIsAnErrorNotAHang) {
  Tree tree(35);
  const std::string back = tree.dir.path("good/loop/back");
  tree.dir.mkdir("good/loop");
  ASSERT_EQ(::symlink("../..", back.c_str()), 0);  // good/loop/back -> the tree's root
  const std::string self = tree.dir.path("self");
  ASSERT_EQ(::symlink("self", self.c_str()), 0);  // self -> self

  const RunResult result = sluice({"scan", tree.root(), "-f", "jsonl", "-L"}, guarded());
  ASSERT_FALSE(result.timed_out) << "a symbolic link loop made the scan hang\n" << describe(result);
  EXPECT_TRUE(exited_with(result, kIncomplete));
  EXPECT_TRUE(has_line(result.err, "sluice: error: " + back + ": ")) << describe(result);
  EXPECT_TRUE(has_line(result.err, "sluice: error: " + self + ": ")) << describe(result);
  EXPECT_TRUE(reports_key(result, tree)) << "the key is reported once, not once per trip around the loop";
  EXPECT_TRUE(no_secret_on_stderr(result, {tree.key}));

  const RunResult plain = sluice({"scan", tree.root(), "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(plain, kFindings)) << "without -L links (and their loops) are not followed";
}

// Root can read anything: run the binary as nobody so that permissions apply.
RunOptions unprivileged() {
  RunOptions options = guarded();
  options.as_nobody = true;
  return options;
}

TEST(BadInput, UnreadableFileIsAnErrorAndTheRestIsScanned) {
  Tree tree(36);
  const std::string locked_key = tree.gen.personal_key();
  const std::string locked = tree.dir.write("good/locked.env", "KEY=" + locked_key + "\n");
  ASSERT_EQ(::chmod(locked.c_str(), 0), 0);
  const RunResult result = sluice({"scan", tree.root(), "-f", "jsonl"}, unprivileged());
  EXPECT_TRUE(exited_with(result, kIncomplete));
  EXPECT_TRUE(has_line(result.err, "sluice: error: " + locked + ": ")) << describe(result);
  EXPECT_THAT(result.out, Not(HasSubstr(locked_key)));
  EXPECT_TRUE(reports_key(result, tree));
  EXPECT_TRUE(no_secret_on_stderr(result, {tree.key, locked_key}));
}

TEST(BadInput, UnreadableDirectoryIsAnErrorAndTheRestIsScanned) {
  Tree tree(37);
  const std::string hidden_key = tree.gen.personal_key();
  tree.dir.write("vault/inner/keys.env", "KEY=" + hidden_key + "\n");
  const std::string vault = tree.dir.path("vault");
  ASSERT_EQ(::chmod(vault.c_str(), 0), 0);
  const RunResult result = sluice({"scan", tree.root(), "-f", "jsonl"}, unprivileged());
  EXPECT_TRUE(exited_with(result, kIncomplete));
  EXPECT_TRUE(has_line(result.err, "sluice: error: " + vault + ": ")) << describe(result);
  EXPECT_TRUE(reports_key(result, tree));
  EXPECT_TRUE(no_secret_on_stderr(result, {tree.key, hidden_key}));

  // The summary in JSON says the scan is incomplete.
  const RunResult json = sluice({"scan", tree.root(), "-f", "json"}, unprivileged());
  EXPECT_TRUE(exited_with(json, kIncomplete));
  const nlohmann::json document = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << json.out;
  EXPECT_EQ(document["summary"].value("complete", true), false) << document["summary"].dump();
  EXPECT_EQ(document["summary"].value("errors", 0), 1) << document["summary"].dump();
}

TEST(BadInput, MissingPathExitsThreeNamingIt) {
  Tree tree(38);
  const std::string missing = tree.dir.path("does/not/exist.txt");
  const RunResult alone = sluice({"scan", missing, "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(alone, kIncomplete));
  EXPECT_TRUE(has_line(alone.err, "sluice: error: " + missing + ": ")) << describe(alone);

  const RunResult with_tree = sluice({"scan", missing, tree.root(), "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(with_tree, kIncomplete)) << "an input not scanned takes precedence over findings";
  EXPECT_TRUE(has_line(with_tree.err, "sluice: error: " + missing + ": ")) << describe(with_tree);
  EXPECT_TRUE(reports_key(with_tree, tree));
  EXPECT_TRUE(no_secret_on_stderr(with_tree, {tree.key}));

  const RunResult quiet = sluice({"scan", missing, tree.root(), "-f", "jsonl", "-q"}, guarded());
  EXPECT_TRUE(exited_with(quiet, kIncomplete));
  EXPECT_TRUE(has_line(quiet.err, "sluice: error: " + missing + ": ")) << "-q still prints errors\n" << describe(quiet);
  EXPECT_THAT(quiet.err, Not(HasSubstr("sluice: scanned"))) << "-q drops the summary line";
}

TEST(BadInput, EmptyFilesAreFine) {
  TempDir dir;
  const std::string empty = dir.write("empty.txt", "");
  dir.write("sub/also_empty", "");
  const RunResult alone = sluice({"scan", empty, "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(alone, kClean));
  EXPECT_TRUE(parse_jsonl(alone.out).empty());
  const RunResult tree = sluice({"scan", dir.root().string(), "-f", "json"}, guarded());
  EXPECT_TRUE(exited_with(tree, kClean));
  EXPECT_THAT(tree.err, Not(HasSubstr("sluice: error:")));
  EXPECT_TRUE(parse_json_findings(tree.out).empty());
  const RunResult empty_dir = sluice({"scan", dir.mkdir("nothing_here"), "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(empty_dir, kClean));
}

TEST(BadInput, KeyInABinaryFileIsFound) {
  TempDir dir;
  KeyGen gen(39);
  std::string bytes;
  for (int i = 0; i < 20000; ++i) bytes.push_back(static_cast<char>(gen.below(256)));
  for (int i = 0; i < 200; ++i) bytes[gen.below(bytes.size())] = '\0';
  const std::string key = gen.personal_key();
  const std::size_t offset = 12345;
  bytes[offset - 1] = '\0';
  bytes.replace(offset, key.size(), key);
  bytes[offset + key.size()] = '\0';
  const std::string path = dir.write("blob.bin", bytes);
  const RunResult result = sluice({"scan", path, "-f", "jsonl"}, guarded());
  EXPECT_TRUE(exited_with(result, kFindings));
  const Position position = position_of(bytes, offset);
  const std::vector<Hit> hits = flatten(of_rule(parse_jsonl(result.out), "posthog_personal_key"));
  EXPECT_EQ(hits, (std::vector<Hit>{{path, "posthog_personal_key", key, offset, position.line, position.column}}));
  EXPECT_TRUE(no_secret_on_stderr(result, {key}));
}

TEST(BadInput, TwentyMegabyteSingleLineWithAKeyAtTheEnd) {
  TempDir dir;
  KeyGen gen(40);
  std::string line = gen.filler(20'000'000);
  std::replace(line.begin(), line.end(), '\n', ' ');
  const std::string key = gen.personal_key(2);
  const std::size_t offset = line.size() - key.size() - 1;
  plant(line, offset, key, gen);
  line.back() = ';';
  const std::string path = dir.write("one_line.min.js", line);
  const Hit expected{path, "posthog_personal_key", key, offset, 1, offset + 1};
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {}, {"--mmap-threshold", "1099511627776"}, {"-j", "2", "--segment-size", "65536"}}) {
    std::vector<std::string> args{"scan", path, "-f", "jsonl"};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult result = sluice(args, guarded());
    EXPECT_TRUE(exited_with(result, kFindings));
    EXPECT_EQ(flatten(parse_jsonl(result.out)), std::vector<Hit>{expected}) << result.command;
    EXPECT_TRUE(no_secret_on_stderr(result, {key}));
  }
  RunOptions piped = guarded();
  piped.input = line;
  const RunResult streamed = sluice({"scan", "-", "-f", "jsonl", "--chunk-size", "65536"}, piped);
  EXPECT_TRUE(exited_with(streamed, kFindings));
  EXPECT_EQ(flatten(parse_jsonl(streamed.out)),
            (std::vector<Hit>{{"-", "posthog_personal_key", key, offset, 1, offset + 1}}));
}

TEST(BadInput, InvalidUtf8AroundAKeyAndInAFileName) {
  TempDir dir;
  KeyGen gen(41);
  const std::string key = gen.personal_key();
  const std::string prefix = std::string("caf\xe9 \xff\xfe\x80 na\xc3\x28ve\nkey=\xc0\xaf ");
  const std::string content = prefix + key + " \xed\xa0\x80\xf8\x88\x80\x80\x80 tail\n";
  const std::string name = std::string("r\xe9sum\xe9_\xff.env");
  const std::string path = dir.write(name, content);
  const Position position = position_of(content, prefix.size());

  for (const char* format : {"json", "jsonl"}) {
    const RunResult result = sluice({"scan", dir.root().string(), "-f", format}, guarded());
    ASSERT_TRUE(exited_with(result, kFindings));
    std::vector<Finding> findings;
    if (std::string(format) == "json") {
      const nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
      ASSERT_FALSE(document.is_discarded()) << "-f json with non-UTF-8 input is not valid JSON:\n" << result.out;
      findings = parse_json_findings(result.out);
    } else {
      findings = parse_jsonl(result.out);
    }
    ASSERT_EQ(findings.size(), 1u) << describe(result, true);
    EXPECT_EQ(findings[0].secret, key);
    ASSERT_EQ(findings[0].locations.size(), 1u);
    const Location& at = findings[0].locations[0];
    EXPECT_EQ(at.offset, prefix.size());
    EXPECT_EQ(at.line, position.line);
    EXPECT_EQ(at.column, position.column);
    EXPECT_EQ(at.path.rfind(dir.root().string() + "/r", 0), 0u) << "path: " << at.path;
    EXPECT_THAT(at.path, HasSubstr(".env"));
    EXPECT_TRUE(no_secret_on_stderr(result, {key}));
  }
  const RunResult text = sluice({"scan", dir.root().string()}, guarded());
  EXPECT_TRUE(exited_with(text, kFindings));
  EXPECT_THAT(text.out, HasSubstr(key));
}

}  // namespace
}  // namespace sluice::e2e

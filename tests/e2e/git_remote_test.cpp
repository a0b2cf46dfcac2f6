// --git-url against a real git server on loopback: `git daemon` serving repositories the test
// makes. The findings of the remotes' mirrors equal those of the same repositories scanned on
// disk, named by URL; a second run fetches into the mirrors; a remote that cannot be fetched is
// one error line naming it (exit 3) while the others are still reported; credentials in a URL
// are never shown, stored in the mirror, or reported.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/e2e/support.hpp"

namespace sluice::e2e {
namespace {

// `git daemon` on 127.0.0.1, exporting every repository under `base`; stopped when destroyed.
class GitDaemon {
 public:
  explicit GitDaemon(const std::string& base) {
    for (int attempt = 0; attempt < 5 && !(server_ && server_->running()); ++attempt) {
      port_ = free_port();
      server_ = std::make_unique<LoopbackServer>(
          std::vector<std::string>{"git", "daemon", "--export-all", "--reuseaddr", "--informative-errors",
                                   "--listen=127.0.0.1", "--port=" + std::to_string(port_), "--base-path=" + base,
                                   base},
          port_);
    }
  }
  [[nodiscard]] bool running() const { return server_ && server_->running(); }
  [[nodiscard]] std::string url(const std::string& repo) const {
    return "git://127.0.0.1:" + std::to_string(port_) + "/" + repo;
  }

 private:
  int port_ = 0;
  std::unique_ptr<LoopbackServer> server_;
};

// A repository at `dir`/`name` (bare, served) with `files` committed in one commit each.
void make_repo(const TempDir& dir, const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& files) {
  const std::string work = dir.mkdir("work/" + name);
  git_in(work, {"init", "-q", "-b", "main"});
  for (const auto& [path, content] : files) {
    dir.write("work/" + name + "/" + path, content);
    git_in(work, {"add", "--", path});
    git_in(work, {"commit", "-q", "-m", "add " + path});
  }
  const RunResult bare = run({"git", "clone", "-q", "--mirror", work, dir.path("served/" + name + ".git")});
  ASSERT_TRUE(exited_with(bare, 0)) << describe(bare);
}

// (repository, commit, path, secret) of every git location of a JSON Lines report.
using GitHit = std::tuple<std::string, std::string, std::string, std::string>;
std::set<GitHit> git_hits(const std::string& jsonl) {
  std::set<GitHit> out;
  for (const Finding& finding : parse_jsonl(jsonl)) {
    for (const nlohmann::json& at : finding.raw["locations"]) {
      out.emplace(at.value("repository", ""), at.value("commit", ""), at.value("path", ""), finding.secret);
    }
  }
  return out;
}

// The same hits with every repository name replaced by `from` -> `to`.
std::set<GitHit> renamed(const std::set<GitHit>& hits, const std::map<std::string, std::string>& names) {
  std::set<GitHit> out;
  for (const auto& [repository, commit, path, secret] : hits) {
    const auto found = names.find(repository);
    out.emplace(found != names.end() ? found->second : repository, commit, path, secret);
  }
  return out;
}

TEST(GitRemote, MirrorsOfRemotesGiveTheFindingsOfTheRepositoriesOnDisk) {
  TempDir dir;
  KeyGen gen(71);
  const std::string shared = "KEY=" + gen.personal_key() + "\n";
  make_repo(dir, "alpha", {{"a.env", shared}, {"src/config.py", "token = '" + gen.personal_key() + "'\n"}});
  make_repo(dir, "beta", {{"b.env", shared}, {"deploy/k.txt", gen.personal_key() + "\n"}});
  // A key only on a branch other than the default one: a mirror has every ref.
  git_in(dir.path("work/beta"), {"checkout", "-q", "-b", "topic"});
  dir.write("work/beta/topic.env", "T=" + gen.personal_key() + "\n");
  git_in(dir.path("work/beta"), {"add", "topic.env"});
  git_in(dir.path("work/beta"), {"commit", "-q", "-m", "topic"});
  git_in(dir.path("work/beta"), {"push", "-q", dir.path("served/beta.git"), "topic"});

  GitDaemon daemon(dir.path("served"));
  ASSERT_TRUE(daemon.running()) << "git daemon did not start on loopback";
  const std::string cache = dir.path("cache");
  const std::vector<std::string> remote{
      "scan", "--git-url", daemon.url("alpha.git"), "--git-url", daemon.url("beta.git"), "--clone-dir", cache,
      "-f",   "jsonl"};
  const RunResult first = sluice(remote);
  ASSERT_TRUE(exited_with(first, kFindings)) << describe(first);
  const RunResult local = sluice(
      {"scan", dir.path("served/alpha.git"), dir.path("served/beta.git"), "-f", "jsonl", "--git-history", "full"});
  ASSERT_TRUE(exited_with(local, kFindings)) << describe(local);
  const std::set<GitHit> expected = renamed(
      git_hits(local.out),
      {{dir.path("served/alpha.git"), daemon.url("alpha.git")}, {dir.path("served/beta.git"), daemon.url("beta.git")}});
  std::set<GitHit> from_history;  // the local scan also read the bare repositories' own files
  for (const GitHit& hit : expected) {
    if (!std::get<1>(hit).empty()) from_history.insert(hit);
  }
  EXPECT_EQ(git_hits(first.out), from_history);
  EXPECT_EQ(from_history.size(), 5u)
      << "the shared key in both repositories, the other three, the topic branch's among them";
  EXPECT_NE(first.err.find("fetching 2 git remotes into " + cache), std::string::npos) << first.err;
  const nlohmann::json summary = jsonl_summary(first.out);
  EXPECT_EQ(summary["repositories"], 2) << summary.dump();
  EXPECT_EQ(summary["files"], 0) << "a mirror's own files (config, hooks) are the cache's, not the remote's";

  // New history on the remote: the next run fetches it into the mirror and finds its key.
  const std::string added = gen.personal_key();
  dir.write("work/alpha/new.env", "N=" + added + "\n");
  git_in(dir.path("work/alpha"), {"add", "new.env"});
  git_in(dir.path("work/alpha"), {"commit", "-q", "-m", "new"});
  git_in(dir.path("work/alpha"), {"push", "-q", dir.path("served/alpha.git"), "main"});
  const RunResult second = sluice(remote);
  ASSERT_TRUE(exited_with(second, kFindings)) << describe(second);
  std::set<std::string> secrets;
  for (const Finding& finding : parse_jsonl(second.out)) secrets.insert(finding.secret);
  EXPECT_EQ(secrets.count(added), 1u);
  EXPECT_EQ(git_hits(second.out).size(), from_history.size() + 1);
  std::size_t mirrors = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cache)) {
    ++mirrors;
    EXPECT_EQ(entry.path().extension(), ".git") << entry.path() << ": no partial clone is left";
  }
  EXPECT_EQ(mirrors, 2u);

  // With --state, a third run takes every blob from the state and reports the same.
  const std::string state = dir.path("audit.state");
  std::vector<std::string> with_state = remote;
  with_state.insert(with_state.end(), {"--state", state});
  const RunResult third = sluice(with_state);
  ASSERT_TRUE(exited_with(third, kFindings)) << describe(third);
  const RunResult fourth = sluice(with_state);
  ASSERT_TRUE(exited_with(fourth, kFindings)) << describe(fourth);
  EXPECT_EQ(git_hits(fourth.out), git_hits(second.out));
  EXPECT_EQ(jsonl_summary(fourth.out)["bytes"], 0) << fourth.out;
}

TEST(GitRemote, ARemoteThatCannotBeFetchedIsAnErrorAndTheOthersAreScanned) {
  TempDir dir;
  KeyGen gen(72);
  const std::string key = gen.personal_key();
  make_repo(dir, "ok", {{"k.env", "K=" + key + "\n"}});
  GitDaemon daemon(dir.path("served"));
  ASSERT_TRUE(daemon.running()) << "git daemon did not start on loopback";
  const std::string password = "hunter2-" + gen.personal_key().substr(4, 12);
  dir.write("urls.txt", "# remotes\n" + daemon.url("ok.git") + "\n" + daemon.url("missing.git") + "\nhttp://auditor:" +
                            password + "@127.0.0.1:" + std::to_string(free_port()) + "/private.git\n");
  const RunResult result =
      sluice({"scan", "--git-urls-from", dir.path("urls.txt"), "--clone-dir", dir.path("cache"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_EQ(parse_jsonl(result.out).size(), 1u);
  EXPECT_NE(result.err.find("sluice: error: " + daemon.url("missing.git") + ": fetch failed"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("sluice: error: http://127.0.0.1:"), std::string::npos)
      << "the URL is named without its credentials: " << result.err;
  EXPECT_TRUE(no_secret_on_stderr(result, {password, "auditor:"}));
  EXPECT_EQ(result.out.find(password), std::string::npos);
  const nlohmann::json summary = jsonl_summary(result.out);
  EXPECT_EQ(summary["errors"], 2) << summary.dump();
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path("cache"))) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(read_file(entry.path()).find(password), std::string::npos) << entry.path();
    }
  }
  // Under --shard, each remote goes to exactly one shard.
  std::set<std::string> secrets;
  for (const char* shard : {"0/2", "1/2"}) {
    const RunResult part = sluice({"scan", "--git-url", daemon.url("ok.git"), "--clone-dir", dir.path("cache"),
                                   "--shard", shard, "-o", dir.path(std::string("shard-") + shard[0] + ".jsonl")});
    ASSERT_TRUE(exited_with(part, kClean) || exited_with(part, kFindings)) << describe(part);
    for (const Finding& finding : parse_jsonl(read_file(dir.path(std::string("shard-") + shard[0] + ".jsonl")))) {
      if (finding.rule_id.empty()) continue;  // the shard's header record
      EXPECT_TRUE(secrets.insert(finding.secret).second) << "found by both shards";
    }
  }
  EXPECT_EQ(secrets, std::set<std::string>{key});
}

// A loopback imitation of the GitHub and GitLab REST listings: argv = port, git daemon base URL.
constexpr const char* kForgeServer = R"PY(
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, git = int(sys.argv[1]), sys.argv[2]
def repo(name, fork=False, archived=False):
    return {"full_name": "acme/" + name, "clone_url": git + "/" + name + ".git", "fork": fork, "archived": archived}
class Forge(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        base = "http://127.0.0.1:%d" % port
        if self.path.startswith("/orgs/acme/repos"):
            if self.headers.get("Authorization") != "Bearer gh-test-token":
                return self.answer(401, {"message": "Bad credentials"})
            if "page=2" not in self.path:
                return self.answer(200, [repo("alpha"), repo("beta", fork=True),
                                         {"full_name": "acme/local", "clone_url": "file:///etc", "fork": False}],
                                   [("Link", '<%s/orgs/acme/repos?per_page=100&type=all&page=2>; rel="next"' % base)])
            return self.answer(200, [repo("gamma", archived=True)])
        if self.path.startswith("/users/solo/repos"):
            return self.answer(403, {"message": "API rate limit exceeded"},
                               [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1700000000")])
        if self.path.startswith("/groups/team%2Fsub/projects"):
            if self.headers.get("PRIVATE-TOKEN") != "gl-test-token":
                return self.answer(401, {"message": "401 Unauthorized"})
            return self.answer(200, [{"path_with_namespace": "team/sub/delta", "http_url_to_repo": git + "/delta.git",
                                      "forked_from_project": None, "archived": False}])
        self.answer(404, {"message": "Not Found"})
HTTPServer(("127.0.0.1", port), Forge).serve_forever()
)PY";

TEST(GitRemote, ForgeListingsOfGithubAndGitlabAreClonedAndScanned) {
  TempDir dir;
  KeyGen gen(73);
  std::map<std::string, std::string> keys;
  for (const char* name : {"alpha", "beta", "gamma", "delta"}) {
    keys[name] = gen.personal_key();
    make_repo(dir, name, {{"k.env", "K=" + keys[name] + "\n"}});
  }
  GitDaemon daemon(dir.path("served"));
  ASSERT_TRUE(daemon.running()) << "git daemon did not start on loopback";
  const std::string script = dir.write("forge.py", kForgeServer);
  const int port = free_port();
  const std::string git_base = daemon.url("x").substr(0, daemon.url("x").size() - 2);
  LoopbackServer forge({"python3", script, std::to_string(port), git_base}, port);
  ASSERT_TRUE(forge.running()) << "the forge imitation did not start";
  const std::string api = "http://127.0.0.1:" + std::to_string(port);
  const auto scan = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"env",
                                  "GITHUB_TOKEN=gh-test-token",
                                  "GITLAB_TOKEN=gl-test-token",
                                  kSluiceBinary,
                                  "scan",
                                  "--forge-api",
                                  api,
                                  "--clone-dir",
                                  dir.path("cache"),
                                  "-f",
                                  "jsonl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  };
  const auto secrets_of = [](const RunResult& result) {
    std::set<std::string> out;
    for (const Finding& finding : parse_jsonl(result.out)) out.insert(finding.secret);
    return out;
  };

  // Both pages of the organisation, its fork and its archived repository; not the file:// one.
  const RunResult org = scan({"--github-org", "acme"});
  ASSERT_TRUE(exited_with(org, kFindings)) << describe(org);
  EXPECT_EQ(secrets_of(org), (std::set<std::string>{keys["alpha"], keys["beta"], keys["gamma"]}));
  EXPECT_TRUE(no_secret_on_stderr(org, {"gh-test-token", "gl-test-token"}));
  EXPECT_EQ(org.out.find("test-token"), std::string::npos);

  const RunResult narrowed = scan({"--github-org", "acme", "--skip-forks", "--skip-archived"});
  ASSERT_TRUE(exited_with(narrowed, kFindings)) << describe(narrowed);
  EXPECT_EQ(secrets_of(narrowed), (std::set<std::string>{keys["alpha"]}));

  // A GitLab group with subgroups; a rate-limited user listing is an error, the rest scanned.
  const RunResult mixed = scan({"--gitlab-group", "team/sub", "--github-user", "solo"});
  ASSERT_TRUE(exited_with(mixed, kIncomplete)) << describe(mixed);
  EXPECT_EQ(secrets_of(mixed), (std::set<std::string>{keys["delta"]}));
  EXPECT_NE(mixed.err.find("sluice: error: --github-user solo: "), std::string::npos) << mixed.err;
  EXPECT_NE(mixed.err.find("rate limited"), std::string::npos) << mixed.err;

  // Plain http to a forge API that is not on loopback is refused before anything is sent.
  const RunResult refused = sluice({"scan", "--github-org", "acme", "--forge-api", "http://192.0.2.1/api"});
  EXPECT_TRUE(exited_with(refused, 2)) << describe(refused);
  EXPECT_NE(refused.err.find("plain http only to a loopback address"), std::string::npos) << refused.err;
}

// A server that accepts connections and never answers: libgit2 waits on it with no timeout of
// its own; a signal still ends the run at once, with its report.
TEST(GitRemote, ASignalEndsAFetchFromAServerThatNeverAnswers) {
  TempDir dir;
  const int port = free_port();
  LoopbackServer silent({"python3", "-c",
                         "import socket, sys, time\n"
                         "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                         "s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(16); held = []\n"
                         "while True:\n    held.append(s.accept()[0])\n",
                         std::to_string(port)},
                        port);
  ASSERT_TRUE(silent.running());
  const auto started = std::chrono::steady_clock::now();
  const RunResult result = run({"timeout", "--preserve-status", "-s", "TERM", "2", kSluiceBinary, "scan", "--git-url",
                                "http://127.0.0.1:" + std::to_string(port) + "/app.git", "--clone-dir",
                                dir.path("cache"), "-f", "jsonl", "-o", dir.path("report.jsonl")});
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_TRUE(exited_with(result, 128 + SIGTERM)) << describe(result);
  EXPECT_LT(seconds, 30.0) << "the stalled fetch was not abandoned";
  EXPECT_NE(result.err.find("fetch stopped by a signal"), std::string::npos) << result.err;
  EXPECT_FALSE(jsonl_summary(read_file(dir.path("report.jsonl"))).is_null()) << "the report is written";
}

}  // namespace
}  // namespace sluice::e2e

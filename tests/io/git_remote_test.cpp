#include "io/git_remote.hpp"

#include <gtest/gtest.h>

namespace sluice::io {
namespace {

TEST(RemoteUrl, CredentialsAreSplitOffAndNeverShown) {
  RemoteUrl url = parse_remote_url("https://auditor:s%40cret%3Ax@git.example.com:8443/team/app.git");
  EXPECT_EQ(url.shown, "https://git.example.com:8443/team/app.git");
  EXPECT_EQ(url.user, "auditor");
  EXPECT_EQ(url.password, "s@cret:x");  // percent-decoded

  url = parse_remote_url("https://TOKEN123@github.example/org/repo");
  EXPECT_EQ(url.shown, "https://github.example/org/repo");
  EXPECT_EQ(url.user, "TOKEN123");
  EXPECT_EQ(url.password, "");

  // An '@' in the path is not userinfo.
  url = parse_remote_url("https://host.example/a@b/repo.git");
  EXPECT_EQ(url.shown, "https://host.example/a@b/repo.git");
  EXPECT_EQ(url.user, "");
}

TEST(RemoteUrl, SshKeepsItsLoginAndDropsAnyPassword) {
  RemoteUrl url = parse_remote_url("ssh://git:pw@host.example:2222/srv/repo.git");
  EXPECT_EQ(url.shown, "ssh://git@host.example:2222/srv/repo.git");
  EXPECT_EQ(url.user, "git");
  EXPECT_EQ(url.password, "pw");

  url = parse_remote_url("git@host.example:team/repo.git");
  EXPECT_EQ(url.shown, "git@host.example:team/repo.git");
  EXPECT_EQ(url.user, "git");

  url = parse_remote_url("/srv/git/repo.git");
  EXPECT_EQ(url.shown, "/srv/git/repo.git");
  EXPECT_EQ(url.user, "");
}

TEST(RemoteUrl, APasswordThatWasNotEncodedIsNeverShown) {
  // '/' in a password ends the authority: "alice:ab" reads as a host with a port that is not
  // a number, and the rest would be shown as the path.
  RemoteUrl url = parse_remote_url("http://alice:ab/cdSECRETX@git.example.com/app.git");
  EXPECT_TRUE(url.malformed);
  EXPECT_EQ(url.shown.find("SECRETX"), std::string::npos) << url.shown;
  EXPECT_EQ(url.shown.find("ab/cd"), std::string::npos) << url.shown;
  // scp-like forms take no password.
  url = parse_remote_url("alice:SECRETZ@git.example.com:repos/app.git");
  EXPECT_TRUE(url.malformed);
  EXPECT_EQ(url.shown.find("SECRETZ"), std::string::npos) << url.shown;
  EXPECT_FALSE(parse_remote_url("https://git.example.com:8443/a@b/app.git").malformed);
  EXPECT_FALSE(parse_remote_url("git@git.example.com:team/app.git").malformed);
}

TEST(MirrorPath, NamedAfterTheRepositoryAndDistinctPerUrl) {
  const std::string a = mirror_path("/cache", "https://host.example/team/app.git");
  const std::string b = mirror_path("/cache", "https://other.example/team/app.git");
  EXPECT_EQ(a.rfind("/cache/app-", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string("/cache/app-").size() + 16 + 4) << a;
  EXPECT_NE(a, b);
  EXPECT_EQ(a, mirror_path("/cache", "https://host.example/team/app.git"));
  // Nothing in a URL can step out of the cache or hide the mirror.
  const std::string odd = mirror_path("/cache", "https://host.example/..");
  EXPECT_EQ(odd.find("/../"), std::string::npos) << odd;
  EXPECT_EQ(odd.rfind("/cache/repo", 0), 0u) << odd;
  EXPECT_EQ(mirror_path("/cache", "git@h:x/we ird$name/").rfind("/cache/we_ird_name-", 0), 0u);
}

}  // namespace
}  // namespace sluice::io

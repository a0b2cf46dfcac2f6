#pragma once
// The repositories of a GitHub organisation or user, or of a GitLab group (with its
// subgroups), listed through the forge's REST API (pagination followed), as clone URLs for the
// git remotes (io/git_remote.hpp). A token (GITHUB_TOKEN, GITLAB_TOKEN) authenticates the
// listing and is put in a clone URL only when the repository is on the forge's own host.

#include <string>
#include <vector>

#include "io/http_client.hpp"

namespace sluice::io {

struct ForgeQuery {
  enum class Kind { kGithubOrg, kGithubUser, kGitlabGroup } kind = Kind::kGithubOrg;
  std::string name;
  std::string api;    // https://api.github.com, https://gitlab.com/api/v4, or --forge-api
  std::string token;  // empty: anonymous
  bool forks = true;
  bool archived = true;
};

struct ForgeRepository {
  std::string name;       // owner/name (GitHub) or the project's full path (GitLab)
  std::string clone_url;  // with the token as credentials when it may be sent there
};

// The repositories of `query`; a failed page is `error` (with what was listed before it).
[[nodiscard]] std::vector<ForgeRepository> list_forge(HttpClient& http, const ForgeQuery& query, std::string* error);

// The default API of a forge kind.
[[nodiscard]] std::string default_forge_api(ForgeQuery::Kind kind);

}  // namespace sluice::io

#include "io/forge.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace sluice::io {
namespace {

using json = nlohmann::json;

std::string refusal(const HttpResponse& response) {
  if ((response.status == 403 || response.status == 429) && response.header("x-ratelimit-remaining") == "0") {
    const std::string reset = response.header("x-ratelimit-reset");
    return fmt::format("HTTP {}: rate limited{}{}", response.status, reset.empty() ? "" : " until epoch second ",
                       reset);
  }
  const json body = json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    std::string message = body["message"].get<std::string>();
    if (message.size() > 200) message.resize(200);
    return fmt::format("HTTP {}: {}", response.status, message);
  }
  return fmt::format("HTTP {}", response.status);
}

}  // namespace

std::string default_forge_api(ForgeQuery::Kind kind) {
  return kind == ForgeQuery::Kind::kGitlabGroup ? "https://gitlab.com/api/v4" : "https://api.github.com";
}

std::vector<ForgeRepository> list_forge(HttpClient& http, const ForgeQuery& query, std::string* error) {
  std::vector<ForgeRepository> out;
  std::string api = query.api.empty() ? default_forge_api(query.kind) : query.api;
  while (!api.empty() && api.back() == '/') api.pop_back();
  const bool gitlab = query.kind == ForgeQuery::Kind::kGitlabGroup;
  std::string url;
  switch (query.kind) {
    case ForgeQuery::Kind::kGithubOrg:
      url = fmt::format("{}/orgs/{}/repos?per_page=100&type=all", api, url_escaped(query.name));
      break;
    case ForgeQuery::Kind::kGithubUser:
      url = fmt::format("{}/users/{}/repos?per_page=100&type=owner", api, url_escaped(query.name));
      break;
    case ForgeQuery::Kind::kGitlabGroup:
      url = fmt::format("{}/groups/{}/projects?per_page=100&include_subgroups=true", api, url_escaped(query.name));
      break;
  }
  const std::string api_origin = url_origin(api);
  // The token goes to clone URLs on the forge's own host: api.github.com serves github.com,
  // an Enterprise or GitLab API serves its own host.
  std::string forge_host = url_host(api);
  if (forge_host.rfind("api.", 0) == 0) forge_host = forge_host.substr(4);
  for (int page = 0; !url.empty() && page < 10000; ++page) {
    HttpRequest request{url, {"Accept: application/json"}, {}, {}, false, std::size_t{32} << 20};
    if (!query.token.empty()) {
      request.headers.push_back(gitlab ? "PRIVATE-TOKEN: " + query.token : "Authorization: Bearer " + query.token);
    }
    if (!gitlab) request.headers.push_back("X-GitHub-Api-Version: 2022-11-28");
    const HttpResponse response = http.get(request);
    if (!response.error.empty()) {
      *error = response.error;
      return out;
    }
    if (!response.ok()) {
      *error = fmt::format("{}: {}", shown_url(url), refusal(response));
      return out;
    }
    const json body = json::parse(response.body, nullptr, false);
    if (!body.is_array()) {
      *error = fmt::format("{}: the answer is not a list of repositories", shown_url(url));
      return out;
    }
    for (const json& item : body) {
      if (!item.is_object()) continue;
      const char* url_field = gitlab ? "http_url_to_repo" : "clone_url";
      if (!item.contains(url_field) || !item[url_field].is_string()) continue;
      const bool fork = gitlab ? item.contains("forked_from_project") && !item["forked_from_project"].is_null()
                               : item.value("fork", false);
      const bool archived = item.value("archived", false);
      if ((fork && !query.forks) || (archived && !query.archived)) continue;
      ForgeRepository repository;
      repository.name = item.value(gitlab ? "path_with_namespace" : "full_name", std::string());
      repository.clone_url = item[url_field].get<std::string>();
      // Network remotes only: a listing may not make the scan read local paths (file://, /x).
      const std::string& clone = repository.clone_url;
      const bool web = clone.rfind("https://", 0) == 0 || clone.rfind("http://", 0) == 0;
      if (!web && clone.rfind("git://", 0) != 0 && clone.rfind("ssh://", 0) != 0) continue;
      if (web && !query.token.empty() && url_host(repository.clone_url) == forge_host &&
          repository.clone_url.find('@') == std::string::npos) {
        const std::size_t scheme = repository.clone_url.find("://") + 3;
        repository.clone_url.insert(scheme, (gitlab ? "oauth2:" : "x-access-token:") + url_escaped(query.token) + "@");
      }
      out.push_back(std::move(repository));
    }
    const std::string next = next_link(response.header("link"));
    if (next.empty()) break;
    // Pages stay on the API's own origin: a listing may not send the token elsewhere.
    if (url_origin(next) != api_origin) {
      *error = fmt::format("{}: the next page is on another host; the listing stops there", shown_url(url));
      return out;
    }
    url = next;
  }
  return out;
}

}  // namespace sluice::io

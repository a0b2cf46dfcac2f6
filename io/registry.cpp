#include "io/registry.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <strings.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace sluice::io {
namespace {

using json = nlohmann::json;

constexpr const char* kIndexTypes[] = {"application/vnd.oci.image.index.v1+json",
                                       "application/vnd.docker.distribution.manifest.list.v2+json"};
constexpr const char* kImageTypes[] = {"application/vnd.oci.image.manifest.v1+json",
                                       "application/vnd.docker.distribution.manifest.v2+json"};
constexpr std::size_t kManifestBytes = std::size_t{4} << 20;
constexpr std::size_t kListPageBytes = std::size_t{16} << 20;
// Whole-answer requests (pings, tokens, lists, manifests) end within this, whatever their pace.
constexpr long kSmallRequestSeconds = 120;
// What one reference may make sluice read: manifests (an index and its platforms, nested).
constexpr int kMaxManifests = 1024;

bool is_one_of(const std::string& media_type, const char* const (&types)[2]) {
  return media_type == types[0] || media_type == types[1];
}

bool valid_digest(std::string_view digest) {
  if (digest.substr(0, 7) != "sha256:" || digest.size() != 71) return false;
  for (const char c : digest.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Repository names as the distribution spec allows them: lower-case path components of
// [a-z0-9] separated by '.', '_', '__' or '-' runs; no "..", no empty component.
bool valid_repository(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (const char c : part) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
    }
    start = end + 1;
  }
  return true;
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  for (const char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return tag.front() != '.' && tag.front() != '-';
}

// WWW-Authenticate: Scheme key="value", key=value, ...
std::unordered_map<std::string, std::string> challenge_params(std::string_view header) {
  std::unordered_map<std::string, std::string> out;
  const std::size_t space = header.find(' ');
  if (space == std::string_view::npos) return out;
  std::string_view rest = header.substr(space + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    const std::size_t equals = rest.find('=');
    if (equals == std::string_view::npos) break;
    std::string key(rest.substr(0, equals));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rest.remove_prefix(equals + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest.front() != '"') {
        if (rest.front() == '\\' && rest.size() > 1) rest.remove_prefix(1);
        value.push_back(rest.front());
        rest.remove_prefix(1);
      }
      if (!rest.empty()) rest.remove_prefix(1);
    } else {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      value = std::string(rest.substr(0, comma));
      rest.remove_prefix(comma);
    }
    out[key] = value;
  }
  return out;
}

std::string registry_error(const HttpResponse& response) {
  // {"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}
  const json body = json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
    const json& first = body["errors"][0];
    if (first.is_object()) {
      // The code only: a server's free text may echo what it was sent (the credentials).
      std::string code = first.value("code", "");
      if (code.size() > 64 || code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != std::string::npos) code.clear();
      if (!code.empty()) return fmt::format("HTTP {} {}", response.status, code);
    }
  }
  return fmt::format("HTTP {}", response.status);
}

std::optional<std::string> base64_decoded(const std::string& text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t length = static_cast<std::size_t>(n);
  for (std::size_t k = text.size(); k > 0 && text[k - 1] == '='; --k) --length;  // padding decoded as zeros
  out.resize(length);
  return out;
}

}  // namespace

std::optional<OciReference> parse_oci_reference(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<OciReference> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  if (text.substr(0, 6) != "oci://") return fail("not an oci:// reference");
  text.remove_prefix(6);
  const std::size_t slash = text.find('/');
  OciReference out;
  out.host = std::string(text.substr(0, slash));
  if (out.host.find('@') != std::string::npos) {
    return fail("credentials do not go in an oci:// reference: give --registry-auth or use the docker config");
  }
  if (out.host.empty() || out.host.find_first_of("?#") != std::string::npos) return fail("no registry host");
  if (slash == std::string_view::npos || slash + 1 == text.size()) return out;  // the whole registry
  std::string_view rest = text.substr(slash + 1);
  if (rest.back() == '*') {
    out.prefix = std::string(rest.substr(0, rest.size() - 1));
    if (out.prefix.find_first_of("*:@") != std::string::npos) return fail("a prefix ends with '*' and has no tag");
    return out;
  }
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    out.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!valid_digest(out.digest)) return fail("the digest is not sha256:<64 hex digits>");
  } else if (const std::size_t colon = rest.rfind(':');
             colon != std::string_view::npos && rest.find('/', colon) == std::string_view::npos) {
    out.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(out.tag)) return fail("not a valid tag");
  } else {
    out.tag = "latest";
  }
  out.repository = std::string(rest);
  if (!valid_repository(out.repository)) return fail("not a valid repository name");
  return out;
}

std::optional<RegistryCredentials> docker_config_credentials(const std::string& host) {
  std::string dir;
  if (const char* config = std::getenv("DOCKER_CONFIG"); config != nullptr && *config != '\0') {
    dir = config;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::string(home) + "/.docker";
  } else {
    return std::nullopt;
  }
  std::ifstream in(dir + "/config.json");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const json config = json::parse(text.str(), nullptr, false);
  if (!config.is_object() || !config.contains("auths") || !config["auths"].is_object()) return std::nullopt;
  for (const auto& [key, entry] : config["auths"].items()) {
    // Keys are "host", "host:port" or "https://host/v1/".
    std::string name = key;
    if (const std::size_t scheme = name.find("://"); scheme != std::string::npos) name = name.substr(scheme + 3);
    name = name.substr(0, name.find('/'));
    if (name != host || !entry.is_object()) continue;
    if (entry.contains("auth") && entry["auth"].is_string()) {
      const auto decoded = base64_decoded(entry["auth"].get<std::string>());
      const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon != std::string::npos) return RegistryCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
    }
    if (entry.contains("username") && entry["username"].is_string() && entry.contains("password") &&
        entry["password"].is_string()) {
      return RegistryCredentials{entry["username"].get<std::string>(), entry["password"].get<std::string>()};
    }
  }
  return std::nullopt;
}

RegistryClient::RegistryClient(HttpClient& http, std::string host, bool plain_http,
                               std::optional<RegistryCredentials> credentials)
    : http_(http),
      host_(std::move(host)),
      base_((plain_http ? "http://" : "https://") + host_),
      credentials_(std::move(credentials)) {}

std::optional<HttpRequest> RegistryClient::authorized(std::string url, const std::string& scope, std::string* error) {
  HttpRequest request;
  request.url = std::move(url);
  std::lock_guard lock(mutex_);
  if (!challenge_.checked) {
    // What /v2/ answers says how to authenticate: 200 none, 401 with a challenge.
    HttpRequest ping_request{base_ + "/v2/", {}, {}, {}, false, 1 << 16};
    ping_request.timeout_seconds = kSmallRequestSeconds;
    const HttpResponse ping = http_.get(ping_request);
    if (!ping.error.empty()) {
      *error = ping.error;
      return std::nullopt;
    }
    if (ping.status == 401) {
      const std::string header = ping.header("www-authenticate");
      const auto params = challenge_params(header);
      if (header.size() >= 6 && strncasecmp(header.c_str(), "bearer", 6) == 0 && params.count("realm") != 0) {
        challenge_.bearer = true;
        challenge_.realm = params.at("realm");
        challenge_.service = params.count("service") != 0 ? params.at("service") : "";
      } else {
        challenge_.basic = true;
      }
    } else if (ping.status != 200) {
      *error = fmt::format("{}/v2/: not a container registry ({})", base_, registry_error(ping));
      return std::nullopt;
    }
    challenge_.checked = true;
  }
  if (challenge_.basic) {
    if (!credentials_) {
      *error = fmt::format("{} asks for credentials: give --registry-auth USER:PASSWORD or log in with docker", host_);
      return std::nullopt;
    }
    request.user = credentials_->user;
    request.password = credentials_->password;
  } else if (challenge_.bearer) {
    auto found = tokens_.find(scope);
    if (found == tokens_.end()) {
      std::string url_of_token = challenge_.realm + (challenge_.realm.find('?') == std::string::npos ? "?" : "&");
      if (!challenge_.service.empty()) url_of_token += "service=" + url_escaped(challenge_.service) + "&";
      url_of_token += "scope=" + url_escaped(scope);
      HttpRequest token_request{url_of_token, {}, {}, {}, false, 1 << 20};
      token_request.timeout_seconds = kSmallRequestSeconds;
      // Credentials go to the realm the registry names only over https, or when it is the
      // registry's own host: a realm is chosen by the server, not by the user.
      const bool trusted_realm =
          challenge_.realm.rfind("https://", 0) == 0 || url_host(challenge_.realm) == url_host("x://" + host_);
      if (credentials_ && trusted_realm) {
        token_request.user = credentials_->user;
        token_request.password = credentials_->password;
      }
      const HttpResponse answer = http_.get(token_request);
      if (!answer.ok()) {
        *error = fmt::format("token for {} refused by {}: {}", scope, shown_url(challenge_.realm),
                             answer.error.empty() ? registry_error(answer) : answer.error);
        return std::nullopt;
      }
      const json body = json::parse(answer.body, nullptr, false);
      std::string token;
      if (body.is_object()) token = body.value("token", body.value("access_token", std::string()));
      if (token.empty()) {
        *error = fmt::format("the token service {} gave no token", shown_url(challenge_.realm));
        return std::nullopt;
      }
      found = tokens_.emplace(scope, std::move(token)).first;
    }
    request.headers.push_back("Authorization: Bearer " + found->second);
  }
  return request;
}

HttpResponse RegistryClient::get(const std::string& url, const std::string& scope, std::vector<std::string> headers,
                                 std::size_t max_body, std::string* error) {
  auto request = authorized(url, scope, error);
  if (!request) return HttpResponse{};
  for (std::string& header : headers) request->headers.push_back(std::move(header));
  request->max_body = max_body;
  request->timeout_seconds = kSmallRequestSeconds;
  HttpResponse response = http_.get(*request);
  if (!response.error.empty()) {
    *error = response.error;
  } else if (!response.ok()) {
    *error = fmt::format("{}: {}", shown_url(url), registry_error(response));
  }
  return response;
}

std::vector<std::string> RegistryClient::paged_list(const std::string& first, const std::string& scope,
                                                    const char* field, std::string* error) {
  std::vector<std::string> out;
  std::string url = first;
  std::set<std::string> visited;
  for (int page = 0; !url.empty() && page < 100000; ++page) {
    if (!visited.insert(url).second) {
      *error = fmt::format("{}: the pages link back to one already read; the listing stops there", shown_url(first));
      return out;
    }
    const HttpResponse response = get(url, scope, {}, kListPageBytes, error);
    if (!error->empty()) return out;
    const json body = json::parse(response.body, nullptr, false);
    if (!body.is_object() || !body.contains(field)) {
      *error = fmt::format("{}: the answer has no \"{}\" list", shown_url(url), field);
      return out;
    }
    if (body[field].is_array()) {
      for (const json& item : body[field]) {
        if (item.is_string()) out.push_back(item.get<std::string>());
      }
    }
    const std::string next = next_link(response.header("link"));
    if (next.empty()) break;
    url = next.front() == '/' ? base_ + next : next;
    if (url.rfind(base_ + "/", 0) != 0) {
      *error = fmt::format("{}: the next page is on another host", shown_url(first));
      return out;
    }
  }
  return out;
}

std::vector<std::string> RegistryClient::repositories(std::string* error, std::size_t* invalid) {
  std::vector<std::string> names =
      paged_list(base_ + "/v2/_catalog?n=1000", "registry:catalog:*", "repositories", error);
  *invalid = std::erase_if(names, [](const std::string& name) { return !valid_repository(name); });
  return names;
}

std::vector<std::string> RegistryClient::tags(const std::string& repository, std::string* error, std::size_t* invalid) {
  std::vector<std::string> names = paged_list(base_ + "/v2/" + repository + "/tags/list?n=1000",
                                              "repository:" + repository + ":pull", "tags", error);
  *invalid = std::erase_if(names, [](const std::string& name) { return !valid_tag(name); });
  return names;
}

std::vector<RemoteImage> RegistryClient::images(const std::string& repository, const std::string& reference,
                                                const std::string& platform, std::vector<std::string>& errors) {
  std::vector<RemoteImage> out;
  const std::string name =
      fmt::format("oci://{}/{}{}{}", host_, repository, valid_digest(reference) ? "@" : ":", reference);
  manifests_read_ = 0;
  resolve_manifest(repository, reference, name, platform, 0, out, errors);
  return out;
}

bool RegistryClient::resolve_manifest(const std::string& repository, const std::string& reference,
                                      const std::string& name, const std::string& platform, int depth,
                                      std::vector<RemoteImage>& out, std::vector<std::string>& errors) {
  std::string error;
  // The reference itself is named by the caller; a platform of an index is named here.
  const std::string at = depth == 0 ? std::string() : reference + ": ";
  std::string accept = "Accept: ";
  for (const char* type : kIndexTypes) accept += std::string(type) + ", ";
  for (const char* type : kImageTypes) accept += std::string(type) + ", ";
  accept.resize(accept.size() - 2);
  const HttpResponse response = get(base_ + "/v2/" + repository + "/manifests/" + reference,
                                    "repository:" + repository + ":pull", {accept}, kManifestBytes, &error);
  if (!error.empty()) {
    errors.push_back(fmt::format("{}manifest: {}", at, error));
    return false;
  }
  const std::string digest = sha256_digest(response.body);
  if (valid_digest(reference) && digest != reference) {
    errors.push_back(fmt::format("{}the manifest does not match its digest (got {})", at, digest));
    return false;
  }
  const json body = json::parse(response.body, nullptr, false);
  std::string media_type = response.header("content-type");
  media_type = media_type.substr(0, media_type.find(';'));
  if (body.is_object() && body.contains("mediaType") && body["mediaType"].is_string()) {
    media_type = body["mediaType"].get<std::string>();
  }
  if (!body.is_object()) {
    errors.push_back(fmt::format("{}the manifest is not JSON", at));
    return false;
  }
  if (is_one_of(media_type, kIndexTypes) || (media_type.empty() && body.contains("manifests"))) {
    if (depth > 2 || !body.contains("manifests") || !body["manifests"].is_array()) {
      errors.push_back(fmt::format("{}an index without a manifest list", at));
      return false;
    }
    const std::string base_name = name.substr(0, name.find('@') == std::string::npos ? name.size() : name.find('@'));
    std::set<std::string> seen;
    bool matched = false;
    for (const json& entry : body["manifests"]) {
      if (!entry.is_object() || !entry.contains("digest") || !entry["digest"].is_string()) continue;
      const std::string child = entry["digest"].get<std::string>();
      if (!valid_digest(child)) continue;
      std::string entry_platform;
      if (entry.contains("platform") && entry["platform"].is_object()) {
        const json& p = entry["platform"];
        entry_platform = p.value("os", "") + "/" + p.value("architecture", "");
        if (!p.value("variant", "").empty()) entry_platform += "/" + p.value("variant", "");
      }
      if (!platform.empty() && entry_platform != platform &&
          entry_platform.substr(0, platform.size() + 1) != platform + "/") {
        continue;
      }
      matched = true;
      if (!seen.insert(child).second) continue;
      if (++manifests_read_ > kMaxManifests) {
        errors.push_back(
            fmt::format("{}more than {} manifests under one reference: the rest were not read", at, kMaxManifests));
        return false;
      }
      const std::size_t before = out.size();
      resolve_manifest(repository, child, base_name + "@" + child, platform, depth + 1, out, errors);
      for (std::size_t k = before; k < out.size(); ++k) {
        if (out[k].platform.empty()) out[k].platform = entry_platform;
      }
    }
    if (!platform.empty() && !matched) {
      errors.push_back(fmt::format("{}the index has no image for the platform {}", at, platform));
      return false;
    }
    return true;
  }
  if (!is_one_of(media_type, kImageTypes) && !(media_type.empty() && body.contains("layers"))) {
    errors.push_back(fmt::format("{}manifest of a media type sluice does not read ({})", at,
                                 media_type.empty() ? "none given" : media_type));
    return false;
  }
  RemoteImage image;
  image.repository = repository;
  image.name = valid_digest(reference) ? name : name + "@" + digest;
  auto descriptor = [](const json& item) -> std::optional<BlobDescriptor> {
    if (!item.is_object() || !item.contains("digest") || !item["digest"].is_string()) return std::nullopt;
    BlobDescriptor out{item["digest"].get<std::string>(), item.value("mediaType", ""), 0};
    if (!valid_digest(out.digest)) return std::nullopt;
    if (item.contains("size") && item["size"].is_number_unsigned()) out.size = item["size"].get<std::uint64_t>();
    return out;
  };
  const auto config = body.contains("config") ? descriptor(body["config"]) : std::nullopt;
  if (!config || !body.contains("layers") || !body["layers"].is_array()) {
    errors.push_back(fmt::format("{}an image manifest without a config or layers", at));
    return false;
  }
  image.config = *config;
  for (const json& layer : body["layers"]) {
    if (auto found = descriptor(layer)) image.layers.push_back(std::move(*found));
  }
  out.push_back(std::move(image));
  return true;
}

std::optional<std::string> RegistryClient::small_blob(const std::string& repository, const BlobDescriptor& blob,
                                                      std::string* error) {
  auto request =
      authorized(base_ + "/v2/" + repository + "/blobs/" + blob.digest, "repository:" + repository + ":pull", error);
  if (!request) return std::nullopt;
  request->follow_redirects = true;
  request->max_body = kManifestBytes * 4;
  const HttpResponse response = http_.get(*request);
  if (!response.error.empty()) {
    *error = response.error;
    return std::nullopt;
  }
  if (!response.ok()) {
    *error = registry_error(response);
    return std::nullopt;
  }
  if (sha256_digest(response.body) != blob.digest) {
    *error = "the blob does not match its digest";
    return std::nullopt;
  }
  return response.body;
}

std::unique_ptr<HttpPull> RegistryClient::open_blob(const std::string& repository, const BlobDescriptor& blob,
                                                    std::size_t buffer_bytes, std::string* error) {
  auto request =
      authorized(base_ + "/v2/" + repository + "/blobs/" + blob.digest, "repository:" + repository + ":pull", error);
  if (!request) return nullptr;
  request->follow_redirects = true;  // registries send blobs from their storage
  return std::make_unique<HttpPull>(http_, std::move(*request), buffer_bytes);
}

struct Sha256Stream::Context {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(context); }
};

Sha256Stream::Sha256Stream() : context_(std::make_unique<Context>()) {
  EVP_DigestInit_ex(context_->context, EVP_sha256(), nullptr);
}
Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update(std::string_view bytes) { EVP_DigestUpdate(context_->context, bytes.data(), bytes.size()); }

std::string Sha256Stream::digest() {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_->context, hash, &length);
  std::string out = "sha256:";
  for (unsigned int k = 0; k < length; ++k) out += fmt::format("{:02x}", hash[k]);
  return out;
}

std::string sha256_digest(std::string_view bytes) {
  Sha256Stream stream;
  stream.update(bytes);
  return stream.digest();
}

}  // namespace sluice::io

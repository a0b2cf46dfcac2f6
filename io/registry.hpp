#pragma once
// Container registries over the OCI distribution API (v2): what `oci://` names, the images a
// registry holds (catalog and tags, following Link pagination), their manifests (Docker v2
// schema 2, OCI image manifests, manifest lists and OCI image indexes, by platform), and their
// blobs, streamed. Authentication: anonymous, basic, and the bearer-token flow the registry
// announces in WWW-Authenticate; credentials from --registry-auth or the docker config's
// "auths". Every request goes through io::HttpClient. Nothing here scans.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/http_client.hpp"

namespace sluice::io {

// oci://HOST[:PORT]/REPO[:TAG|@DIGEST] (no tag: "latest"), oci://HOST[:PORT]/ (every image of
// the registry) or oci://HOST[:PORT]/PREFIX* (every image of the repositories whose names start
// with PREFIX).
struct OciReference {
  std::string host;        // host[:port]
  std::string repository;  // one repository; empty: every one starting with `prefix`
  std::string prefix;
  std::string tag;     // of `repository`
  std::string digest;  // of `repository`, instead of a tag
};
[[nodiscard]] std::optional<OciReference> parse_oci_reference(std::string_view text, std::string* error);

struct RegistryCredentials {
  std::string user;
  std::string password;
};

// Credentials for `host` from the docker config ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json): its "auths" entry's base64 "auth", or "username"/"password".
[[nodiscard]] std::optional<RegistryCredentials> docker_config_credentials(const std::string& host);

struct BlobDescriptor {
  std::string digest;  // "sha256:<hex>"
  std::string media_type;
  std::uint64_t size = 0;
};

// One image: where it is, and its config and layers (bottom first).
struct RemoteImage {
  std::string repository;
  std::string name;      // oci://host/repo:tag@sha256:<manifest digest>
  std::string platform;  // "os/arch[/variant]" when it came from an index
  BlobDescriptor config;
  std::vector<BlobDescriptor> layers;
};

class RegistryClient {
 public:
  // `plain_http`: talk http (loopback or --insecure-registry only; the caller decides).
  RegistryClient(HttpClient& http, std::string host, bool plain_http, std::optional<RegistryCredentials> credentials);

  [[nodiscard]] const std::string& host() const noexcept { return host_; }
  // Every repository of the catalog; every tag of a repository.
  // Names that are not valid repository names or tags are left out, and counted in `invalid`.
  [[nodiscard]] std::vector<std::string> repositories(std::string* error, std::size_t* invalid);
  [[nodiscard]] std::vector<std::string> tags(const std::string& repository, std::string* error, std::size_t* invalid);
  // The images `reference` (a tag or a digest) of `repository` names: one for an image
  // manifest, one per platform of an index (only `platform` when it is not empty). Problems
  // with single platforms of an index are appended to `errors`; an empty result with errors
  // means nothing could be read.
  [[nodiscard]] std::vector<RemoteImage> images(const std::string& repository, const std::string& reference,
                                                const std::string& platform, std::vector<std::string>& errors);
  // A small blob (an image config) whole, its digest checked.
  [[nodiscard]] std::optional<std::string> small_blob(const std::string& repository, const BlobDescriptor& blob,
                                                      std::string* error);
  // A blob's bytes as they arrive (redirects to storage followed), at most `buffer_bytes` ahead
  // of the reader (nullptr when the registry's authorization failed: `error`). The caller
  // checks the digest.
  [[nodiscard]] std::unique_ptr<HttpPull> open_blob(const std::string& repository, const BlobDescriptor& blob,
                                                    std::size_t buffer_bytes, std::string* error);

 private:
  struct Challenge {
    bool checked = false;
    bool bearer = false;
    bool basic = false;
    std::string realm;
    std::string service;
  };
  HttpClient& http_;
  std::string host_;
  std::string base_;  // scheme://host
  std::optional<RegistryCredentials> credentials_;
  std::mutex mutex_;
  Challenge challenge_;
  std::unordered_map<std::string, std::string> tokens_;  // scope -> bearer token
  int manifests_read_ = 0;                               // by the images() call running

  // The request with what the registry asks for `scope` (a bearer token or basic credentials).
  [[nodiscard]] std::optional<HttpRequest> authorized(std::string url, const std::string& scope, std::string* error);
  [[nodiscard]] HttpResponse get(const std::string& url, const std::string& scope, std::vector<std::string> headers,
                                 std::size_t max_body, std::string* error);
  [[nodiscard]] std::vector<std::string> paged_list(const std::string& first, const std::string& scope,
                                                    const char* field, std::string* error);
  bool resolve_manifest(const std::string& repository, const std::string& reference, const std::string& name,
                        const std::string& platform, int depth, std::vector<RemoteImage>& out,
                        std::vector<std::string>& errors);
};

// "sha256:<hex>" of `bytes`.
[[nodiscard]] std::string sha256_digest(std::string_view bytes);

// A running sha256 of a stream, to check a blob against its digest.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view bytes);
  [[nodiscard]] std::string digest();  // "sha256:<hex>"; ends the stream

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace sluice::io

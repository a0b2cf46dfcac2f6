#pragma once
// S3-compatible object stores: listing a bucket (ListObjectsV2, continuation tokens, XML
// through pugixml) and reading objects, every request signed by libcurl (CURLOPT_AWS_SIGV4)
// when there are credentials (anonymous otherwise: public buckets). Credentials from
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) or the profile (AWS_PROFILE,
// default "default") of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
// ~/.aws/credentials). They are sent only to the store's endpoint, never shown.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/http_client.hpp"

namespace sluice::io {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
};

// From the environment, else the profile of $AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials);
// nullopt when none is configured (requests are then anonymous), or, with `error` set, when
// what is configured is incomplete: a key id without its secret, or an AWS_PROFILE the file
// does not have.
[[nodiscard]] std::optional<S3Credentials> s3_credentials_from_environment(std::string* error);

// s3://BUCKET[/PREFIX]
struct S3Reference {
  std::string bucket;
  std::string prefix;
};
// nullopt (and `error`) for anything else, or a bucket name S3 does not allow.
[[nodiscard]] std::optional<S3Reference> parse_s3_reference(const std::string& text, std::string* error);

struct S3Endpoint {
  std::string url;          // scheme://host[:port], no trailing '/'
  std::string region;       // signs requests
  bool path_style = false;  // URL/BUCKET/KEY; else BUCKET.HOST/KEY (virtual-hosted, AWS)
};
// AWS's endpoint for `region`, or `url` (--s3-endpoint) with path-style addressing.
[[nodiscard]] S3Endpoint s3_endpoint(const std::string& url, const std::string& region);

struct S3Object {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
};

class S3Client {
 public:
  // No credentials: requests are not signed.
  S3Client(HttpClient& http, S3Endpoint endpoint, std::optional<S3Credentials> credentials);

  // Every object of `bucket` under `prefix`, every page followed.
  [[nodiscard]] std::vector<S3Object> list(const std::string& bucket, const std::string& prefix, std::string* error);
  // An object's bytes as they arrive.
  [[nodiscard]] std::unique_ptr<HttpPull> open(const std::string& bucket, const std::string& key,
                                               std::size_t buffer_bytes) const;
  // Bytes [first, last] (inclusive) of an object into `into`, of the version `etag` names
  // (If-Match) when it is not empty; false (and `error`) if they could not all be read.
  [[nodiscard]] bool read_range(const std::string& bucket, const std::string& key, const std::string& etag,
                                std::uint64_t first, std::uint64_t last, std::string& into, std::string* error) const;
  [[nodiscard]] const S3Endpoint& endpoint() const noexcept { return endpoint_; }

 private:
  HttpClient& http_;
  S3Endpoint endpoint_;
  std::optional<S3Credentials> credentials_;
  [[nodiscard]] std::string bucket_url(const std::string& bucket) const;
  [[nodiscard]] std::string object_url(const std::string& bucket, const std::string& key) const;
  [[nodiscard]] HttpRequest signed_request(std::string url) const;
};

// Percent-encoding as SigV4 wants it: everything but A-Za-z0-9-_.~ (and '/' when `keep_slash`).
[[nodiscard]] std::string s3_encoded(const std::string& text, bool keep_slash);

}  // namespace sluice::io

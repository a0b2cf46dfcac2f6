#pragma once
// S3-compatible object stores (WORK IN PROGRESS, not wired into the scan yet): listing a
// bucket (ListObjectsV2, continuation tokens, XML through pugixml) and reading objects, every
// request signed by libcurl (CURLOPT_AWS_SIGV4). Credentials from AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) or the ~/.aws/credentials profile (AWS_PROFILE).

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

// From the environment, else the profile of $AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials).
[[nodiscard]] std::optional<S3Credentials> s3_credentials_from_environment();

struct S3Object {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
};

class S3Client {
 public:
  // `endpoint`: https://s3.REGION.amazonaws.com, or --s3-endpoint (path-style addressing).
  S3Client(HttpClient& http, std::string endpoint, std::string region, S3Credentials credentials);

  // Every object of `bucket` under `prefix`, every page followed.
  [[nodiscard]] std::vector<S3Object> list(const std::string& bucket, const std::string& prefix, std::string* error);
  // An object's bytes as they arrive.
  [[nodiscard]] std::unique_ptr<HttpPull> open(const std::string& bucket, const std::string& key,
                                               std::size_t buffer_bytes);

 private:
  HttpClient& http_;
  std::string endpoint_;
  std::string region_;
  S3Credentials credentials_;
  [[nodiscard]] HttpRequest signed_request(std::string url) const;
};

// Percent-encoding as SigV4 wants it: everything but A-Za-z0-9-_.~ (and '/' when `keep_slash`).
[[nodiscard]] std::string s3_encoded(const std::string& text, bool keep_slash);

}  // namespace sluice::io

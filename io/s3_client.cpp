#include "io/s3_client.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <pugixml.hpp>
#include <unordered_set>

namespace sluice::io {
namespace {

// sha256 of an empty body: what x-amz-content-sha256 says for a GET.
constexpr const char* kEmptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string trimmed(std::string text) {
  const std::size_t start = text.find_first_not_of(" \t\r");
  if (start == std::string::npos) return {};
  const std::size_t end = text.find_last_not_of(" \t\r");
  return text.substr(start, end - start + 1);
}

}  // namespace

std::string s3_encoded(const std::string& text, bool keep_slash) {
  // libcurl's escaping leaves exactly A-Za-z0-9-_.~ as they are, which is what SigV4 wants.
  if (!keep_slash) return url_escaped(text);
  std::string out;
  for (std::size_t start = 0;;) {
    const std::size_t slash = text.find('/', start);
    out += url_escaped(std::string_view(text).substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) return out;
    out.push_back('/');
    start = slash + 1;
  }
}

std::optional<S3Reference> parse_s3_reference(const std::string& text, std::string* error) {
  if (text.rfind("s3://", 0) != 0) {
    *error = "not an s3:// reference";
    return std::nullopt;
  }
  const std::string rest = text.substr(5);
  const std::size_t slash = rest.find('/');
  S3Reference out{rest.substr(0, slash), slash == std::string::npos ? std::string() : rest.substr(slash + 1)};
  // Bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending
  // with a letter or digit.
  const std::string& bucket = out.bucket;
  bool valid = bucket.size() >= 3 && bucket.size() <= 63;
  for (const char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) valid = false;
  }
  if (valid && (bucket.front() == '.' || bucket.front() == '-' || bucket.back() == '.' || bucket.back() == '-')) {
    valid = false;
  }
  if (!valid) {
    *error = "expected s3://BUCKET[/PREFIX], a bucket name of 3 to 63 characters a-z, 0-9, '.' and '-'";
    return std::nullopt;
  }
  return out;
}

S3Endpoint s3_endpoint(const std::string& url, const std::string& region) {
  S3Endpoint out;
  out.region = region;
  if (url.empty()) {
    out.url = fmt::format("https://s3.{}.amazonaws.com", region);
  } else {
    out.url = url;
    out.path_style = true;
  }
  while (!out.url.empty() && out.url.back() == '/') out.url.pop_back();
  return out;
}

std::optional<S3Credentials> s3_credentials_from_environment(std::string* error) {
  const std::string key_id = env("AWS_ACCESS_KEY_ID");
  const std::string secret = env("AWS_SECRET_ACCESS_KEY");
  if (!key_id.empty() && !secret.empty()) return S3Credentials{key_id, secret, env("AWS_SESSION_TOKEN")};
  if (!key_id.empty() || !secret.empty()) {
    *error = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: one of them is not set";
    return std::nullopt;
  }
  std::string file = env("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty() && !env("HOME").empty()) file = env("HOME") + "/.aws/credentials";
  const bool named = !env("AWS_PROFILE").empty();
  const std::string profile = named ? env("AWS_PROFILE") : "default";
  std::ifstream in(file);
  if (!in) {
    if (named) *error = fmt::format("AWS_PROFILE {}: cannot read the credentials file {}", profile, file);
    return std::nullopt;
  }
  // The shared credentials file: [profile] sections of key = value lines.
  S3Credentials out;
  bool in_profile = false;
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    line = trimmed(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      in_profile = trimmed(line.substr(1, line.find(']') - 1)) == profile;
      found = found || in_profile;
      continue;
    }
    const std::size_t equals = line.find('=');
    if (!in_profile || equals == std::string::npos) continue;
    const std::string key = trimmed(line.substr(0, equals));
    const std::string value = trimmed(line.substr(equals + 1));
    if (key == "aws_access_key_id") out.access_key = value;
    if (key == "aws_secret_access_key") out.secret_key = value;
    if (key == "aws_session_token") out.session_token = value;
  }
  if (!found) {
    if (named) *error = fmt::format("AWS_PROFILE {}: no such profile in {}", profile, file);
    return std::nullopt;
  }
  if (out.access_key.empty() || out.secret_key.empty()) {
    *error = fmt::format(
        "profile {} of {}: aws_access_key_id and aws_secret_access_key go together: one of them is "
        "missing",
        profile, file);
    return std::nullopt;
  }
  return out;
}

S3Client::S3Client(HttpClient& http, S3Endpoint endpoint, std::optional<S3Credentials> credentials)
    : http_(http), endpoint_(std::move(endpoint)), credentials_(std::move(credentials)) {}

std::string S3Client::bucket_url(const std::string& bucket) const {
  // A bucket name with dots would not match the certificate of *.s3.REGION.amazonaws.com.
  if (endpoint_.path_style || bucket.find('.') != std::string::npos) {
    return fmt::format("{}/{}", endpoint_.url, s3_encoded(bucket, false));
  }
  const std::size_t host = endpoint_.url.find("://") + 3;
  return endpoint_.url.substr(0, host) + bucket + "." + endpoint_.url.substr(host);
}

std::string S3Client::object_url(const std::string& bucket, const std::string& key) const {
  return fmt::format("{}/{}", bucket_url(bucket), s3_encoded(key, true));
}

HttpRequest S3Client::signed_request(std::string url) const {
  HttpRequest request;
  request.url = std::move(url);
  request.headers.push_back(std::string("x-amz-content-sha256: ") + kEmptyPayload);
  if (!credentials_) return request;
  request.aws_sigv4 = "aws:amz:" + endpoint_.region + ":s3";
  request.user = credentials_->access_key;
  request.password = credentials_->secret_key;
  if (!credentials_->session_token.empty()) {
    request.headers.push_back("x-amz-security-token: " + credentials_->session_token);
  }
  return request;
}

std::vector<S3Object> S3Client::list(const std::string& bucket, const std::string& prefix, std::string* error) {
  std::vector<S3Object> out;
  std::string token;
  std::unordered_set<std::string> keys;
  std::unordered_set<std::string> tokens;
  constexpr int kStalePages = 10;  // pages in a row with no key not listed before
  int stale_pages = 0;
  for (int page = 0; page < 1000000; ++page) {
    // Parameters sorted by name, values encoded: libcurl 7.88 signs the query as given.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + s3_encoded(token, false) + "&";
    query += "list-type=2&max-keys=1000";
    if (!prefix.empty()) query += "&prefix=" + s3_encoded(prefix, false);
    HttpRequest request = signed_request(fmt::format("{}/?{}", bucket_url(bucket), query));
    request.max_body = std::size_t{64} << 20;
    request.timeout_seconds = 120;
    const HttpResponse response = http_.get(request);
    if (!response.error.empty()) {
      *error = response.error;
      return out;
    }
    pugi::xml_document document;
    const pugi::xml_parse_result parsed = document.load_buffer(response.body.data(), response.body.size());
    if (!response.ok()) {
      const std::string code = parsed ? document.child("Error").child_value("Code") : "";
      *error = fmt::format("HTTP {}{}{}", response.status, code.empty() ? "" : " ", code);
      return out;
    }
    if (!parsed) {
      *error = fmt::format("the listing is not XML ({})", parsed.description());
      return out;
    }
    const pugi::xml_node result = document.child("ListBucketResult");
    if (!result) {
      *error = fmt::format("the answer is not a bucket listing (<{}>, not <ListBucketResult>)",
                           document.document_element().name());
      return out;
    }
    std::size_t fresh = 0;
    for (const pugi::xml_node item : result.children("Contents")) {
      S3Object object;
      object.key = item.child_value("Key");
      object.size = std::strtoull(item.child_value("Size"), nullptr, 10);
      object.etag = item.child_value("ETag");
      if (!keys.insert(object.key).second) continue;
      ++fresh;
      out.push_back(std::move(object));
    }
    const std::string truncated = result.child_value("IsTruncated");
    token = result.child_value("NextContinuationToken");
    if (truncated != "true") break;
    if (token.empty()) {
      *error = "a truncated listing without a continuation token";
      return out;
    }
    // A server that answers the same page, or hands the same token again, would be listed
    // forever.
    stale_pages = fresh == 0 ? stale_pages + 1 : 0;
    if (!tokens.insert(token).second || stale_pages == kStalePages) {
      *error = "the listing repeats itself (a continuation token or a page seen before)";
      return out;
    }
  }
  return out;
}

std::unique_ptr<HttpPull> S3Client::open(const std::string& bucket, const std::string& key,
                                         std::size_t buffer_bytes) const {
  HttpRequest request = signed_request(object_url(bucket, key));
  return std::make_unique<HttpPull>(http_, std::move(request), buffer_bytes);
}

}  // namespace sluice::io

namespace sluice::io {

bool S3Client::read_range(const std::string& bucket, const std::string& key, const std::string& etag,
                          std::uint64_t first, std::uint64_t last, std::string& into, std::string* error) const {
  HttpRequest request = signed_request(object_url(bucket, key));
  request.range = std::make_pair(first, last);
  // Every range of one version: an object replaced between two ranges fails (412).
  if (!etag.empty() && etag.find_first_of("\r\n") == std::string::npos) request.headers.push_back("If-Match: " + etag);
  request.max_body = static_cast<std::size_t>(last - first + 1);
  HttpResponse response = http_.get(request);
  if (response.status == 412) {
    *error = "the object changed while it was read (its ETag is not the listing's)";
    return false;
  }
  if (!response.ok()) {
    *error = !response.error.empty() ? response.error : fmt::format("HTTP status {}", response.status);
    return false;
  }
  if (response.body.size() != last - first + 1) {
    *error = fmt::format("bytes {}-{}: {} received (the object changed while it was read?)", first, last,
                         response.body.size());
    return false;
  }
  into = std::move(response.body);
  return true;
}

}  // namespace sluice::io

#pragma once
// The one HTTP layer (libcurl) of remote sources: connections, TLS sessions and DNS answers
// shared by every request of the process (a curl share handle), HTTP/2 where the server offers
// it, connect and stall timeouts, retries with backoff on 429, 5xx and broken connections (a
// body already partly delivered resumes with a Range request), redirects only when the
// request allows them (to https only, unless the request itself is plain http), proxies from
// the standard environment variables. Credentials and headers are never logged or put in an
// error: errors are one line naming the URL without its query string.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::io {

struct HttpOptions {
  long connect_timeout_seconds = 15;
  long stall_seconds = 60;                  // a transfer slower than 1 byte/s for this long is broken
  int retries = 4;                          // attempts after the first, with backoff 0.5 s, 1 s, 2 s...
  long max_retry_after_ms = 30000;          // the longest Retry-After honoured before a retry
  const std::atomic<bool>* stop = nullptr;  // set: transfers in progress are abandoned
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value" (an Authorization header too)
  std::string user;                  // basic authentication, when not empty
  std::string password;
  bool follow_redirects = false;
  std::size_t max_body = std::size_t{16} << 20;  // get(): a longer body is an error
  long timeout_seconds = 0;                      // a whole attempt ends within this (0: no limit)
  // Set: the transfer (and any retry) is abandoned (HttpPull's reader went away).
  const std::atomic<bool>* cancel = nullptr;
  // Only bytes [first, last] (inclusive) of the body: the server must answer 206.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range{};
  // AWS Signature Version 4 by libcurl ("aws:amz:REGION:s3"), `user` and `password` then being
  // the access key id and the secret key. libcurl 7.88 signs the query string as given: send
  // its parameters sorted by name, values encoded except A-Za-z0-9-_.~.
  std::string aws_sigv4{};
  // Set: a POST with this body (else a GET).
  std::optional<std::string> post_body{};
  // Never through a proxy (a request to a loopback address: a proxy from the environment would
  // receive its headers in the clear).
  bool no_proxy = false;
};

struct HttpResponse {
  long status = 0;                             // 0: no HTTP answer (see error)
  std::string body;                            // get() only
  std::map<std::string, std::string> headers;  // of the final answer, names lower-cased
  std::string error;                           // a transport failure or a refused body, one line
  bool timed_out = false;                      // the failure was a timeout (connect, stall or total)

  [[nodiscard]] bool ok() const noexcept { return error.empty() && status >= 200 && status < 300; }
  [[nodiscard]] std::string header(const std::string& lower_name) const;
};

// The request's URL as errors may show it: no userinfo, no query string.
[[nodiscard]] std::string shown_url(std::string_view url);
// Percent-encoding and decoding (libcurl's).
[[nodiscard]] std::string url_escaped(std::string_view text);
[[nodiscard]] std::string url_unescaped(std::string_view text);
// A URL's parts, as libcurl's URL parser reads them (userinfo is not the host).
struct UrlParts {
  std::string scheme;  // lower-cased
  std::string host;    // lower-cased; an IPv6 address in brackets
  std::string port;    // empty: the scheme's default
  bool userinfo = false;
  bool query = false;
  bool fragment = false;
};
[[nodiscard]] std::optional<UrlParts> parse_url(std::string_view url);
// scheme://host[:port] and host[:port] of a URL, lower-cased ("" if it is not one).
[[nodiscard]] std::string url_origin(std::string_view url);
[[nodiscard]] std::string url_host(std::string_view url);
// The rel="next" target of a Link header (pagination), or "".
[[nodiscard]] std::string next_link(std::string_view header);

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The whole answer in memory (up to request.max_body). Thread-safe.
  [[nodiscard]] HttpResponse get(const HttpRequest& request);
  // The body handed to `sink` as it arrives (`sink` returns false to stop: an error). A
  // transfer broken after some bytes resumes where it stopped. Thread-safe.
  [[nodiscard]] HttpResponse stream(const HttpRequest& request, const std::function<bool(std::string_view)>& sink);

  // Bytes received by every transfer so far (for progress lines).
  [[nodiscard]] std::uint64_t received() const noexcept { return received_.load(std::memory_order_relaxed); }

 private:
  struct Shared;
  HttpOptions options_;
  std::unique_ptr<Shared> shared_;
  std::atomic<std::uint64_t> received_{0};
  HttpResponse perform(const HttpRequest& request, const std::function<bool(std::string_view)>* sink);
};

// A body read in order by a consumer while a thread of its own downloads it, at most
// `buffer_bytes` ahead: what the scanner's sequential path (io::ReadSome) reads.
class HttpPull {
 public:
  HttpPull(HttpClient& client, HttpRequest request, std::size_t buffer_bytes = std::size_t{8} << 20);
  ~HttpPull();  // stops the download if it is still running
  HttpPull(const HttpPull&) = delete;
  HttpPull& operator=(const HttpPull&) = delete;

  // Up to `capacity` bytes: the count, 0 at the end, nullopt on error (`error` set), also when
  // nothing arrived by `deadline`.
  [[nodiscard]] std::optional<std::size_t> read(
      char* buffer, std::size_t capacity, std::string* error,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  // The final answer, once read() has returned 0 or an error.
  [[nodiscard]] const HttpResponse& response() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace sluice::io

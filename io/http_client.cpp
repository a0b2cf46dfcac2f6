#include "io/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace sluice::io {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};
struct ShareDeleter {
  void operator()(CURLSH* share) const noexcept { curl_share_cleanup(share); }
};

void ensure_curl() {
  static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)initialised;
}

// What the callbacks of one attempt share.
struct Attempt {
  CURL* easy = nullptr;
  const std::function<bool(std::string_view)>* sink = nullptr;
  HttpResponse* response = nullptr;
  std::size_t max_body = 0;
  std::uint64_t resume_from = 0;  // bytes already delivered by earlier attempts
  std::uint64_t delivered = 0;    // by this attempt
  std::atomic<std::uint64_t>* received = nullptr;
  const std::atomic<bool>* stop = nullptr;
  std::string refused;  // why the body was refused (the write then fails)
  bool ranged = false;  // the request asked for a range of the body
  const std::atomic<bool>* cancel = nullptr;
};

// An error body (a registry's JSON error) is kept for the message, within this.
constexpr std::size_t kErrorBody = 64 * 1024;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  Attempt& attempt = *static_cast<Attempt*>(user);
  const std::size_t bytes = size * count;
  attempt.received->fetch_add(bytes, std::memory_order_relaxed);
  long status = 0;
  curl_easy_getinfo(attempt.easy, CURLINFO_RESPONSE_CODE, &status);
  HttpResponse& response = *attempt.response;
  if (status < 200 || status >= 300) {
    if (response.body.size() < kErrorBody) {
      response.body.append(data, std::min(bytes, kErrorBody - response.body.size()));
    }
    return bytes;
  }
  if ((attempt.resume_from > 0 || attempt.ranged) && status != 206) {
    attempt.refused = attempt.ranged ? "the server ignored a Range request (it sent the whole body)"
                                     : "the server ignored the Range request that resumes a broken transfer";
    return 0;
  }
  if (attempt.sink == nullptr) {
    if (response.body.size() + bytes > attempt.max_body) {
      attempt.refused = fmt::format("answer longer than {} bytes", attempt.max_body);
      return 0;
    }
    response.body.append(data, bytes);
  } else if (!(*attempt.sink)(std::string_view(data, bytes))) {
    attempt.refused = "stopped by the reader";
    return 0;
  }
  attempt.delivered += bytes;
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  Attempt& attempt = *static_cast<Attempt*>(user);
  const std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.substr(0, 5) == "HTTP/") {
    attempt.response->headers.clear();  // a new answer (after a redirect or a 100 Continue)
    return bytes;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  attempt.response->headers[name] = std::string(value);
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const Attempt& attempt = *static_cast<const Attempt*>(user);
  const bool stop = attempt.stop != nullptr && attempt.stop->load(std::memory_order_relaxed);
  const bool cancel = attempt.cancel != nullptr && attempt.cancel->load(std::memory_order_relaxed);
  return stop || cancel ? 1 : 0;
}

bool transient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool transient(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  const auto found = headers.find(lower_name);
  return found == headers.end() ? std::string() : found->second;
}

std::string shown_url(std::string_view url) {
  std::string_view cut = url.substr(0, url.find_first_of("?#"));
  const std::size_t scheme = cut.find("://");
  if (scheme == std::string_view::npos) return std::string(cut);
  const std::size_t authority = scheme + 3;
  const std::size_t end = std::min(cut.find('/', authority), cut.size());
  const std::size_t at = cut.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(cut);
  return std::string(cut.substr(0, authority)) + std::string(cut.substr(at + 1));
}

// libcurl reads a length of 0 as "up to the terminating NUL": an empty view would be read past.
std::string url_escaped(std::string_view text) {
  if (text.empty()) return {};
  char* out = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string result = out != nullptr ? out : "";
  curl_free(out);
  return result;
}

std::string url_unescaped(std::string_view text) {
  if (text.empty()) return {};
  int length = 0;
  char* out = curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length);
  std::string result = out != nullptr ? std::string(out, static_cast<std::size_t>(length)) : std::string(text);
  curl_free(out);
  return result;
}

std::optional<UrlParts> parse_url(std::string_view url) {
  ensure_curl();
  std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle) return std::nullopt;
  const std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return std::nullopt;
  }
  const auto part = [&](CURLUPart which, unsigned flags = 0) -> std::optional<std::string> {
    char* value = nullptr;
    if (curl_url_get(handle.get(), which, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
    std::string out(value);
    curl_free(value);
    return out;
  };
  UrlParts out;
  const auto scheme = part(CURLUPART_SCHEME);
  const auto host = part(CURLUPART_HOST);
  if (!scheme || !host || host->empty()) return std::nullopt;
  out.scheme = *scheme;
  out.host = *host;
  for (std::string* text_part : {&out.scheme, &out.host}) {
    for (char& c : *text_part) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  out.port = part(CURLUPART_PORT, CURLU_NO_DEFAULT_PORT).value_or("");
  out.userinfo = part(CURLUPART_USER).has_value() || part(CURLUPART_PASSWORD).has_value();
  out.query = part(CURLUPART_QUERY).has_value();
  out.fragment = part(CURLUPART_FRAGMENT).has_value();
  return out;
}

std::string url_host(std::string_view url) {
  const auto parts = parse_url(url);
  if (!parts) return {};
  return parts->port.empty() ? parts->host : parts->host + ":" + parts->port;
}

std::string url_origin(std::string_view url) {
  const auto parts = parse_url(url);
  if (!parts) return {};
  return parts->scheme + "://" + url_host(url);
}

std::string next_link(std::string_view header) {
  std::size_t at = 0;
  while ((at = header.find('<', at)) != std::string_view::npos) {
    const std::size_t close = header.find('>', at);
    if (close == std::string_view::npos) return {};
    const std::size_t comma = header.find(',', close);
    const std::string_view params =
        header.substr(close, comma == std::string_view::npos ? std::string_view::npos : comma - close);
    if (params.find("rel=\"next\"") != std::string_view::npos || params.find("rel=next") != std::string_view::npos) {
      return std::string(header.substr(at + 1, close - at - 1));
    }
    at = close;
  }
  return {};
}

struct HttpClient::Shared {
  std::unique_ptr<CURLSH, ShareDeleter> share;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Shared*>(user)->locks[static_cast<std::size_t>(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Shared*>(user)->locks[static_cast<std::size_t>(data)].unlock();
  }
};

HttpClient::HttpClient(HttpOptions options) : options_(options), shared_(std::make_unique<Shared>()) {
  ensure_curl();
  shared_->share.reset(curl_share_init());
  CURLSH* share = shared_->share.get();
  curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Shared::lock);
  curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Shared::unlock);
  curl_share_setopt(share, CURLSHOPT_USERDATA, shared_.get());
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::get(const HttpRequest& request) { return perform(request, nullptr); }

HttpResponse HttpClient::stream(const HttpRequest& request, const std::function<bool(std::string_view)>& sink) {
  return perform(request, &sink);
}

HttpResponse HttpClient::perform(const HttpRequest& request, const std::function<bool(std::string_view)>* sink) {
  const bool plain = request.url.rfind("http://", 0) == 0;
  std::uint64_t delivered = 0;
  HttpResponse response;
  for (int attempt_number = 0;; ++attempt_number) {
    response = HttpResponse{};
    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) {
      response.error = "cannot start an HTTP transfer (out of memory)";
      return response;
    }
    std::unique_ptr<curl_slist, ListDeleter> headers;
    for (const std::string& header : request.headers) {
      curl_slist* grown = curl_slist_append(headers.get(), header.c_str());
      if (grown != nullptr) {
        (void)headers.release();
        headers.reset(grown);
      }
    }
    Attempt attempt{easy.get(), sink,          &response, request.max_body,          delivered,     0,
                    &received_, options_.stop, {},        request.range.has_value(), request.cancel};
    std::array<char, CURL_ERROR_SIZE> detail{};
    CURL* e = easy.get();
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    // Paths are built by the callers from names (an object key, a repository): "a/../b" is a
    // name, sent (and signed) as it is, never resolved to another path.
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_SHARE, shared_->share.get());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, plain ? "http,https" : "https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, options_.stall_seconds);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice");
    if (request.timeout_seconds > 0) curl_easy_setopt(e, CURLOPT_TIMEOUT, request.timeout_seconds);
    if (request.no_proxy) curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    if (request.post_body) {
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.post_body->size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.post_body->c_str());
    }
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, detail.data());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
    if (!request.aws_sigv4.empty()) {
      curl_easy_setopt(e, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
      curl_easy_setopt(e, CURLOPT_USERNAME, request.user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, request.password.c_str());
    } else if (!request.user.empty()) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(e, CURLOPT_USERNAME, request.user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, request.password.c_str());
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &attempt);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &attempt);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &attempt);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    std::string range;
    if (request.range) {
      range = fmt::format("{}-{}", request.range->first + delivered, request.range->second);
    } else if (delivered > 0) {
      range = fmt::format("{}-", delivered);
    }
    if (!range.empty()) curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());

    const CURLcode code = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response.status);
    delivered += attempt.delivered;
    const bool stopped = options_.stop != nullptr && options_.stop->load();
    if (!attempt.refused.empty()) {
      response.error = fmt::format("{}: {}", shown_url(request.url), attempt.refused);
      return response;
    }
    bool retry = false;
    long wait_ms = 250L << std::min(attempt_number, 6);
    if (code != CURLE_OK) {
      response.error = fmt::format("{}: {}", shown_url(request.url),
                                   stopped             ? "stopped by a signal"
                                   : detail[0] != '\0' ? std::string(detail.data())
                                                       : std::string(curl_easy_strerror(code)));
      // A stall or a total timeout is tried once more, not `retries` times: a server that holds
      // connections open without answering would hold the run for minutes.
      response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      retry = !stopped && transient(code) && (code != CURLE_OPERATION_TIMEDOUT || attempt_number == 0);
    } else if (transient(response.status)) {
      retry = true;
      const std::string after = response.header("retry-after");
      if (!after.empty() && std::isdigit(static_cast<unsigned char>(after[0]))) {
        wait_ms = std::min(options_.max_retry_after_ms, std::min(std::atol(after.c_str()), 86400L) * 1000L);
      }
    }
    if (!retry || attempt_number >= options_.retries) return response;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while (std::chrono::steady_clock::now() < until) {
      if (options_.stop != nullptr && options_.stop->load()) return response;
      if (request.cancel != nullptr && request.cancel->load()) return response;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

// ------------------------------------------------------------------------------------ HttpPull

struct HttpPull::State {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> chunks;
  std::size_t offset = 0;  // into chunks.front()
  std::size_t buffered = 0;
  std::size_t limit = 0;
  bool done = false;
  bool cancelled = false;
  std::atomic<bool> cancel{false};  // the transfer's own flag (request.cancel)
  HttpResponse response;
  std::thread worker;
};

HttpPull::HttpPull(HttpClient& client, HttpRequest request, std::size_t buffer_bytes)
    : state_(std::make_shared<State>()) {
  state_->limit = std::max<std::size_t>(buffer_bytes, 64 * 1024);
  State* state = state_.get();
  request.cancel = &state->cancel;
  state_->worker = std::thread([state, &client, request = std::move(request)] {
    const auto sink = [state](std::string_view data) {
      std::unique_lock lock(state->mutex);
      state->changed.wait(lock, [state] { return state->cancelled || state->buffered < state->limit; });
      if (state->cancelled) return false;
      state->chunks.emplace_back(data);
      state->buffered += data.size();
      state->changed.notify_all();
      return true;
    };
    HttpResponse response = client.stream(request, sink);
    std::lock_guard lock(state->mutex);
    state->response = std::move(response);
    state->done = true;
    state->changed.notify_all();
  });
}

HttpPull::~HttpPull() {
  {
    std::lock_guard lock(state_->mutex);
    state_->cancelled = true;
    state_->changed.notify_all();
  }
  // A stalled transfer sees it at its next progress call (about a second), a retry at once.
  state_->cancel.store(true);
  if (state_->worker.joinable()) state_->worker.join();
}

std::optional<std::size_t> HttpPull::read(char* buffer, std::size_t capacity, std::string* error,
                                          std::chrono::steady_clock::time_point deadline) {
  State& state = *state_;
  std::unique_lock lock(state.mutex);
  const auto ready = [&state] { return !state.chunks.empty() || state.done; };
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    state.changed.wait(lock, ready);
  } else if (!state.changed.wait_until(lock, deadline, ready)) {
    if (error != nullptr) *error = "time budget exhausted while waiting for the server (--max-input-seconds)";
    return std::nullopt;
  }
  if (state.chunks.empty()) {
    if (state.response.ok()) return 0;
    if (error != nullptr) {
      *error =
          !state.response.error.empty() ? state.response.error : fmt::format("HTTP status {}", state.response.status);
    }
    return std::nullopt;
  }
  std::size_t copied = 0;
  while (copied < capacity && !state.chunks.empty()) {
    const std::string& front = state.chunks.front();
    const std::size_t take = std::min(capacity - copied, front.size() - state.offset);
    std::copy_n(front.data() + state.offset, take, buffer + copied);
    copied += take;
    state.offset += take;
    if (state.offset == front.size()) {
      state.buffered -= front.size();
      state.chunks.pop_front();
      state.offset = 0;
    }
  }
  state.changed.notify_all();
  return copied;
}

const HttpResponse& HttpPull::response() const noexcept { return state_->response; }

}  // namespace sluice::io

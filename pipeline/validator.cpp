#include "pipeline/validator.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

namespace sluice::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// `text` with every `{name}` replaced by `value`.
std::string filled(std::string text, std::string_view name, std::string_view value) {
  for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
    text.replace(at, name.size(), value);
  }
  return text;
}

// A template with {secret} and {key} filled in one pass (a value holding "{key}" stays as it
// is), each value transformed by `as` first.
template <typename Transform>
std::string placed(std::string_view text, std::string_view secret, std::string_view key, Transform as) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    if (text.substr(at).starts_with("{secret}")) {
      out += as(secret);
      at += 8;
    } else if (text.substr(at).starts_with("{key}")) {
      out += as(key);
      at += 5;
    } else {
      out += text[at++];
    }
  }
  return out;
}

std::string as_is(std::string_view value) { return std::string(value); }

// Percent-encoded, '.' too: a secret of "." or ".." cannot become a path step.
std::string in_url(std::string_view value) {
  std::string out;
  for (const char c : io::url_escaped(value)) {
    if (c == '.') {
      out += "%2E";
    } else {
      out += c;
    }
  }
  return out;
}

// A string inside a JSON body: quotes, backslashes and control bytes escaped.
std::string in_json(std::string_view value) {
  const std::string quoted =
      nlohmann::json(std::string(value)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// The card's URL with its scheme and host (and port) taken off: "/path?query".
std::string_view path_of(std::string_view url) {
  const std::size_t start = url.find("://");
  const std::size_t path = url.find_first_of("/?#", start == std::string_view::npos ? 0 : start + 3);
  return path == std::string_view::npos ? std::string_view() : url.substr(path);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Requests started to one host at most every `interval`: each takes the next free slot.
class HostPacer {
 public:
  explicit HostPacer(double per_second)
      : interval_(per_second > 0
                      ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_second))
                      : Clock::duration::zero()) {}

  // Waits for the host's next slot; false when `stop` was set meanwhile.
  bool wait(const std::string& host, const std::atomic<bool>* stop) {
    Clock::time_point slot;
    {
      std::lock_guard lock(mutex_);
      Clock::time_point& next = next_[host];
      slot = std::max(Clock::now(), next);
      next = slot + interval_;
    }
    while (Clock::now() < slot) {
      if (stop != nullptr && stop->load()) return false;
      std::this_thread::sleep_for(std::min<Clock::duration>(slot - Clock::now(), std::chrono::milliseconds(50)));
    }
    return stop == nullptr || !stop->load();
  }

 private:
  Clock::duration interval_;
  std::mutex mutex_;
  std::map<std::string, Clock::time_point> next_;
};

Validation unknown(std::string detail) {
  Validation v;
  v.status = Validation::Status::kUnknown;
  v.detail = std::move(detail);
  return v;
}

// Two locations in the same content (the same chain, and the same blob or image layer).
bool same_content(const Location& a, const Location& b) {
  return a.chain == b.chain && a.git == b.git && a.image == b.image && a.decoders == b.decoders;
}

}  // namespace

std::string loopback_endpoint_error(std::string_view url) {
  const std::optional<io::UrlParts> parts = io::parse_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) return "not an http:// or https:// URL";
  if (parts->userinfo || parts->query || parts->fragment) return "a base URL takes no user, query or fragment";
  if (parts->host != "127.0.0.1" && parts->host != "[::1]" && parts->host != "localhost") {
    return "only a loopback address (127.0.0.1, ::1, localhost) may replace a card's host";
  }
  return {};
}

std::string validation_host(const engine::ValidationSpec& spec, std::string_view region, std::string_view endpoint) {
  if (!endpoint.empty()) return io::url_host(endpoint);
  return io::url_host(filled(spec.url, "{region}", region));
}

std::optional<io::HttpRequest> validation_request(const engine::ValidationSpec& spec, std::string_view secret,
                                                  std::string_view key, std::string_view region,
                                                  std::string_view endpoint) {
  if (secret.empty() || has_control(secret) || has_control(key)) return std::nullopt;
  std::string url = filled(spec.url, "{region}", region);
  if (!endpoint.empty()) {
    std::string base(endpoint);
    while (!base.empty() && base.back() == '/') base.pop_back();
    url = base + std::string(path_of(url));
  }
  // Only the path and query take the values, percent-encoded: the host stays the card's.
  const std::string expected_host = io::url_host(url);
  url = placed(url, secret, key, in_url);
  if (expected_host.empty() || io::url_host(url) != expected_host) return std::nullopt;
  io::HttpRequest request;
  request.url = std::move(url);
  for (const std::string& header : spec.headers) request.headers.push_back(placed(header, secret, key, as_is));
  request.user = placed(spec.user, secret, key, as_is);
  request.password = placed(spec.password, secret, key, as_is);
  request.aws_sigv4 = spec.aws_sigv4;
  if (spec.method == "POST") {
    // A JSON body takes the values as JSON strings, any other (a form) percent-encoded.
    const bool json_body = spec.body.starts_with('{') || spec.body.starts_with('[');
    request.post_body = json_body ? placed(spec.body, secret, key, in_json) : placed(spec.body, secret, key, in_url);
  }
  // A loopback imitation is asked directly: a proxy would see the secret in the clear.
  request.no_proxy = !endpoint.empty();
  request.follow_redirects = false;
  request.max_body = std::size_t{1} << 20;
  return request;
}

Validation classify_answer(const engine::ValidationSpec& spec, const io::HttpResponse& response) {
  if (response.status == 0) return unknown(response.timed_out ? "timeout" : "network");
  Validation v;
  v.http_status = response.status;
  const auto listed = [&](const std::vector<int>& statuses) {
    return std::find(statuses.begin(), statuses.end(), static_cast<int>(response.status)) != statuses.end();
  };
  if (std::any_of(spec.invalid_body.begin(), spec.invalid_body.end(),
                  [&](const std::string& mark) { return response.body.find(mark) != std::string::npos; })) {
    v.status = Validation::Status::kInvalid;
    return v;
  }
  if (listed(spec.valid) && response.error.empty()) {
    // A valid status without the card's mark is not a yes (a rate-limit page, a portal).
    if (!spec.valid_body.empty() && response.body.find(spec.valid_body) == std::string::npos) {
      v.status = Validation::Status::kUnknown;
      v.detail = "unconfirmed";
      return v;
    }
    v.status = Validation::Status::kValid;
    return v;
  }
  if (listed(spec.invalid)) {
    v.status = Validation::Status::kInvalid;
    return v;
  }
  v.status = Validation::Status::kUnknown;
  v.detail = response.status == 429                            ? "rate-limited"
             : response.status >= 500                          ? "server-error"
             : response.status >= 300 && response.status < 400 ? "redirect"
             : !response.error.empty()                         ? "network"
                                                               : "unexpected-status";
  return v;
}

struct Validator::Job {
  std::uint32_t rule = 0;
  std::string secret;
  std::string key;
  std::vector<std::size_t> findings;
  Validation result;
  std::string digest;   // names the question in --state: never the secret itself
  bool cached = false;  // answered from --state
};

Validator::Validator(const std::vector<engine::Rule>& rules, ValidatorOptions options)
    : rules_(rules), options_(std::move(options)) {}

std::string Validator::endpoint_of(const engine::Rule& rule) const {
  const auto it = options_.endpoints.find(rule.id);
  return it == options_.endpoints.end() ? std::string() : it->second;
}

std::vector<Validator::Job> Validator::jobs_of(const std::vector<Finding>& findings) const {
  std::map<std::tuple<std::uint32_t, std::string, std::string>, Job> jobs;
  std::map<std::string, std::uint32_t> index_of;
  for (std::size_t k = 0; k < rules_.size(); ++k) index_of[rules_[k].id] = static_cast<std::uint32_t>(k);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& finding = findings[i];
    const engine::Rule& rule = rules_[finding.rule];
    if (!rule.validation || finding.masked_size > 0) continue;
    std::string key;
    if (!rule.validation->pair.empty()) {
      // The pair's finding nearest to this secret in the same content.
      const auto pair = index_of.find(rule.validation->pair);
      std::uint64_t best = UINT64_MAX;
      for (const Finding& other : findings) {
        if (pair == index_of.end() || other.rule != pair->second || other.masked_size > 0) continue;
        for (const Location& at : finding.locations) {
          for (const Location& there : other.locations) {
            if (!same_content(at, there)) continue;
            const std::uint64_t distance =
                at.offset > there.offset ? at.offset - there.offset : there.offset - at.offset;
            if (distance < best) {
              best = distance;
              key = other.secret;
            }
          }
        }
      }
      if (key.empty()) continue;
    }
    Job& job = jobs[{finding.rule, finding.secret, key}];
    job.rule = finding.rule;
    job.secret = finding.secret;
    job.key = key;
    job.findings.push_back(i);
  }
  std::vector<Job> out;
  out.reserve(jobs.size());
  const std::int64_t now = unix_now();
  for (auto& [id, job] : jobs) {
    const engine::Rule& rule = rules_[job.rule];
    // The endpoint is part of the question: a loopback imitation's answer is not the vendor's.
    job.digest = fingerprint(rule.id, job.secret + '\0' + job.key + '\0' + endpoint_of(rule));
    if (options_.state != nullptr && options_.max_age_seconds > 0) {
      if (std::optional<Validation> known = options_.state->validation(job.digest, now - options_.max_age_seconds)) {
        job.result = std::move(*known);
        job.cached = true;
      }
    }
    out.push_back(std::move(job));
  }
  return out;
}

ValidationPlan Validator::plan(const std::vector<Finding>& findings) const {
  ValidationPlan plan;
  for (const Finding& finding : findings) plan.unsupported += rules_[finding.rule].validation ? 0 : 1;
  const std::vector<Job> jobs = jobs_of(findings);
  for (const Job& job : jobs) {
    if (job.cached) {
      ++plan.from_state;
      continue;
    }
    ++plan.secrets;
    const engine::Rule& rule = rules_[job.rule];
    const engine::ValidationSpec& spec = *rule.validation;
    const std::string endpoint = endpoint_of(rule);
    if (spec.regions.empty()) {
      ++plan.requests_by_host[validation_host(spec, "", endpoint)];
    } else {
      for (const std::string& region : spec.regions) ++plan.requests_by_host[validation_host(spec, region, endpoint)];
    }
  }
  return plan;
}

void Validator::validate(std::vector<Finding>& findings, bool send) {
  std::vector<Job> jobs = jobs_of(findings);
  // What is not asked: the reason, on each finding.
  std::vector<bool> in_job(findings.size(), false);
  for (const Job& job : jobs) {
    for (std::size_t i : job.findings) in_job[i] = true;
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& finding = findings[i];
    const engine::Rule& rule = rules_[finding.rule];
    findings[i].validation = unknown(!rule.validation          ? "unsupported"
                                     : finding.masked_size > 0 ? "redacted"
                                     : !in_job[i]              ? "no-pair"
                                                               : "dry-run");
  }
  if (!send) {
    std::erase_if(jobs, [](const Job& job) { return !job.cached; });
  }
  if (jobs.empty()) return;

  io::HttpOptions http;
  http.connect_timeout_seconds = options_.timeout_seconds;
  http.stall_seconds = options_.timeout_seconds;
  http.retries = options_.retries;
  http.max_retry_after_ms = 10000;
  http.stop = options_.stop;
  io::HttpClient client(http);
  HostPacer pacer(options_.per_host_per_second);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t j = next++; j < jobs.size(); j = next++) {
      Job& job = jobs[j];
      if (job.cached) continue;
      const engine::Rule& rule = rules_[job.rule];
      const engine::ValidationSpec& spec = *rule.validation;
      const std::string endpoint = endpoint_of(rule);
      const std::vector<std::string> regions = spec.regions.empty() ? std::vector<std::string>{""} : spec.regions;
      std::optional<Validation> decided;
      std::optional<Validation> undecided;
      std::optional<Validation> invalid;
      for (const std::string& region : regions) {
        std::optional<io::HttpRequest> request = validation_request(spec, job.secret, job.key, region, endpoint);
        if (!request) {
          undecided = unknown("unsupported-value");
          continue;
        }
        request->timeout_seconds = options_.timeout_seconds;
        if (!pacer.wait(validation_host(spec, region, endpoint), options_.stop)) {
          undecided = unknown("stopped");
          break;
        }
        const io::HttpResponse response = client.get(*request);
        Validation answer = (options_.stop != nullptr && options_.stop->load() && response.status == 0)
                                ? unknown("stopped")
                                : classify_answer(spec, response);
        if (answer.status == Validation::Status::kValid) {
          answer.detail = validation_host(spec, region, endpoint);
          decided = std::move(answer);
          break;
        }
        if (answer.status == Validation::Status::kInvalid) {
          answer.detail = validation_host(spec, region, endpoint);
          invalid = std::move(answer);
        } else {
          undecided = std::move(answer);
        }
      }
      // Valid in any region is valid; invalid only when every region said so.
      job.result = decided ? *decided : undecided ? *undecided : *invalid;
      const std::int64_t now = unix_now();
      job.result.checked_at = utc_timestamp(now);
      if (options_.state != nullptr && job.result.status != Validation::Status::kUnknown) {
        options_.state->record_validation(job.digest, now, job.result);
      }
    }
  };
  const std::size_t asked =
      static_cast<std::size_t>(std::count_if(jobs.begin(), jobs.end(), [](const Job& job) { return !job.cached; }));
  const std::size_t workers = std::clamp<std::size_t>(options_.concurrency, 1, std::max<std::size_t>(asked, 1));
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (std::size_t t = 0; t < workers; ++t) threads.emplace_back(work);
  for (std::thread& thread : threads) thread.join();
  for (const Job& job : jobs) {
    for (std::size_t i : job.findings) findings[i].validation = job.result;
  }
}

}  // namespace sluice::pipeline

#pragma once
// Live validation (`sluice scan --validate`, `sluice validate`): asks each vendor whether a
// secret still works, with the one read-only request its card describes. Opt-in and bounded:
// each distinct (rule, secret, paired id) is sent once per run, only to the host the card names
// (or to a loopback endpoint given for a rule, for tests), with at most `concurrency` requests
// in flight, at most `per_host_per_second` to one host, retries with backoff on 429 and 5xx,
// TLS verification on, no redirect followed. The secret is never logged or put in a message.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule.hpp"
#include "io/http_client.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/state_store.hpp"

namespace sluice::pipeline {

struct ValidatorOptions {
  std::map<std::string, std::string> endpoints;  // rule id -> loopback base URL (--validate-endpoint)
  std::size_t concurrency = 8;                   // requests in flight, all hosts together
  double per_host_per_second = 2.0;              // requests started per second to one host
  long timeout_seconds = 10;                     // one attempt, connect included
  int retries = 2;                               // after the first attempt, on 429, 5xx and broken connections
  const std::atomic<bool>* stop = nullptr;
  // --state: answers of earlier runs younger than `max_age_seconds` are reused (valid and
  // invalid only: unknown is asked again), and new answers are recorded.
  StateStore* state = nullptr;
  std::int64_t max_age_seconds = 24 * 3600;
};

// A base URL --validate-endpoint accepts: http(s) to 127.0.0.1, ::1 or localhost, with no
// userinfo, query or fragment. Returns "" when it is one, else why not.
[[nodiscard]] std::string loopback_endpoint_error(std::string_view url);

// The request that asks about `secret` (`key`: the paired id; `region`: one of the card's
// regions, or ""), to the card's host or to `endpoint` (a loopback base URL replacing the
// card's scheme, host and port; its path, if any, goes before the card's). nullopt when the
// values cannot be placed safely (a control character in the secret or the key).
[[nodiscard]] std::optional<io::HttpRequest> validation_request(const engine::ValidationSpec& spec,
                                                                std::string_view secret, std::string_view key,
                                                                std::string_view region, std::string_view endpoint);

// The host a request for the spec goes to (region filled in), as the plan counts it.
[[nodiscard]] std::string validation_host(const engine::ValidationSpec& spec, std::string_view region,
                                          std::string_view endpoint);

// What an answer means, per the card (status, checked_at left for the caller).
[[nodiscard]] Validation classify_answer(const engine::ValidationSpec& spec, const io::HttpResponse& response);

// Hosts and how many requests each would get (a secret with several regions counts at each).
struct ValidationPlan {
  std::map<std::string, std::size_t> requests_by_host;
  std::size_t secrets = 0;      // distinct (rule, secret, key) sent
  std::size_t unsupported = 0;  // findings of rules that do not validate
  std::size_t from_state = 0;   // answered by an earlier run (--state), not sent
};

class Validator {
 public:
  Validator(const std::vector<engine::Rule>& rules, ValidatorOptions options);

  [[nodiscard]] ValidationPlan plan(const std::vector<Finding>& findings) const;
  // Sets `validation` on every finding: asked of the vendor, or unknown with the reason
  // (unsupported, no-pair, redacted; dry-run when `send` is false).
  void validate(std::vector<Finding>& findings, bool send = true);

 private:
  struct Job;
  [[nodiscard]] std::vector<Job> jobs_of(const std::vector<Finding>& findings) const;
  [[nodiscard]] std::string endpoint_of(const engine::Rule& rule) const;

  const std::vector<engine::Rule>& rules_;  // indexed by Finding::rule
  ValidatorOptions options_;
};

}  // namespace sluice::pipeline

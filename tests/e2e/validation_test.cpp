// Live validation (--validate, sluice validate) against loopback imitations of vendor APIs.
// Every run sets HTTPS_PROXY/HTTP_PROXY/ALL_PROXY to a loopback trap that records any
// connection, and no NO_PROXY: a request meant for the internet, or one to the loopback
// imitation sent through the proxy, would reach the trap, and each test checks that none did.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

// argv: port, behaviours (JSON: token -> valid|invalid|flaky|error|slow|redirect), log file.
// The token is the Bearer value, or for AWS SigV4 the key id in Credential=. Each request is
// logged as one JSON line {t, token, method, path}.
constexpr const char* kVendor = R"PY(
import json, sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, behaviours, log = int(sys.argv[1]), json.load(open(sys.argv[2])), sys.argv[3]
seen, lock = {}, threading.Lock()
class Vendor(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self, status, body=b"{}", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def handle_any(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        if auth.startswith("AWS4-HMAC-SHA256 Credential="):
            token = auth.split("Credential=")[1].split("/")[0]
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length:
            self.rfile.read(length)
        with lock:
            seen[token] = seen.get(token, 0) + 1
            count = seen[token]
            with open(log, "a") as out:
                out.write(json.dumps({"t": time.time(), "token": token, "method": self.command,
                                      "path": self.path, "signed": auth.startswith("AWS4-HMAC-SHA256")}) + "\n")
        kind = behaviours.get(token, "invalid")
        if kind == "valid":
            self.answer(200, b'{"id": 1}')
        elif kind == "flaky":
            self.answer(429, b"{}", [("Retry-After", "1")]) if count == 1 else self.answer(200, b'{"id": 1}')
        elif kind == "error":
            self.answer(500)
        elif kind == "slow":
            time.sleep(20)
            self.answer(200, b'{"id": 1}')
        elif kind == "redirect":
            self.answer(302, b"", [("Location", "http://192.0.2.7/api/users/@me/")])
        else:
            self.answer(403 if auth.startswith("AWS4") else 401)
    do_GET = handle_any
    do_POST = handle_any
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", port), Vendor).serve_forever()
)PY";

// argv: port, log file. Any connection (a proxied request or CONNECT) is logged and refused.
constexpr const char* kTrap = R"PY(
import socket, sys
port, log = int(sys.argv[1]), sys.argv[2]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(16)
while True:
    connection, _ = server.accept()
    first = connection.recv(200).split(b"\r\n")[0]
    if first:  # not the test's own check that the port is open
        with open(log, "a") as out:
            out.write(first.decode("latin-1") + "\n")
    connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    connection.close()
)PY";

struct Request {
  double time = 0;
  std::string token;
  std::string method;
  std::string path;
  bool signed_request = false;
};

class Vendors {
 public:
  explicit Vendors(const TempDir& dir, const std::map<std::string, std::string>& behaviours)
      : port_(free_port()),
        log_(dir.path("vendor.log")),
        trap_port_(free_port()),
        trap_log_(dir.path("trap.log")),
        vendor_({"python3", "-c", kVendor, std::to_string(port_),
                 dir.write("behaviours.json", nlohmann::json(behaviours).dump()), log_},
                port_),
        trap_({"python3", "-c", kTrap, std::to_string(trap_port_), trap_log_}, trap_port_) {}

  [[nodiscard]] bool running() const { return vendor_.running() && trap_.running(); }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // sluice with the proxy trap in its environment.
  [[nodiscard]] RunResult sluice(const std::vector<std::string>& args, int timeout = 120) const {
    const std::string trap = "http://127.0.0.1:" + std::to_string(trap_port_);
    // No NO_PROXY: a request to the loopback imitation must not go through the proxy on its own
    // (a proxy would see the secret in the clear).
    std::vector<std::string> argv = {"env",
                                     "-u",
                                     "NO_PROXY",
                                     "-u",
                                     "no_proxy",
                                     "HTTPS_PROXY=" + trap,
                                     "https_proxy=" + trap,
                                     "HTTP_PROXY=" + trap,
                                     "http_proxy=" + trap,
                                     "ALL_PROXY=" + trap,
                                     kSluiceBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.timeout = std::chrono::seconds(timeout);
    return run(argv, options);
  }

  [[nodiscard]] std::vector<Request> requests() const {
    std::vector<Request> out;
    std::istringstream lines(read_file(log_));
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json record = nlohmann::json::parse(line);
      out.push_back({record["t"].get<double>(), record["token"].get<std::string>(), record["method"].get<std::string>(),
                     record["path"].get<std::string>(), record["signed"].get<bool>()});
    }
    return out;
  }
  [[nodiscard]] std::size_t requests_for(const std::string& token) const {
    const std::vector<Request> all = requests();
    return static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [&](const Request& r) { return r.token == token; }));
  }
  // What reached the trap: requests that would have left the machine.
  [[nodiscard]] std::string escaped() const { return read_file(trap_log_); }

 private:
  int port_;
  std::string log_;
  int trap_port_;
  std::string trap_log_;
  LoopbackServer vendor_;
  LoopbackServer trap_;
};

// Each finding's validation by secret.
std::map<std::string, nlohmann::json> validations(const std::vector<Finding>& findings) {
  std::map<std::string, nlohmann::json> out;
  for (const Finding& finding : findings) out[finding.secret] = finding.raw.value("validation", nlohmann::json());
  return out;
}

TEST(Validation, EachAnswerOfTheVendorGivesItsOutcome) {
  TempDir dir;
  KeyGen gen(2301);
  const std::string valid = gen.personal_key(), invalid = gen.personal_key(), flaky = gen.personal_key(),
                    error = gen.personal_key(), slow = gen.personal_key(), redirect = gen.personal_key();
  Vendors vendors(dir, {{valid, "valid"},
                        {invalid, "invalid"},
                        {flaky, "flaky"},
                        {error, "error"},
                        {slow, "slow"},
                        {redirect, "redirect"}});
  ASSERT_TRUE(vendors.running());
  dir.write("tree/a.env", "POSTHOG_KEY=" + valid + "\nOTHER=" + invalid + "\n");
  dir.write("tree/b.env", "K1=" + flaky + "\nK2=" + error + "\nK3=" + slow + "\nK4=" + redirect + "\n");

  const RunResult result = vendors.sluice({"scan", dir.path("tree"), "-f", "jsonl", "--validate", "--validate-endpoint",
                                           "posthog_personal_key=" + vendors.endpoint(), "--validate-timeout", "2"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(no_secret_on_stderr(result, {valid, invalid, flaky, error, slow, redirect}));
  EXPECT_NE(result.err.find("sluice: validate: sending 6 secrets in 12 requests to 1 host: 127.0.0.1:"),
            std::string::npos)
      << result.err;
  auto v = validations(parse_jsonl(result.out));
  ASSERT_EQ(v.size(), 6u) << result.out;
  EXPECT_EQ(v[valid]["status"], "valid");
  EXPECT_EQ(v[valid]["http_status"], 200);
  EXPECT_FALSE(v[valid]["checked_at"].get<std::string>().empty());
  EXPECT_EQ(v[invalid]["status"], "invalid");
  EXPECT_EQ(v[invalid]["http_status"], 401);
  // 429, then (after its Retry-After) 200.
  EXPECT_EQ(v[flaky]["status"], "valid");
  EXPECT_EQ(vendors.requests_for(flaky), 2u);
  EXPECT_EQ(v[error]["status"], "unknown");
  EXPECT_EQ(v[error]["detail"], "server-error");
  EXPECT_EQ(v[error]["http_status"], 500);
  // Two retries after the first attempt, in each of the two regions.
  EXPECT_EQ(vendors.requests_for(error), 6u);
  EXPECT_EQ(v[slow]["status"], "unknown");
  EXPECT_EQ(v[slow]["detail"], "timeout");
  EXPECT_EQ(v[redirect]["status"], "unknown");
  EXPECT_EQ(v[redirect]["detail"], "redirect");
  EXPECT_EQ(vendors.escaped(), "") << "a request left loopback";
  // Valid in the first region: the second is not asked. Invalid: both are.
  EXPECT_EQ(vendors.requests_for(valid), 1u);
  EXPECT_EQ(vendors.requests_for(invalid), 2u);
  const nlohmann::json summary = jsonl_summary(result.out);
  EXPECT_EQ(summary["findings_by_validation"]["valid"], 2) << summary.dump();
  EXPECT_EQ(summary["findings_by_validation"]["unknown"], 3) << summary.dump();

  // The text report says it too.
  const RunResult text = vendors.sluice({"scan", dir.path("tree/a.env"), "--validate", "--validate-endpoint",
                                         "posthog_personal_key=" + vendors.endpoint()});
  ASSERT_TRUE(exited_with(text, kFindings)) << describe(text);
  EXPECT_NE(text.out.find("validation:   valid (HTTP 200) 127.0.0.1:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("validation:   invalid (HTTP 401)"), std::string::npos) << text.out;
  EXPECT_EQ(vendors.escaped(), "");
}

TEST(Validation, FailOnValidExitsOneOnlyForAWorkingSecret) {
  TempDir dir;
  KeyGen gen(2302);
  const std::string valid = gen.personal_key(), invalid = gen.personal_key();
  Vendors vendors(dir, {{valid, "valid"}, {invalid, "invalid"}});
  ASSERT_TRUE(vendors.running());
  const std::string dead = dir.write("dead.env", "K=" + invalid + "\n");
  const std::string live = dir.write("live.env", "K=" + valid + "\n");
  const std::vector<std::string> flags = {
      "--validate", "--fail-on", "valid", "--validate-endpoint", "posthog_personal_key=" + vendors.endpoint(), "-q"};
  auto scan = [&](const std::string& path) {
    std::vector<std::string> args = {"scan", path};
    args.insert(args.end(), flags.begin(), flags.end());
    return vendors.sluice(args);
  };
  EXPECT_TRUE(exited_with(scan(dead), kClean));
  EXPECT_TRUE(exited_with(scan(live), kFindings));
  // Without --validate nothing can be valid: refused rather than a silent 0.
  const RunResult alone = vendors.sluice({"scan", live, "--fail-on", "valid"});
  EXPECT_TRUE(exited_with(alone, kFatal)) << describe(alone);
  EXPECT_NE(alone.err.find("--fail-on valid needs --validate"), std::string::npos) << alone.err;
  EXPECT_EQ(vendors.escaped(), "");
}

TEST(Validation, EachSecretIsAskedOnceAndOneHostIsPaced) {
  TempDir dir;
  KeyGen gen(2303);
  std::map<std::string, std::string> behaviours;
  std::string text;
  for (int k = 0; k < 5; ++k) {
    const std::string key = gen.personal_key();
    behaviours[key] = "valid";
    text.append("K").append(std::to_string(k)).append("=").append(key).append("\n");
  }
  Vendors vendors(dir, behaviours);
  ASSERT_TRUE(vendors.running());
  // The same five secrets in three files: five requests.
  for (const char* name : {"tree/a.env", "tree/b/c.env", "tree/d.txt"}) dir.write(name, text);
  const RunResult result = vendors.sluice({"scan", dir.path("tree"), "-f", "json", "--validate", "--validate-rate", "4",
                                           "--validate-concurrency", "8", "--validate-endpoint",
                                           "posthog_personal_key=" + vendors.endpoint()});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<Request> requests = vendors.requests();
  ASSERT_EQ(requests.size(), 5u);
  std::vector<double> times;
  for (const Request& r : requests) times.push_back(r.time);
  std::sort(times.begin(), times.end());
  // At most 4 a second to one host: five requests span at least a second (a lower bound only:
  // a slow machine spreads them further, never closer).
  EXPECT_GE(times.back() - times.front(), 0.9);
  for (const Finding& finding : parse_json_findings(result.out)) {
    EXPECT_EQ(finding.raw["validation"]["status"], "valid") << finding.raw.dump();
    EXPECT_EQ(finding.occurrences, 3u);
  }
}

TEST(Validation, NothingIsSentWithoutValidateOrWithADryRun) {
  TempDir dir;
  KeyGen gen(2304);
  const std::string key = gen.personal_key();
  Vendors vendors(dir, {{key, "valid"}});
  ASSERT_TRUE(vendors.running());
  const std::string file = dir.write("k.env", "K=" + key + "\n");
  const RunResult plain = vendors.sluice({"scan", file, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(plain, kFindings)) << describe(plain);
  EXPECT_FALSE(parse_jsonl(plain.out).at(0).raw.contains("validation"));
  // An endpoint without --validate is a mistake, not a silent no-op.
  const RunResult endpoint_alone = vendors.sluice(
      {"scan", file, "-f", "jsonl", "--validate-endpoint", "posthog_personal_key=" + vendors.endpoint()});
  EXPECT_TRUE(exited_with(endpoint_alone, kFatal)) << describe(endpoint_alone);
  // A dry run names the real hosts and sends nothing.
  const RunResult dry = vendors.sluice({"scan", file, "-f", "jsonl", "--validate-dry-run"});
  ASSERT_TRUE(exited_with(dry, kFindings)) << describe(dry);
  EXPECT_NE(dry.err.find("sluice: validate (dry run: nothing is sent): would send 1 secret in 2 requests to 2 hosts: "
                         "eu.posthog.com (1), us.posthog.com (1)"),
            std::string::npos)
      << dry.err;
  EXPECT_EQ(parse_jsonl(dry.out).at(0).raw["validation"]["detail"], "dry-run");
  EXPECT_TRUE(vendors.requests().empty());
  EXPECT_EQ(vendors.escaped(), "");
  // A discovered .sluice.toml cannot turn validation on.
  dir.write("repo/.sluice.toml", "[scan]\nvalidate = true\n");
  dir.write("repo/k.env", "K=" + key + "\n");
  const RunResult discovered = vendors.sluice({"scan", dir.path("repo"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(discovered, kFindings)) << describe(discovered);
  EXPECT_NE(discovered.err.find("it would send secrets to vendors"), std::string::npos) << discovered.err;
  EXPECT_FALSE(parse_jsonl(discovered.out).at(0).raw.contains("validation"));
  EXPECT_TRUE(vendors.requests().empty());
  EXPECT_EQ(vendors.escaped(), "");
}

TEST(Validation, StateKeepsAnswersUntilTheyAreTooOld) {
  TempDir dir;
  KeyGen gen(2307);
  const std::string valid = gen.personal_key(), invalid = gen.personal_key(), error = gen.personal_key();
  Vendors vendors(dir, {{valid, "valid"}, {invalid, "invalid"}, {error, "error"}});
  ASSERT_TRUE(vendors.running());
  const std::string file = dir.write("k.env", "A=" + valid + "\nB=" + invalid + "\nC=" + error + "\n");
  const std::string state = dir.path("state.db");
  auto scan = [&](const std::vector<std::string>& more) {
    std::vector<std::string> args = {"scan",
                                     file,
                                     "-f",
                                     "jsonl",
                                     "--state",
                                     state,
                                     "--validate",
                                     "--validate-endpoint",
                                     "posthog_personal_key=" + vendors.endpoint()};
    args.insert(args.end(), more.begin(), more.end());
    return vendors.sluice(args);
  };
  const RunResult first = scan({});
  ASSERT_TRUE(exited_with(first, kFindings)) << describe(first);
  const std::size_t asked = vendors.requests().size();
  // Again: valid and invalid come from the state file (asked at the same time as before);
  // unknown is asked again.
  const RunResult second = scan({});
  ASSERT_TRUE(exited_with(second, kFindings)) << describe(second);
  EXPECT_NE(second.err.find("2 secrets answered by an earlier run"), std::string::npos) << second.err;
  auto before = validations(parse_jsonl(first.out));
  auto after = validations(parse_jsonl(second.out));
  EXPECT_EQ(after[valid], before[valid]);
  EXPECT_EQ(after[invalid], before[invalid]);
  EXPECT_EQ(after[error]["status"], "unknown");
  EXPECT_EQ(vendors.requests_for(valid), 1u);
  EXPECT_EQ(vendors.requests_for(invalid), 2u);
  EXPECT_EQ(vendors.requests_for(error), 12u);
  EXPECT_EQ(vendors.requests().size(), asked + 6);
  // Older than --validate-max-age: asked again.
  const RunResult third = scan({"--validate-max-age", "0"});
  ASSERT_TRUE(exited_with(third, kFindings)) << describe(third);
  EXPECT_EQ(vendors.requests_for(valid), 2u);
  EXPECT_EQ(vendors.escaped(), "");
}

TEST(Validation, OnlyALoopbackEndpointMayReplaceAVendorsHost) {
  TempDir dir;
  KeyGen gen(2305);
  const std::string file = dir.write("k.env", "K=" + gen.personal_key() + "\n");
  for (const std::string& url : {std::string("http://10.1.2.3:8080"), std::string("https://example.com"),
                                 std::string("http://127.0.0.1.example.com"), std::string("http://user@127.0.0.1:9"),
                                 std::string("ftp://127.0.0.1")}) {
    const RunResult result = sluice({"scan", file, "--validate", "--validate-endpoint", "posthog_personal_key=" + url});
    EXPECT_TRUE(exited_with(result, kFatal)) << url << "\n" << describe(result);
    EXPECT_NE(result.err.find("sluice: error: --validate-endpoint posthog_personal_key="), std::string::npos)
        << result.err;
  }
  const RunResult unknown =
      sluice({"scan", file, "--validate", "--validate-endpoint", "no_such_rule=http://127.0.0.1:9"});
  EXPECT_TRUE(exited_with(unknown, kFatal)) << describe(unknown);
  EXPECT_NE(unknown.err.find("no_such_rule: no such rule"), std::string::npos) << unknown.err;
}

TEST(Validation, AwsKeysAreSignedAndPairedWithTheirKeyId) {
  TempDir dir;
  // A format-valid fake pair: AKIA + 16 base32 characters; 40 characters of secret.
  const std::string id = "AKIAQ3EGRZLN5TJX2W7M";
  const std::string other_id = "AKIAR4FHSALO6UKY3X2N";
  const std::string secret = "q8Rf2LmZ7xVb1Nc4Tp9Ks3Hd6Wj0Ye5Ua/Gi+OoE";
  const std::string other_secret = "Zt3Xk9Pq1Lm7Vb5Nc2Rf8Hd4Wj6Ys0Ua+Gi/OoEe";
  Vendors vendors(dir, {{id, "valid"}, {other_id, "invalid"}});
  ASSERT_TRUE(vendors.running());
  dir.write("tree/one/credentials",
            "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n");
  dir.write("tree/two/credentials",
            "[default]\naws_access_key_id = " + other_id + "\naws_secret_access_key = " + other_secret + "\n");
  // A secret with no key id beside it cannot be asked about.
  dir.write("tree/three/env",
            "AWS_SECRET_ACCESS_KEY=" + std::string("Wq5Lr8Tz2Xc6Vb9Nm1Kp4Hd7Jf0Ys3Ua/Gi+OeEo") + "\n");
  const RunResult result = vendors.sluice({"scan", dir.path("tree"), "-f", "jsonl", "--validate", "--validate-endpoint",
                                           "aws_secret_access_key=" + vendors.endpoint()});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(no_secret_on_stderr(result, {secret, other_secret}));
  auto v = validations(parse_jsonl(result.out));
  EXPECT_EQ(v[secret]["status"], "valid") << result.out;
  EXPECT_EQ(v[other_secret]["status"], "invalid");
  EXPECT_EQ(v["Wq5Lr8Tz2Xc6Vb9Nm1Kp4Hd7Jf0Ys3Ua/Gi+OeEo"]["detail"], "no-pair");
  EXPECT_EQ(v[id]["detail"], "unsupported");  // the key id alone does not validate
  for (const Request& r : vendors.requests()) {
    EXPECT_TRUE(r.signed_request);
    EXPECT_EQ(r.path, "/?Action=GetCallerIdentity&Version=2011-06-15");
  }
  EXPECT_EQ(vendors.requests().size(), 2u);
  EXPECT_EQ(vendors.escaped(), "");
}

TEST(Validation, ValidateCommandAddsAnswersToAnEarlierReport) {
  TempDir dir;
  KeyGen gen(2306);
  const std::string valid = gen.personal_key(), invalid = gen.personal_key();
  Vendors vendors(dir, {{valid, "valid"}, {invalid, "invalid"}});
  ASSERT_TRUE(vendors.running());
  const std::string file = dir.write("tree/k.env", "A=" + valid + "\nB=" + invalid + "\n");
  for (const std::string format : {"json", "jsonl"}) {
    const std::string report = dir.path("report." + format);
    ASSERT_TRUE(exited_with(sluice({"scan", file, "-f", format, "-o", report}), kFindings));
    const std::string out = dir.path("validated." + format);
    const RunResult result = vendors.sluice(
        {"validate", report, "-o", out, "--validate-endpoint", "posthog_personal_key=" + vendors.endpoint()});
    ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
    EXPECT_TRUE(no_secret_on_stderr(result, {valid, invalid}));
    EXPECT_NE(result.err.find("sluice: validate: 1 valid, 1 invalid, 0 unknown"), std::string::npos) << result.err;
    const std::string text = read_file(out);
    auto v = validations(format == "json" ? parse_json_findings(text) : parse_jsonl(text));
    EXPECT_EQ(v[valid]["status"], "valid") << text;
    EXPECT_EQ(v[invalid]["status"], "invalid") << text;
  }
  // A redacted report has nothing to send.
  const std::string redacted = dir.path("redacted.jsonl");
  ASSERT_TRUE(exited_with(sluice({"scan", file, "-f", "jsonl", "--redact", "-o", redacted}), kFindings));
  const std::size_t before = vendors.requests().size();
  const RunResult masked =
      vendors.sluice({"validate", redacted, "--validate-endpoint", "posthog_personal_key=" + vendors.endpoint()});
  ASSERT_TRUE(exited_with(masked, kClean)) << describe(masked);
  for (const Finding& finding : parse_jsonl(masked.out)) {
    EXPECT_EQ(finding.raw["validation"]["detail"], "redacted");
  }
  EXPECT_EQ(vendors.requests().size(), before);
  // Not a report (or not a whole one): one line naming it, exit 2, never a clean "0 valid".
  std::string deep;
  for (int k = 0; k < 100000; ++k) deep += "[";
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"junk.txt", "hello\n"},
           {"empty.json", ""},
           {"other.jsonl", "{\"level\":\"info\",\"msg\":\"x\"}\n"},
           {"cut.jsonl",
            read_file(dir.path("report.jsonl")).substr(0, read_file(dir.path("report.jsonl")).rfind("{\"summary\""))},
           {"deep.json", deep}}) {
    const std::string junk = dir.write(name, text);
    const RunResult bad = sluice({"validate", junk});
    EXPECT_TRUE(exited_with(bad, kFatal)) << name << "\n" << describe(bad);
    EXPECT_NE(bad.err.find(junk), std::string::npos) << bad.err;
  }
  const RunResult directory = sluice({"validate", dir.path("tree")});
  EXPECT_TRUE(exited_with(directory, kFatal)) << describe(directory);
  EXPECT_EQ(vendors.escaped(), "");
}

TEST(Validation, RulesListAndShowTellWhatIsSentWhere) {
  const RunResult list = sluice({"rules", "list", "-f", "json"});
  ASSERT_TRUE(exited_with(list, kClean)) << describe(list);
  const nlohmann::json rules = nlohmann::json::parse(list.out);
  std::size_t validating = 0;
  std::set<std::string> vendors;
  for (const nlohmann::json& rule : rules) {
    if (rule["validation"].is_null()) continue;
    ++validating;
    vendors.insert(rule["vendor"].get<std::string>());
    if (rule["id"] == "posthog_personal_key") {
      EXPECT_EQ(rule["validation"]["hosts"], (nlohmann::json{"us.posthog.com", "eu.posthog.com"}));
    }
  }
  EXPECT_GE(vendors.size(), 40u);
  EXPECT_GE(validating, 40u);
  const RunResult show = sluice({"rules", "show", "github_classic_pat"});
  ASSERT_TRUE(exited_with(show, kClean)) << describe(show);
  EXPECT_NE(show.out.find("GET https://api.github.com/user"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("Authorization: Bearer <secret>"), std::string::npos) << show.out;
}

}  // namespace
}  // namespace sluice::e2e

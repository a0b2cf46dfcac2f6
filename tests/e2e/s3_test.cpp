// s3:// against a real S3 REST server on loopback: s3rver 3 (npm; installed here by the test
// setup, never at scan time) behind a proxy that checks every request's AWS Signature Version 4
// (written below from AWS's specification) and logs the requests it passes on. s3rver itself
// checks no signature: a request sluice signs wrongly fails at the proxy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

constexpr const char* kAccessKey = "AKIDSLUICETESTONLY01";
constexpr const char* kSecretKey = "sluice-test-secret-key-not-real-000000000";

// argv: listen port, upstream port, access key id, secret key, log file. Every request must
// carry a valid SigV4 Authorization for that key (region us-east-1, service s3); it is then
// passed on to the upstream without it (s3rver serves anonymous requests) and logged as
// "METHOD PATH STATUS".
constexpr const char* kSigV4Proxy = R"PY(
import hashlib, hmac, http.client, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, upstream, access_key, secret_key, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
def encode(text, keep_slash):
    return urllib.parse.quote(text, safe=UNRESERVED + ("/" if keep_slash else ""))
def sign(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()
def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")
def check(method, target, headers):
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization"
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, terminal = fields["Credential"].split("/")
    if key_id != access_key or region != "us-east-1" or service != "s3" or terminal != "aws4_request":
        return "wrong credential scope " + fields["Credential"]
    signed = fields["SignedHeaders"].split(";")
    for needed in ("host", "x-amz-date", "x-amz-content-sha256"):
        if needed not in signed:
            return "header not signed: " + needed
    amz_date = headers.get("x-amz-date", "")
    if not amz_date.startswith(date):
        return "x-amz-date does not match the scope"
    payload = headers.get("x-amz-content-sha256", "")
    if payload not in ("UNSIGNED-PAYLOAD", hashlib.sha256(b"").hexdigest()):
        return "x-amz-content-sha256 is not the empty body's hash"
    path, _, query = target.partition("?")
    uri = encode(urllib.parse.unquote(path), True)
    pairs = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        pairs.append((encode(urllib.parse.unquote(name), False), encode(urllib.parse.unquote(value), False)))
    canonical_query = "&".join(n + "=" + v for n, v in sorted(pairs))
    canonical_headers = "".join(h + ":" + " ".join(headers.get(h, "").split()) + "\n" for h in signed)
    request = "\n".join([method, uri, canonical_query, canonical_headers, ";".join(signed), payload])
    scope = "/".join([date, region, service, terminal])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = sign(sign(sign(sign(("AWS4" + secret_key).encode(), date), region), service), terminal)
    if hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest() != fields["Signature"]:
        return "signature does not match"
    return None
class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def relay(self):
        problem = check(self.command, self.path, self.headers)
        if problem:
            body = ("<Error><Code>SignatureDoesNotMatch</Code><Message>%s</Message></Error>" % problem).encode()
            note("%s %s 403 %s" % (self.command, self.path, problem))
            self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        connection = http.client.HTTPConnection("127.0.0.1", upstream)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("range", "if-match")}
        connection.request(self.command, self.path, headers=headers)
        answer = connection.getresponse()
        note("%s %s %d" % (self.command, self.path, answer.status))
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                self.send_header(name, value)
        self.end_headers()
        while True:
            block = answer.read(1 << 20)
            if not block:
                break
            self.wfile.write(block)
        connection.close()
    do_GET = relay
    do_HEAD = relay
ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
)PY";

// argv: s3rver port, bucket, directory: every file under the directory PUT (anonymously,
// straight to s3rver, over one connection) as the key of its relative path.
constexpr const char* kUpload = R"PY(
import http.client, os, sys, urllib.parse
port, bucket, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
connection = http.client.HTTPConnection("127.0.0.1", port)
for directory, _, names in os.walk(root):
    for name in names:
        path = os.path.join(directory, name)
        key = os.path.relpath(path, root)
        with open(path, "rb") as f:
            connection.request("PUT", "/%s/%s" % (bucket, urllib.parse.quote(key)), body=f,
                               headers={"Content-Length": str(os.path.getsize(path))})
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            sys.exit("PUT %s: %d" % (key, answer.status))
)PY";

RunOptions patient(int seconds) {
  RunOptions options;
  options.timeout = std::chrono::seconds(seconds);
  return options;
}

// `sluice scan --s3-endpoint ENDPOINT -f jsonl ARGS...` with no AWS keys in its environment,
// and `environment` (env(1) arguments: NAME=VALUE, -u NAME) on top.
RunResult scan_s3(const std::string& endpoint, const std::vector<std::string>& environment,
                  const std::vector<std::string>& args, int seconds) {
  std::vector<std::string> argv{"env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.insert(argv.end(), {kSluiceBinary, "scan", "--s3-endpoint", endpoint, "-f", "jsonl"});
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, patient(seconds));
}

// s3rver 3, installed once per build tree by npm (the npm registry is reachable from CI; a
// failure here fails the test, it is never skipped).
std::string s3rver_script() {
  const std::filesystem::path prefix = std::filesystem::path(kSluiceBinary).parent_path().parent_path() / "s3rver";
  const std::filesystem::path script = prefix / "node_modules" / "s3rver" / "bin" / "s3rver.js";
  const RunResult installed =
      run({"flock", (prefix.string() + ".lock"), "sh", "-c",
           "test -f " + shell_quoted(script.string()) + " || npm install --prefix " + shell_quoted(prefix.string()) +
               " --no-audit --no-fund --loglevel=error s3rver@3.7.1"},
          patient(600));
  EXPECT_TRUE(exited_with(installed, 0)) << describe(installed);
  return script.string();
}

// Each finding's secret and location: the path relative to `root` ("s3://bkt" or a directory)
// and the line.
std::set<std::pair<std::string, std::string>> secrets_at(const std::vector<Finding>& findings,
                                                         const std::string& root) {
  std::set<std::pair<std::string, std::string>> out;
  for (const Finding& finding : findings) {
    for (const Location& location : finding.locations) {
      EXPECT_EQ(location.path.rfind(root + "/", 0), 0u) << location.path;
      out.emplace(finding.secret, location.path.substr(root.size() + 1) + ":" + std::to_string(location.line));
    }
  }
  return out;
}

std::size_t count_lines(const std::string& text, const std::string& start) {
  std::size_t count = 0;
  for (std::size_t at = 0; (at = text.find(start, at)) != std::string::npos; ++at) {
    if (at == 0 || text[at - 1] == '\n') ++count;
  }
  return count;
}

TEST(S3, ABucketGivesTheFindingsOfItsFilesOnDiskAndARerunWithStateFetchesNothing) {
  const std::string s3rver = s3rver_script();
  ASSERT_TRUE(std::filesystem::exists(s3rver));
  TempDir dir;
  KeyGen gen(2201);
  // More than one listing page of small files, one with a key; an archive with a key; a key at
  // the end of an object of 100 MB; a key outside the prefix scanned later.
  std::vector<std::string> keys;
  for (int k = 0; k < 4; ++k) keys.push_back(gen.personal_key());
  for (int k = 0; k < 1005; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "tree/many/%04d.txt", k);
    dir.write(name, k == 777 ? "token: " + keys[0] + "\n" : gen.filler(40));
  }
  dir.write("stage/config/.env", "POSTHOG_KEY=" + keys[1] + "\n");
  dir.mkdir("tree/arch");
  const RunResult tar = run({"tar", "czf", dir.path("tree/arch/bundle.tgz"), "-C", dir.path("stage"), "config"});
  ASSERT_TRUE(exited_with(tar, 0)) << describe(tar);
  // Its key straddles the boundary of the 6th and 7th 16 MiB segments: the ranges scanned
  // apart must still find it once, on the line a whole scan gives.
  std::string big = gen.filler(std::size_t{100} << 20);
  plant(big, (std::size_t{96} << 20) - 20, keys[2], gen);
  dir.write("tree/big/blob.log", big);
  big.clear();
  dir.write("tree/other dir/key file.env", "PH=" + keys[3] + "\n");

  const int store_port = free_port();
  LoopbackServer store({"node", "--openssl-legacy-provider", s3rver, "-d", dir.mkdir("store"), "-a", "127.0.0.1", "-p",
                        std::to_string(store_port), "--configure-bucket", "bkt"},
                       store_port);
  ASSERT_TRUE(store.running());
  const RunResult upload =
      run({"python3", "-c", kUpload, std::to_string(store_port), "bkt", dir.path("tree")}, patient(300));
  ASSERT_TRUE(exited_with(upload, 0)) << describe(upload);
  const int proxy_port = free_port();
  const std::string log = dir.path("proxy.log");
  LoopbackServer proxy({"python3", "-c", kSigV4Proxy, std::to_string(proxy_port), std::to_string(store_port),
                        kAccessKey, kSecretKey, log},
                       proxy_port);
  ASSERT_TRUE(proxy.running());

  const std::string endpoint = "http://127.0.0.1:" + std::to_string(proxy_port);
  const std::string credentials =
      dir.write("aws/credentials", std::string("[default]\naws_access_key_id = x\n"
                                               "aws_secret_access_key = y\n\n[audit]\n"
                                               "aws_access_key_id = ") +
                                       kAccessKey + "\naws_secret_access_key = " + kSecretKey + "\n");
  // Credentials from the shared credentials file's profile.
  auto scan = [&](const std::vector<std::string>& args, const std::string& profile = "audit") {
    return scan_s3(endpoint, {"AWS_SHARED_CREDENTIALS_FILE=" + credentials, "AWS_PROFILE=" + profile}, args, 300);
  };

  const RunResult local = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(local, kFindings)) << describe(local);
  const auto expected = secrets_at(parse_jsonl(local.out), dir.path("tree"));
  ASSERT_EQ(expected.size(), 4u);

  const std::string state = dir.path("state.db");
  const RunResult whole = scan({"s3://bkt", "--state", state});
  ASSERT_TRUE(exited_with(whole, kFindings)) << describe(whole);
  EXPECT_EQ(secrets_at(parse_jsonl(whole.out), "s3://bkt"), expected);
  EXPECT_EQ(jsonl_summary(whole.out)["files"], 1008) << whole.out.substr(whole.out.rfind('\n', whole.out.size() - 2));
  EXPECT_TRUE(no_secret_on_stderr(whole, {kSecretKey}));
  const std::string first_log = read_file(log);
  EXPECT_EQ(count_lines(first_log, "GET /bkt/?"), 2u) << "two listing pages";
  EXPECT_EQ(count_lines(first_log, "GET /bkt/many/"), 1005u);
  // The big object: its first bytes (plain text, not an archive), then its 7 segments as ranges.
  EXPECT_EQ(count_lines(first_log, "GET /bkt/big/blob.log 206"), 8u) << first_log.substr(first_log.find("big/"), 600);
  EXPECT_EQ(first_log.find(" 403 "), std::string::npos) << first_log.substr(0, 2000);

  // Nothing changed: the same findings, and no object is fetched again.
  std::filesystem::remove(log);
  const RunResult again = scan({"s3://bkt", "--state", state});
  ASSERT_TRUE(exited_with(again, kFindings)) << describe(again);
  EXPECT_EQ(secrets_at(parse_jsonl(again.out), "s3://bkt"), expected);
  EXPECT_EQ(jsonl_summary(again.out)["from_state"], 1008);
  const std::string second_log = read_file(log);
  EXPECT_EQ(count_lines(second_log, "GET /bkt/?"), 2u);
  EXPECT_EQ(count_lines(second_log, "GET "), 2u) << "only the listing: " << second_log.substr(0, 2000);

  // Two shards share the objects out, and the big object's 32 MiB ranges (its key straddles
  // the third and fourth); merged, they are the single scan.
  std::filesystem::remove(log);
  std::vector<std::string> merge{"merge", "-f", "jsonl"};
  for (int shard = 0; shard < 2; ++shard) {
    const std::string out = dir.path("shard" + std::to_string(shard) + ".jsonl");
    const RunResult part = scan({"s3://bkt/many/", "s3://bkt/arch/", "s3://bkt/big/", "--shard",
                                 std::to_string(shard) + "/2", "--shard-split-size", "33554432", "-o", out});
    ASSERT_TRUE(part.exit_code == kClean || part.exit_code == kFindings) << describe(part);
    EXPECT_GT(read_file(out).size(), 0u);
    merge.push_back(out);
  }
  const RunResult merged = sluice(merge);
  ASSERT_TRUE(exited_with(merged, kFindings)) << describe(merged);
  std::set<std::pair<std::string, std::string>> in_shards = expected;
  std::erase_if(in_shards, [](const auto& hit) { return hit.second.rfind("other dir/", 0) == 0; });
  ASSERT_EQ(in_shards.size(), 3u);
  EXPECT_EQ(secrets_at(parse_jsonl(merged.out), "s3://bkt"), in_shards);
  EXPECT_EQ(jsonl_summary(merged.out)["files"], 1007);
  // Each shard sniffs the big object (plain text: it may be cut); its 7 segments are each
  // read by one shard.
  EXPECT_EQ(count_lines(read_file(log), "GET /bkt/big/blob.log 206"), 9u);

  // A prefix.
  const RunResult prefixed = scan({"s3://bkt/arch/"});
  ASSERT_TRUE(exited_with(prefixed, kFindings)) << describe(prefixed);
  EXPECT_EQ(secrets_at(parse_jsonl(prefixed.out), "s3://bkt"),
            (std::set<std::pair<std::string, std::string>>{{keys[1], "arch/bundle.tgz!config/.env:1"}}));

  // A wrong secret key: every request is refused; one line per reference, exit 3, no secret.
  const RunResult refused = scan({"s3://bkt/arch/"}, "default");
  EXPECT_TRUE(exited_with(refused, kIncomplete)) << describe(refused);
  EXPECT_NE(refused.err.find("sluice: error: s3://bkt/arch/: listing: HTTP 403 SignatureDoesNotMatch"),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(no_secret_on_stderr(refused, {"aws_secret_access_key", "= y"}));

  // A missing bucket and a prefix with nothing under it: errors naming them, the rest scanned.
  const RunResult missing = scan({"s3://nobucket", "s3://bkt/nothing-here", "s3://bkt/other dir/"});
  EXPECT_TRUE(exited_with(missing, kIncomplete)) << describe(missing);
  EXPECT_NE(missing.err.find("sluice: error: s3://nobucket: listing: HTTP 404 NoSuchBucket"), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("sluice: error: s3://bkt/nothing-here: no object under this prefix"), std::string::npos)
      << missing.err;
  EXPECT_EQ(secrets_at(parse_jsonl(missing.out), "s3://bkt"),
            (std::set<std::pair<std::string, std::string>>{{keys[3], "other dir/key file.env:1"}}));

  // Plain http to a store that is not on loopback is refused before anything is sent.
  const RunResult clear = sluice({"scan", "s3://bkt", "--s3-endpoint", "http://192.0.2.1:9000"});
  EXPECT_TRUE(exited_with(clear, kFatal)) << describe(clear);
  EXPECT_NE(clear.err.find("plain http only to a loopback address"), std::string::npos) << clear.err;
}

// argv: port, file of the key, log. A store whose buckets misbehave, one way each.
constexpr const char* kHostileStore = R"PY(
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs
from xml.sax.saxutils import escape
port, key_file, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secret = ("TOKEN=" + open(key_file).read().strip() + "\n").encode()
pages = {"n": 0}
def listing(items, truncated=False, token=None):
    text = "<?xml version='1.0' encoding='UTF-8'?><ListBucketResult>"
    for key, size, etag in items:
        text += "<Contents><Key>%s</Key><Size>%d</Size><ETag>%s</ETag></Contents>" % (escape(key), size, etag)
    text += "<IsTruncated>%s</IsTruncated>" % ("true" if truncated else "false")
    if token:
        text += "<NextContinuationToken>%s</NextContinuationToken>" % token
    return (text + "</ListBucketResult>").encode()
class Store(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with open(log, "a") as f:
            f.write("GET " + self.path + "\n")
        url = urlparse(self.path)
        bucket = url.path.split("/")[1]
        if "list-type" in parse_qs(url.query):
            if bucket == "loop":
                return self.send(200, listing([("a.txt", len(secret), '"e1"')], True, "SAME"))
            if bucket == "blank":
                pages["n"] += 1
                return self.send(200, listing([], True, "T%d" % pages["n"]))
            if bucket == "html":
                return self.send(200, b"<html><body>Sign in</body></html>")
            if bucket == "stall":
                return self.send(200, listing([("slow.txt", 1000000, '"e2"')]))
            if bucket == "odd":
                return self.send(200, listing([("a/../b.txt", len(secret), '"e3"'), ("", 5, '"e4"'),
                                               ("plain.txt", len(secret), "")]))
            return self.send(404, b"<Error><Code>NoSuchBucket</Code></Error>")
        if bucket == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(secret)
            self.wfile.flush()
            time.sleep(3600)
            return
        self.send(200, secret)
ThreadingHTTPServer(("127.0.0.1", port), Store).serve_forever()
)PY";

// A store that answers wrongly cannot hold the run, fool it into a complete report, or steer it
// to another path or host; what it did send is scanned.
TEST(S3, AHostileStoreCannotHoldOrFoolTheScan) {
  TempDir dir;
  KeyGen gen(2202);
  const std::string key = gen.personal_key();
  const std::string key_file = dir.write("key", key);
  const std::string log = dir.path("store.log");
  const int port = free_port();
  LoopbackServer store({"python3", "-c", kHostileStore, std::to_string(port), key_file, log}, port);
  ASSERT_TRUE(store.running());
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  // Anonymous: no credentials anywhere.
  auto scan = [&](const std::vector<std::string>& args) {
    return scan_s3(endpoint, {"-u", "AWS_PROFILE", "HOME=" + dir.path("home")}, args, 120);
  };
  auto secrets = [](const RunResult& result) {
    std::set<std::string> out;
    for (const Finding& finding : parse_jsonl(result.out)) {
      for (const Location& location : finding.locations) out.insert(finding.secret + " " + location.path);
    }
    return out;
  };

  // The same continuation token again, or page after page with nothing new: stopped, with what
  // was listed scanned.
  const RunResult loop = scan({"s3://loop", "s3://blank"});
  ASSERT_TRUE(exited_with(loop, kIncomplete)) << describe(loop);
  EXPECT_EQ(secrets(loop), (std::set<std::string>{key + " s3://loop/a.txt"}));
  EXPECT_NE(loop.err.find("sluice: error: s3://loop: listing: the listing repeats itself"), std::string::npos)
      << loop.err;
  EXPECT_NE(loop.err.find("sluice: error: s3://blank: listing: the listing repeats itself"), std::string::npos)
      << loop.err;

  // A page that is not a bucket listing is not an empty bucket.
  const RunResult html = scan({"s3://html"});
  ASSERT_TRUE(exited_with(html, kIncomplete)) << describe(html);
  EXPECT_NE(html.err.find("the answer is not a bucket listing (<html>"), std::string::npos) << html.err;

  // An object that stalls after its first bytes: they are scanned, the time budget ends the
  // read, and the run does not wait on the transfer.
  const auto started = std::chrono::steady_clock::now();
  const RunResult stall = scan({"s3://stall", "--max-input-seconds", "2"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(exited_with(stall, kIncomplete)) << describe(stall);
  EXPECT_EQ(secrets(stall), (std::set<std::string>{key + " s3://stall/slow.txt"}));
  EXPECT_LT(seconds, 30.0) << "the stalled transfer held the run";

  // A key with "..": the object of that name, not another path; an empty key is named as not
  // read; an object with no ETag is scanned again by a run with --state (it could have changed).
  const std::string state = dir.path("state.db");
  const RunResult odd = scan({"s3://odd", "--state", state});
  ASSERT_TRUE(exited_with(odd, kIncomplete)) << describe(odd);
  EXPECT_EQ(secrets(odd), (std::set<std::string>{key + " s3://odd/a/../b.txt", key + " s3://odd/plain.txt"}));
  EXPECT_NE(odd.err.find("s3://odd: the listing names an object with an empty key: not read"), std::string::npos)
      << odd.err;
  EXPECT_NE(read_file(log).find("GET /odd/a/../b.txt\n"), std::string::npos) << read_file(log);
  const RunResult again = scan({"s3://odd", "--state", state});
  EXPECT_EQ(jsonl_summary(again.out)["from_state"], 1) << "only the object with an ETag";

  // An endpoint with userinfo (which could hide another host), and a profile that is not there.
  const RunResult hidden = sluice({"scan", "s3://odd", "--s3-endpoint", "http://127.0.0.1:1@192.0.2.1/"});
  EXPECT_TRUE(exited_with(hidden, kFatal)) << describe(hidden);
  EXPECT_NE(hidden.err.find("no user, password, query or fragment"), std::string::npos) << hidden.err;
  const RunResult profile =
      run({"env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE=nosuch",
           "HOME=" + dir.path("home"), kSluiceBinary, "scan", "s3://odd", "--s3-endpoint", endpoint});
  EXPECT_TRUE(exited_with(profile, kFatal)) << describe(profile);
  EXPECT_NE(profile.err.find("AWS_PROFILE nosuch"), std::string::npos) << profile.err;
}

}  // namespace
}  // namespace sluice::e2e

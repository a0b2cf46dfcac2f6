// oci:// against a loopback imitation of a registry that uses the bearer-token flow (the
// distribution registry only speaks it with a separate token service), sends blobs from a
// storage host by redirect, and serves one blob whose bytes do not match its digest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using nlohmann::json;

// argv: registry port, storage port, directory of blobs/<hex> and manifests/<tag>, log file.
constexpr const char* kTokenRegistry = R"PY(
import base64, json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, storage_port, root, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
realm_host = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1:%d" % port
def note(text):
    with open(log, "a") as f:
        f.write(text + "\n")
def read(path):
    with open(os.path.join(root, path), "rb") as f:
        return f.read()
class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
class Registry(Handler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/token":
            expected = "Basic " + base64.b64encode(b"auditor:s3cret-pass").decode()
            note("token " + self.path.split("?", 1)[1])
            note("token authorization=" + str(self.headers.get("Authorization") is not None))
            if self.headers.get("Authorization") != expected:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad login"}]}')
            return self.send(200, b'{"token":"tok-123"}', [("Content-Type", "application/json")])
        if self.headers.get("Authorization") != "Bearer tok-123":
            realm = 'Bearer realm="http://%s/token",service="fake-registry"' % realm_host
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [("WWW-Authenticate", realm)])
        if path == "/v2/_catalog":
            body = json.dumps({"repositories": ["app", "../escape", "Not A Name"]}).encode()
            return self.send(200, body, [("Content-Type", "application/json")])
        if path == "/v2/app/tags/list":
            body = json.dumps({"name": "app", "tags": ["1", "no good"]}).encode()
            return self.send(200, body, [("Content-Type", "application/json")])
        if path.startswith("/v2/app/manifests/"):
            tag = path.rsplit("/", 1)[1]
            if not os.path.exists(os.path.join(root, "manifests", tag)):
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            body = read("manifests/" + tag)
            return self.send(200, body, [("Content-Type", json.loads(body)["mediaType"])])
        if path.startswith("/v2/app/blobs/sha256:"):
            digest = path.rsplit(":", 1)[1]
            # Layers come from the storage host, as registries backed by object stores send them.
            return self.send(307, b"", [("Location", "http://127.0.0.1:%d/storage/%s" % (storage_port, digest))])
        self.send(404)
class Storage(Handler):
    def do_GET(self):
        note("storage authorization=" + str(self.headers.get("Authorization")))
        self.send(200, read("blobs/" + self.path.rsplit("/", 1)[1]))
storage = ThreadingHTTPServer(("127.0.0.1", storage_port), Storage)
threading.Thread(target=storage.serve_forever, daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", port), Registry).serve_forever()
)PY";

struct Blob {
  std::string digest;
  std::string bytes;
};
Blob blob_of(std::string bytes) { return Blob{"sha256:" + sha256_hex(bytes), std::move(bytes)}; }

TEST(RegistryAuth, BearerTokensRedirectedBlobsAndADigestThatDoesNotMatch) {
  TempDir dir;
  KeyGen gen(44);
  const std::string layer_key = gen.personal_key();
  const std::string env_key = gen.personal_key();
  const std::string bad_key = gen.personal_key();
  const Blob layer = blob_of(make_archive("pax", {"gzip"}, {Member{"etc/app.env", "K=" + layer_key + "\n"}}));
  const Blob config = blob_of(json{{"architecture", "amd64"},
                                   {"os", "linux"},
                                   {"config", {{"Env", {"POSTHOG_PERSONAL_API_KEY=" + env_key}}}},
                                   {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}}
                                  .dump());
  // The bad layer's digest is of other bytes than those the storage serves.
  const Blob served_bad = blob_of(make_archive("pax", {"gzip"}, {Member{"bad.env", "K=" + bad_key + "\n"}}));
  const std::string bad_digest = "sha256:" + sha256_hex("something else");
  for (const Blob* b : {&layer, &config}) dir.write("root/blobs/" + b->digest.substr(7), b->bytes);
  dir.write("root/blobs/" + bad_digest.substr(7), served_bad.bytes);
  const auto manifest = [&](const std::string& layer_digest) {
    return json{{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config.digest}}},
                {"layers", {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"}, {"digest", layer_digest}}}}}
        .dump();
  };
  dir.write("root/manifests/1", manifest(layer.digest));
  dir.write("root/manifests/bad", manifest(bad_digest));

  const std::string script = dir.write("registry.py", kTokenRegistry);
  const std::string log = dir.path("requests.log");
  const int port = free_port();
  const int storage_port = free_port();
  LoopbackServer server({"python3", script, std::to_string(port), std::to_string(storage_port), dir.path("root"), log},
                        port);
  ASSERT_TRUE(server.running()) << "the registry imitation did not start";
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const auto secrets_of = [](const RunResult& result) {
    std::set<std::string> out;
    for (const Finding& finding : parse_jsonl(result.out)) out.insert(finding.secret);
    return out;
  };

  const RunResult ok =
      sluice({"scan", "oci://" + host + "/app:1", "--registry-auth", "auditor:s3cret-pass", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(ok, kFindings)) << describe(ok);
  EXPECT_EQ(secrets_of(ok), (std::set<std::string>{layer_key, env_key}));
  const std::string requests = read_file(log);
  EXPECT_THAT(requests, ::testing::HasSubstr("token service=fake-registry&scope=repository%3Aapp%3Apull"));
  EXPECT_THAT(requests, ::testing::HasSubstr("storage authorization=None"))
      << "the registry's token is not sent to the storage host a blob is redirected to";
  EXPECT_THAT(requests, ::testing::Not(::testing::HasSubstr("storage authorization=Bearer")));
  EXPECT_TRUE(no_secret_on_stderr(ok, {"s3cret-pass", "tok-123"}));

  const RunResult refused = sluice({"scan", "oci://" + host + "/app:1", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(refused, kIncomplete)) << describe(refused);
  EXPECT_THAT(refused.err, ::testing::HasSubstr("token for repository:app:pull refused"));

  const RunResult bad =
      sluice({"scan", "oci://" + host + "/app:bad", "--registry-auth", "auditor:s3cret-pass", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(bad, kIncomplete)) << describe(bad);
  EXPECT_THAT(bad.err, ::testing::HasSubstr("does not match its digest"));
  EXPECT_EQ(secrets_of(bad).count(bad_key), 1u) << "what was read is still reported";

  // The whole registry: names in the catalog and tag list that are not valid are not read, and
  // said so.
  const RunResult whole =
      sluice({"scan", "oci://" + host + "/", "--registry-auth", "auditor:s3cret-pass", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(whole, kIncomplete)) << describe(whole);
  EXPECT_EQ(secrets_of(whole), (std::set<std::string>{layer_key, env_key}));
  EXPECT_THAT(whole.err, ::testing::HasSubstr("oci://" + host +
                                              "/: catalog: 2 names that are not valid repository "
                                              "names: not read"));
  EXPECT_THAT(whole.err,
              ::testing::HasSubstr("oci://" + host + "/app: tags: 1 name that is not a valid tag: not read"));

  // A local tarball whose member is named by the layer's digest, with other bytes, does not
  // stand for the registry's layer: the layer is still fetched and its key found.
  const std::string decoy =
      dir.write("decoy.tar", make_archive("pax", {}, {Member{"blobs/sha256/" + layer.digest.substr(7), "harmless\n"}}));
  const RunResult both =
      sluice({"scan", decoy, "oci://" + host + "/app:1", "--registry-auth", "auditor:s3cret-pass", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(both, kFindings)) << describe(both);
  EXPECT_EQ(secrets_of(both), (std::set<std::string>{layer_key, env_key}));

  // A token realm on a host other than the registry's, over plain http, gets no credentials.
  const std::string other_log = dir.path("other.log");
  const int other_port = free_port();
  LoopbackServer other({"python3", script, std::to_string(other_port), std::to_string(free_port()), dir.path("root"),
                        other_log, "localhost:" + std::to_string(other_port)},
                       other_port);
  ASSERT_TRUE(other.running());
  const RunResult elsewhere = sluice({"scan", "oci://127.0.0.1:" + std::to_string(other_port) + "/app:1",
                                      "--registry-auth", "auditor:s3cret-pass", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(elsewhere, kIncomplete)) << describe(elsewhere);
  EXPECT_THAT(read_file(other_log), ::testing::HasSubstr("token authorization=False"));
  EXPECT_THAT(read_file(other_log), ::testing::Not(::testing::HasSubstr("token authorization=True")));
}

}  // namespace
}  // namespace sluice::e2e

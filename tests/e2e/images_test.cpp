// End-to-end: container images built here as `docker save` tarballs and OCI image layouts.
// Two images share a base layer: the layer is scanned once and reported for each image; a
// key in the image config (ENV) is reported as such; a file whited out by a later layer is
// reported with the layer that deleted it (it is still in the distributed image).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using nlohmann::json;

struct Blob {
  std::string digest;  // "sha256:<hex>"
  std::string bytes;
  [[nodiscard]] std::string path() const { return "blobs/sha256/" + digest.substr(7); }
};

Blob blob(std::string bytes) {
  Blob b{"sha256:" + sha256_hex(bytes), std::move(bytes)};
  return b;
}

// Two images: app:1 = base + top1, app:2 = base + top2 (which whites out etc/old.env).
struct Images {
  KeyGen gen{41};
  std::string layer_key = gen.personal_key();    // etc/app.env in the base layer
  std::string deleted_key = gen.personal_key();  // etc/old.env in the base layer, deleted by top2
  std::string env_key = gen.personal_key();      // ENV in app:1's config
  std::vector<std::string> layer_filters;        // {} for docker save, {"gzip"} for OCI
  Blob base, top1, top2, config1, config2;

  explicit Images(std::vector<std::string> filters) : layer_filters(std::move(filters)) {
    base = blob(make_archive("pax", layer_filters,
                             {Member{"etc/", "", Member::Kind::kDirectory},
                              Member{"etc/app.env", "POSTHOG_PERSONAL_API_KEY=" + layer_key + "\n"},
                              Member{"etc/old.env", "POSTHOG_PERSONAL_API_KEY=" + deleted_key + "\n"},
                              Member{"usr/share/doc/readme", gen.filler(5000)}}));
    top1 = blob(make_archive("pax", layer_filters, {Member{"srv/index.html", gen.filler(300)}}));
    top2 = blob(
        make_archive("pax", layer_filters, {Member{"etc/.wh.old.env", ""}, Member{"srv/app.py", gen.filler(200)}}));
    config1 = blob(config({base, top1}, {"PATH=/usr/bin", "POSTHOG_PERSONAL_API_KEY=" + env_key}));
    config2 = blob(config({base, top2}, {"PATH=/usr/bin"}));
  }

  static std::string config(const std::vector<Blob>& layers, const std::vector<std::string>& env) {
    json diff_ids = json::array();
    for (const Blob& layer : layers) diff_ids.push_back(layer.digest);
    json history = json::array();
    for (const std::string& e : env) history.push_back({{"created_by", "/bin/sh -c #(nop)  ENV " + e}});
    return json{{"architecture", "amd64"},
                {"os", "linux"},
                {"config", {{"Env", env}}},
                {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
                {"history", history}}
        .dump();
  }

  // A `docker save` tarball of the given images (1 and/or 2).
  std::string docker_save(const std::vector<int>& which) const {
    std::vector<Member> members;
    std::map<std::string, const Blob*> blobs;
    json manifest = json::array();
    for (int image : which) {
      const Blob& config = image == 1 ? config1 : config2;
      const Blob& top = image == 1 ? top1 : top2;
      manifest.push_back({{"Config", config.path()},
                          {"RepoTags", {"app:" + std::to_string(image)}},
                          {"Layers", {base.path(), top.path()}}});
      for (const Blob* b : {&base, &top, &config}) blobs[b->path()] = b;
    }
    for (const auto& [path, b] : blobs) members.push_back(Member{path, b->bytes});
    members.push_back(Member{"manifest.json", manifest.dump()});
    members.push_back(Member{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"});
    return make_archive("pax", {}, members);
  }

  // An OCI image layout (files relative to its root) holding app:1.
  std::map<std::string, std::string> oci_layout() const {
    const json manifest = {{"schemaVersion", 2},
                           {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                           {"config", {{"digest", config1.digest}, {"size", config1.bytes.size()}}},
                           {"layers",
                            {{{"digest", base.digest}, {"size", base.bytes.size()}},
                             {{"digest", top1.digest}, {"size", top1.bytes.size()}}}}};
    const Blob manifest_blob = blob(manifest.dump());
    const json index = {{"schemaVersion", 2},
                        {"manifests",
                         {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                           {"digest", manifest_blob.digest},
                           {"size", manifest_blob.bytes.size()},
                           {"annotations", {{"org.opencontainers.image.ref.name", "registry.example/app:1"}}}}}}};
    std::map<std::string, std::string> files;
    for (const Blob* b : {&base, &top1, &config1, &manifest_blob}) files[b->path()] = b->bytes;
    files["index.json"] = index.dump();
    files["oci-layout"] = R"({"imageLayoutVersion":"1.0.0"})";
    return files;
  }
};

// (image name, layer or "config", deleted_in_layer, path) of each location of `key`.
std::vector<std::vector<std::string>> image_locations(const RunResult& result, const std::string& key) {
  std::vector<std::vector<std::string>> out;
  for (const Finding& finding : parse_jsonl(result.out)) {
    if (finding.secret != key) continue;
    for (const json& at : finding.raw["locations"]) {
      if (!at.contains("image")) {
        out.push_back({"(no image)", "", "", at["path"].get<std::string>()});
        continue;
      }
      const json& image = at["image"];
      out.push_back({image["name"].get<std::string>(),
                     image.value("config", false) ? std::string("config") : image["layer"].get<std::string>(),
                     image.value("deleted_in_layer", std::string()), at["path"].get<std::string>()});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Images, DockerSaveOfTwoImagesSharingABaseLayer) {
  TempDir dir;
  Images images({});
  const std::string tar = dir.write("images.tar", images.docker_save({1, 2}));
  const RunResult result = sluice({"scan", tar, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  const std::string base_path = tar + "!" + images.base.path();
  EXPECT_EQ(image_locations(result, images.layer_key),
            (std::vector<std::vector<std::string>>{{"app:1", images.base.digest, "", base_path + "!etc/app.env"},
                                                   {"app:2", images.base.digest, "", base_path + "!etc/app.env"}}));
  EXPECT_EQ(image_locations(result, images.deleted_key),
            (std::vector<std::vector<std::string>>{
                {"app:1", images.base.digest, "", base_path + "!etc/old.env"},
                {"app:2", images.base.digest, images.top2.digest, base_path + "!etc/old.env"}}));
  // Twice in the config: in Env and in the history's build command.
  EXPECT_EQ(image_locations(result, images.env_key),
            (std::vector<std::vector<std::string>>(2, {"app:1", "config", "", tar + "!" + images.config1.path()})));
  // The text report names the image, the layer and the deletion.
  const RunResult text = sluice({"scan", tar});
  EXPECT_THAT(text.out, ::testing::HasSubstr("image app:2 layer " + images.base.digest + ", deleted in layer " +
                                             images.top2.digest + " (still in the image)"));
  EXPECT_THAT(text.err, ::testing::HasSubstr("2 images"));
}

TEST(Images, SharedLayerInTwoTarballsIsScannedOnceAndReportedForEachImage) {
  TempDir dir;
  Images images({});
  const std::string one = dir.write("app1.tar", images.docker_save({1}));
  const std::string two = dir.write("app2.tar", images.docker_save({2}));
  const RunResult result = sluice({"scan", one, two, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  const auto locations = image_locations(result, images.layer_key);
  ASSERT_EQ(locations.size(), 2u) << describe(result, true);
  EXPECT_EQ(locations[0][0], "app:1");
  EXPECT_EQ(locations[0][3], one + "!" + images.base.path() + "!etc/app.env");
  EXPECT_EQ(locations[1][0], "app:2");
  EXPECT_EQ(locations[1][3], two + "!" + images.base.path() + "!etc/app.env");
  // The base layer blob of the second tarball was not read again (nor its identical
  // oci-layout file).
  EXPECT_THAT(result.err, ::testing::HasSubstr("2 duplicates not rescanned")) << describe(result);
}

TEST(Images, OciLayoutDirectoryAndTarball) {
  TempDir dir;
  Images images({"gzip"});
  std::vector<Member> members;
  for (const auto& [path, bytes] : images.oci_layout()) {
    dir.write("layout/" + path, bytes);
    members.push_back(Member{path, bytes});
  }
  const std::string layout = dir.path("layout");
  const std::string tar = dir.write("oci.tar", make_archive("pax", {}, members));
  for (const std::string& input : {layout, tar}) {
    const RunResult result = sluice({"scan", input, "-f", "jsonl"});
    EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
    const std::string sep = input == layout ? "/" : "!";
    EXPECT_EQ(image_locations(result, images.layer_key),
              (std::vector<std::vector<std::string>>{{"registry.example/app:1", images.base.digest, "",
                                                      input + sep + images.base.path() + "!etc/app.env"}}))
        << input;
    EXPECT_EQ(image_locations(result, images.env_key),
              (std::vector<std::vector<std::string>>(
                  2, {"registry.example/app:1", "config", "", input + sep + images.config1.path()})))
        << input;
  }
}

// Regression: a layer cut short (a docker save whose layer was truncated) lost the files read
// before the cut; they are reported with their image and layer, and the cut is named.
TEST(Images, TruncatedLayerYieldsTheFilesBeforeTheCut) {
  TempDir dir;
  KeyGen gen(42);
  const std::string key = gen.personal_key();
  std::vector<Member> files{Member{"etc/app.env", "POSTHOG_PERSONAL_API_KEY=" + key + "\n"}};
  for (int k = 0; k < 8; ++k) {
    std::string noise(65536, '\0');
    for (char& c : noise) c = static_cast<char>(gen.rng()() & 0xff);
    files.push_back(Member{"usr/lib/" + std::to_string(k) + ".so", noise});
  }
  for (const std::vector<std::string>& filters : {std::vector<std::string>{}, std::vector<std::string>{"gzip"}}) {
    std::string cut = make_archive("pax", filters, files);
    // Not on a member boundary: a tar cut there reads like one without its end marker.
    cut.resize(cut.size() / 2 + 1000);
    const Blob layer = blob(cut);
    const Blob config = blob(Images::config({layer}, {"PATH=/usr/bin"}));
    const json manifest =
        json::array({{{"Config", config.path()}, {"RepoTags", {"app:cut"}}, {"Layers", {layer.path()}}}});
    const std::string tar =
        dir.write(filters.empty() ? "cut.tar" : "cut-gz.tar",
                  make_archive("pax", {},
                               {Member{layer.path(), layer.bytes}, Member{config.path(), config.bytes},
                                Member{"manifest.json", manifest.dump()}}));
    const RunResult result = sluice({"scan", tar, "-f", "jsonl"});
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
    EXPECT_EQ(image_locations(result, key),
              (std::vector<std::vector<std::string>>{
                  {"app:cut", layer.digest, "", tar + "!" + layer.path() + "!etc/app.env"}}))
        << describe(result, true);
    EXPECT_THAT(result.err, ::testing::HasSubstr("sluice: error: " + tar + "!" + layer.path() +
                                                 ": truncated or corrupt archive after "))
        << describe(result);
  }
}

// A bomb file in a layer costs only itself: it is cut at the expansion limit and named with its
// layer, and the files after it in the layer are reported with their image (issue 18). The
// layer is gzip'd (about 300 KB for 300 MiB of zeros), as in an OCI layout or a registry.
TEST(Images, BombFileInALayerCostsOnlyItself) {
  TempDir dir;
  KeyGen gen(43);
  const std::string key = gen.personal_key();
  const Blob layer = blob(make_archive("pax", {"gzip"},
                                       {Member{"var/zeros.img", std::string(std::size_t{300} << 20, '\0')},
                                        Member{"etc/app.env", "POSTHOG_PERSONAL_API_KEY=" + key + "\n"}}));
  const Blob config = blob(Images::config({layer}, {"PATH=/usr/bin"}));
  const json manifest =
      json::array({{{"Config", config.path()}, {"RepoTags", {"app:bomb"}}, {"Layers", {layer.path()}}}});
  const std::string tar =
      dir.write("bomb-image.tar", make_archive("pax", {},
                                               {Member{layer.path(), layer.bytes}, Member{config.path(), config.bytes},
                                                Member{"manifest.json", manifest.dump()}}));
  RunOptions options;
  options.timeout = std::chrono::seconds(120);
  const RunResult result = sluice({"scan", tar, "-f", "jsonl"}, options);
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_EQ(image_locations(result, key),
            (std::vector<std::vector<std::string>>{
                {"app:bomb", layer.digest, "", tar + "!" + layer.path() + "!etc/app.env"}}))
      << describe(result, true);
  EXPECT_THAT(result.err, ::testing::HasSubstr("sluice: error: " + tar + "!" + layer.path() +
                                               "!var/zeros.img: member over the expansion limit"))
      << describe(result);
}

// ----------------------------------------------------------------------------- registries

// A CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, its storage and access
// log under `dir`; with `htpasswd` (a file of bcrypt entries) every request needs credentials.
class Registry {
 public:
  Registry(const TempDir& dir, const std::string& name, const std::string& htpasswd = {})
      : log_(dir.path(name + "-access.log")) {
    for (int attempt = 0; attempt < 5 && !(server_ && server_->running()); ++attempt) {
      port_ = free_port();
      std::string config =
          "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\nstorage:\n"
          "  filesystem:\n    rootdirectory: " +
          dir.path(name + "-data") + "\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n";
      if (!htpasswd.empty()) config += "auth:\n  htpasswd:\n    realm: sluice-test\n    path: " + htpasswd + "\n";
      const std::string file = dir.write(name + ".yml", config);
      server_ =
          std::make_unique<LoopbackServer>(std::vector<std::string>{"docker-registry", "serve", file}, port_, log_);
    }
  }
  [[nodiscard]] bool running() const { return server_ && server_->running(); }
  [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // GET requests for blobs in the access log: path -> count.
  [[nodiscard]] std::map<std::string, int> blob_gets() const {
    std::map<std::string, int> out;
    std::istringstream lines(read_file(log_));
    for (std::string line; std::getline(lines, line);) {
      const std::size_t at = line.find("\"GET /v2/");
      if (at == std::string::npos || line.find("/blobs/sha256:", at) == std::string::npos) continue;
      const std::size_t start = at + 5;
      ++out[line.substr(start, line.find(' ', start) - start)];
    }
    return out;
  }

 private:
  std::string log_;
  int port_ = 0;
  std::unique_ptr<LoopbackServer> server_;
};

// skopeo copies image `tag` ("app:1") of a docker save tarball to the registry as `target`.
void push(const std::string& tar, const std::string& tag, const std::string& target, const std::string& creds = {}) {
  std::vector<std::string> argv{"skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"};
  if (!creds.empty()) argv.insert(argv.end(), {"--dest-creds", creds});
  argv.insert(argv.end(), {"docker-archive:" + tar + ":" + tag, "docker://" + target});
  const RunResult result = run(argv, RunOptions{{}, {}, false, std::chrono::seconds(120)});
  ASSERT_TRUE(exited_with(result, 0)) << describe(result);
}

// (tag, "config" or "layer", deleted or not, path inside the blob) of every location of `key`:
// what a registry scan and a tarball scan of the same images share (layer digests differ:
// the registry holds the layers compressed).
std::multiset<std::string> image_facts(const RunResult& result, const std::string& key) {
  std::multiset<std::string> out;
  for (const std::vector<std::string>& at : image_locations(result, key)) {
    std::string tag = at[0];
    if (const std::size_t slash = tag.rfind('/'); tag.rfind("oci://", 0) == 0 && slash != std::string::npos) {
      tag = tag.substr(slash + 1);
      tag = tag.substr(0, tag.find('@'));
    }
    const std::string inner = at[1] == "config" ? "" : at[3].substr(at[3].rfind('!') + 1);
    out.insert(tag + " " + (at[1] == "config" ? "config" : "layer") + " " + (at[2].empty() ? "kept" : "deleted") + " " +
               inner);
  }
  return out;
}

TEST(Registry, ImagesInARegistryGiveTheFindingsOfTheirTarballsEachBlobFetchedOnce) {
  TempDir dir;
  Images images({});
  const std::string tar = dir.write("images.tar", images.docker_save({1, 2}));
  Registry registry(dir, "open");
  ASSERT_TRUE(registry.running()) << "docker-registry did not start on loopback";
  push(tar, "app:1", registry.host() + "/app:1");
  push(tar, "app:2", registry.host() + "/app:2");
  push(tar, "app:1", registry.host() + "/team/other:v1");

  const RunResult local = sluice({"scan", tar, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(local, kFindings)) << describe(local);
  const std::map<std::string, int> before = registry.blob_gets();
  ASSERT_TRUE(before.empty()) << "pushes are PUT and HEAD requests";
  const RunResult remote = sluice({"scan", "oci://" + registry.host() + "/app*", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(remote, kFindings)) << describe(remote);
  for (const std::string& key : {images.layer_key, images.deleted_key, images.env_key}) {
    EXPECT_EQ(image_facts(remote, key), image_facts(local, key)) << key;
  }
  // app:1 and app:2 share the base layer: 3 layers and 2 configs, each fetched once.
  const std::map<std::string, int> gets = registry.blob_gets();
  EXPECT_EQ(gets.size(), 5u) << remote.err;
  for (const auto& [path, count] : gets) EXPECT_EQ(count, 1) << path;
  EXPECT_EQ(jsonl_summary(remote.out)["images"], 2);

  // The whole registry: team/other:v1 (app:1 again) adds an image and no blob.
  const RunResult whole = sluice({"scan", "oci://" + registry.host() + "/", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(whole, kFindings)) << describe(whole);
  EXPECT_EQ(jsonl_summary(whole.out)["images"], 3);
  EXPECT_EQ(image_locations(whole, images.env_key).size(), 4u) << "twice in each config of app:1";
  for (const auto& [path, count] : registry.blob_gets()) EXPECT_LE(count, 2) << path;

  // Two shards share the images out (each reads all the layers of its images); merged, they
  // report what one scan does.
  std::vector<std::string> merge{"merge", "-f", "jsonl"};
  for (const char* shard : {"0/2", "1/2"}) {
    const std::string out = dir.path(std::string("shard-") + shard[0] + ".jsonl");
    const RunResult part = sluice({"scan", "oci://" + registry.host() + "/", "--shard", shard, "-o", out});
    ASSERT_TRUE(exited_with(part, kClean) || exited_with(part, kFindings)) << describe(part);
    merge.push_back(out);
  }
  const RunResult merged = sluice(merge);
  ASSERT_TRUE(exited_with(merged, kFindings)) << describe(merged);
  EXPECT_EQ(flatten(parse_jsonl(merged.out)), flatten(parse_jsonl(whole.out)));
  EXPECT_EQ(jsonl_summary(merged.out)["images"], 3);

  // --state: a re-audit fetches only blobs no earlier run scanned, and reports the same.
  const std::string state = dir.path("registry.state");
  const auto fetched_since = [&](const std::map<std::string, int>& earlier) {
    int count = 0;
    for (const auto& [path, n] : registry.blob_gets()) {
      const auto found = earlier.find(path);
      count += n - (found == earlier.end() ? 0 : found->second);
    }
    return count;
  };
  std::map<std::string, int> mark = registry.blob_gets();
  const RunResult audit1 = sluice({"scan", "oci://" + registry.host() + "/app:1", "--state", state, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(audit1, kFindings)) << describe(audit1);
  EXPECT_EQ(fetched_since(mark), 3) << "app:1: base, top and config";
  mark = registry.blob_gets();
  const RunResult audit2 = sluice({"scan", "oci://" + registry.host() + "/app*", "--state", state, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(audit2, kFindings)) << describe(audit2);
  EXPECT_EQ(fetched_since(mark), 2) << "app:2's own top layer and config only";
  for (const std::string& key : {images.layer_key, images.deleted_key, images.env_key}) {
    EXPECT_EQ(image_facts(audit2, key), image_facts(remote, key)) << key;
  }
  mark = registry.blob_gets();
  const RunResult audit3 = sluice({"scan", "oci://" + registry.host() + "/app*", "--state", state, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(audit3, kFindings)) << describe(audit3);
  EXPECT_EQ(fetched_since(mark), 0);
  EXPECT_EQ(flatten(parse_jsonl(audit3.out)), flatten(parse_jsonl(audit2.out)));

  // A multi-platform index of app:1 (amd64) and app:2 (arm64): every platform, or one.
  const auto digest_of = [&](const std::string& tag) {
    const RunResult head = run({"curl", "-sfI", "-H", "Accept: application/vnd.docker.distribution.manifest.v2+json",
                                "http://" + registry.host() + "/v2/app/manifests/" + tag});
    const std::size_t at = head.out.find("sha256:", head.out.find("Docker-Content-Digest"));
    return at == std::string::npos ? std::string() : head.out.substr(at, 71);
  };
  const json index = {{"schemaVersion", 2},
                      {"mediaType", "application/vnd.oci.image.index.v1+json"},
                      {"manifests",
                       {{{"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                         {"digest", digest_of("1")},
                         {"size", 1},
                         {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}},
                        {{"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
                         {"digest", digest_of("2")},
                         {"size", 1},
                         {"platform", {{"os", "linux"}, {"architecture", "arm64"}}}}}}};
  const RunResult put = run({"curl", "-sf", "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.index.v1+json",
                             "--data-binary", index.dump(), "http://" + registry.host() + "/v2/app/manifests/multi"});
  ASSERT_TRUE(exited_with(put, 0)) << describe(put);
  const RunResult both = sluice({"scan", "oci://" + registry.host() + "/app:multi", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(both, kFindings)) << describe(both);
  EXPECT_EQ(jsonl_summary(both.out)["images"], 2);
  const RunResult arm =
      sluice({"scan", "oci://" + registry.host() + "/app:multi", "--platform", "linux/arm64", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(arm, kFindings)) << describe(arm);
  EXPECT_EQ(jsonl_summary(arm.out)["images"], 1);
  EXPECT_TRUE(image_locations(arm, images.env_key).empty()) << "app:1's config is the amd64 image's";
  EXPECT_EQ(image_facts(arm, images.deleted_key), (std::multiset<std::string>{"app:multi layer deleted etc/old.env"}));

  // A tag that is not there: one error naming it, exit 3, the other image still reported.
  const RunResult missing =
      sluice({"scan", "oci://" + registry.host() + "/app:nope", "oci://" + registry.host() + "/app:1", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(missing, kIncomplete)) << describe(missing);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("sluice: error: oci://" + registry.host() + "/app:nope: manifest: "));
  EXPECT_THAT(missing.err, ::testing::HasSubstr("MANIFEST_UNKNOWN"));
  EXPECT_EQ(image_facts(missing, images.env_key),
            (std::multiset<std::string>{"app:1 config kept ", "app:1 config kept "}));
}

TEST(Registry, APasswordProtectedRegistryTakesCredentialsAndNeverShowsThem) {
  TempDir dir;
  Images images({});
  const std::string tar = dir.write("images.tar", images.docker_save({1}));
  KeyGen gen(43);
  const std::string password = "pw-" + gen.personal_key().substr(4, 16);
  const RunResult hash = run({"htpasswd", "-Bbn", "auditor", password});
  ASSERT_TRUE(exited_with(hash, 0)) << describe(hash);
  const std::string htpasswd = dir.write("htpasswd", hash.out);
  Registry registry(dir, "locked", htpasswd);
  ASSERT_TRUE(registry.running()) << "docker-registry did not start on loopback";
  push(tar, "app:1", registry.host() + "/app:1", "auditor:" + password);
  const std::string ref = "oci://" + registry.host() + "/app:1";

  const RunResult refused = sluice({"scan", ref, "-f", "jsonl"}, RunOptions{});
  ASSERT_TRUE(exited_with(refused, kIncomplete)) << describe(refused);
  EXPECT_THAT(refused.err, ::testing::HasSubstr("asks for credentials"));
  EXPECT_TRUE(parse_jsonl(refused.out).empty());

  const RunResult wrong = sluice({"scan", ref, "--registry-auth", "auditor:not-it", "-f", "jsonl"});
  ASSERT_TRUE(exited_with(wrong, kIncomplete)) << describe(wrong);
  EXPECT_THAT(wrong.err, ::testing::HasSubstr("401"));

  const RunResult given = sluice({"scan", ref, "--registry-auth", "auditor:" + password, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(given, kFindings)) << describe(given);
  EXPECT_EQ(image_facts(given, images.layer_key), (std::multiset<std::string>{"app:1 layer kept etc/app.env"}));
  EXPECT_TRUE(no_secret_on_stderr(given, {password}));
  EXPECT_EQ(given.out.find(password), std::string::npos);

  // From a docker config's "auths" (what `docker login` writes).
  const RunResult encoded = run({"bash", "-c", "printf %s " + shell_quoted("auditor:" + password) + " | base64 -w0"});
  dir.write("docker/config.json", json{{"auths", {{registry.host(), {{"auth", encoded.out}}}}}}.dump());
  const RunResult configured =
      run({"env", "DOCKER_CONFIG=" + dir.path("docker"), kSluiceBinary, "scan", ref, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(configured, kFindings)) << describe(configured);
  EXPECT_EQ(image_facts(configured, images.layer_key), image_facts(given, images.layer_key));
}

}  // namespace
}  // namespace sluice::e2e

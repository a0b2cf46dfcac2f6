#pragma once
// Container images in registries (`sluice scan oci://...`) as inputs of a scan: the images
// the references name (every repository and tag of a registry or a prefix, every platform of
// an index unless one is chosen), each as an ImageRecord whose config and layers are blobs
// named by digest; each distinct blob is one input, fetched once per run whatever the number
// of images that share it, streamed through the scanner (gzip and zstd layers decompressed on
// the way) and checked against its digest. Layers are never written to disk.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/registry.hpp"
#include "pipeline/finding_set.hpp"
#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

struct RegistryOptions {
  std::string platform;                                // "os/arch[/variant]"; empty: every platform
  std::vector<std::string> insecure_hosts;             // plain http besides loopback
  std::optional<io::RegistryCredentials> credentials;  // --registry-auth, for every host
  const std::atomic<bool>* stop = nullptr;
  // Under --shard: whether an image (by name) is this shard's; its blobs are then read here
  // (a layer shared with another shard's image is read there too). Empty: every image.
  std::function<bool(const std::string&)> mine;
};

// One blob to fetch and scan.
struct RegistryBlob {
  io::RegistryClient* client = nullptr;
  std::string repository;  // one that holds it
  io::BlobDescriptor blob;
  std::string label;  // oci://host/repository@sha256:... (messages)
  ContentId id;       // registry_blob_id(host, digest)
};

// The content id of a registry blob: its digest's, in a space of its own per registry host. A
// registry blob's bytes are checked against its digest, a file named by a digest in a local
// tarball is not: neither may stand for the other, and one registry's blobs (it may serve any
// bytes under any digest) never stand for another's.
[[nodiscard]] ContentId registry_blob_id(const std::string& host, const std::string& digest);

// What the references name, resolved before the scan (catalog, tags and manifests: small
// requests); the blobs are read during it.
class RegistrySources {
 public:
  // Resolves `references` (oci://...). Problems (a host that does not answer, a missing tag, a
  // manifest of an unknown type) are `issues`; everything else is kept.
  static std::shared_ptr<RegistrySources> resolve(const std::vector<std::string>& references,
                                                  const RegistryOptions& options, std::vector<InputIssue>& issues);

  [[nodiscard]] const std::vector<RegistryBlob>& blobs() const noexcept { return blobs_; }
  [[nodiscard]] const std::vector<ImageRecord>& images() const noexcept { return images_; }
  [[nodiscard]] const RegistryBlob* blob(const std::string& label) const;
  [[nodiscard]] io::HttpClient& http() const noexcept { return *http_; }

 private:
  std::unique_ptr<io::HttpClient> http_;
  std::vector<std::unique_ptr<io::RegistryClient>> clients_;
  std::vector<RegistryBlob> blobs_;
  std::unordered_map<std::string, std::size_t> by_label_;  // into blobs_
  std::vector<ImageRecord> images_;
};

// True when `host` ("name[:port]") is loopback: 127.0.0.0/8, ::1 or localhost.
[[nodiscard]] bool loopback_host(const std::string& host);

}  // namespace sluice::pipeline

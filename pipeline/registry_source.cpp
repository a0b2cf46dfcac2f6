#include "pipeline/registry_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include <xxhash.h>

#include "pipeline/archive_scan.hpp"

namespace sluice::pipeline {

bool loopback_host(const std::string& host) {
  std::string name = host;
  if (!name.empty() && name.front() == '[') {
    name = name.substr(1, name.find(']') - 1);
  } else if (const std::size_t colon = name.rfind(':'); colon != std::string::npos) {
    name = name.substr(0, colon);
  }
  if (name == "localhost" || name == "::1") return true;
  if (name.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (const char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

namespace {

// "1 name that is not a valid tag", "2 names that are not valid tags".
std::string invalid_names(std::size_t count, const char* what) {
  return count == 1 ? fmt::format("1 name that is not a valid {}", what)
                    : fmt::format("{} names that are not valid {}s", count, what);
}

}  // namespace

ContentId registry_blob_id(const std::string& host, const std::string& digest) {
  ContentId id = digest_content_id(digest);
  const std::string space = "oci-registry:" + host;
  id.high ^= XXH3_64bits(space.data(), space.size());
  return id;
}

std::shared_ptr<RegistrySources> RegistrySources::resolve(const std::vector<std::string>& references,
                                                          const RegistryOptions& options,
                                                          std::vector<InputIssue>& issues) {
  auto out = std::make_shared<RegistrySources>();
  io::HttpOptions http_options;
  http_options.stop = options.stop;
  out->http_ = std::make_unique<io::HttpClient>(http_options);
  std::map<std::string, io::RegistryClient*> by_host;
  std::map<std::string, std::size_t> blob_index;  // host and digest -> blobs_
  std::set<std::string> image_names;
  auto client_for = [&](const std::string& host) {
    auto found = by_host.find(host);
    if (found != by_host.end()) return found->second;
    const bool plain = loopback_host(host) || std::find(options.insecure_hosts.begin(), options.insecure_hosts.end(),
                                                        host) != options.insecure_hosts.end();
    auto credentials = options.credentials ? options.credentials : io::docker_config_credentials(host);
    out->clients_.push_back(std::make_unique<io::RegistryClient>(*out->http_, host, plain, std::move(credentials)));
    return by_host[host] = out->clients_.back().get();
  };
  auto add_blob = [&](io::RegistryClient& client, const std::string& repository, const io::BlobDescriptor& blob) {
    if (!blob_index.emplace(client.host() + " " + blob.digest, out->blobs_.size()).second) return;
    out->blobs_.push_back(RegistryBlob{&client, repository, blob,
                                       fmt::format("oci://{}/{}@{}", client.host(), repository, blob.digest),
                                       registry_blob_id(client.host(), blob.digest)});
  };
  auto add_images = [&](io::RegistryClient& client, const std::string& repository, const std::string& reference) {
    std::vector<std::string> errors;
    for (io::RemoteImage& image : client.images(repository, reference, options.platform, errors)) {
      if (!image_names.insert(image.name).second) continue;
      if (options.mine && !options.mine(image.name)) continue;
      ImageRecord record;
      record.name = image.name;
      add_blob(client, repository, image.config);
      record.config = ImageRecord::Blob{
          image.config.digest, {image.name, image.config.digest}, registry_blob_id(client.host(), image.config.digest)};
      for (const io::BlobDescriptor& layer : image.layers) {
        add_blob(client, repository, layer);
        record.layers.push_back(
            ImageRecord::Blob{layer.digest, {image.name, layer.digest}, registry_blob_id(client.host(), layer.digest)});
      }
      out->images_.push_back(std::move(record));
    }
    for (std::string& error : errors) {
      const char* separator = reference.rfind("sha256:", 0) == 0 ? "@" : ":";
      issues.push_back(InputIssue{fmt::format("oci://{}/{}{}{}", client.host(), repository, separator, reference),
                                  std::move(error)});
    }
  };
  for (const std::string& text : references) {
    if (options.stop != nullptr && options.stop->load()) break;
    std::string error;
    const auto reference = io::parse_oci_reference(text, &error);
    if (!reference) {
      issues.push_back(InputIssue{io::shown_url(text), error});
      continue;
    }
    io::RegistryClient& client = *client_for(reference->host);
    if (!reference->repository.empty()) {
      add_images(client, reference->repository, reference->digest.empty() ? reference->tag : reference->digest);
      continue;
    }
    std::size_t invalid = 0;
    std::vector<std::string> repositories = client.repositories(&error, &invalid);
    if (!error.empty()) issues.push_back(InputIssue{text, fmt::format("catalog: {}", error)});
    if (invalid != 0) {
      issues.push_back(
          InputIssue{text, fmt::format("catalog: {}: not read", invalid_names(invalid, "repository name"))});
    }
    std::erase_if(repositories, [&](const std::string& name) { return name.rfind(reference->prefix, 0) != 0; });
    for (const std::string& repository : repositories) {
      std::string tags_error;
      std::size_t invalid_tags = 0;
      const std::vector<std::string> tags = client.tags(repository, &tags_error, &invalid_tags);
      if (invalid_tags != 0) {
        issues.push_back(InputIssue{fmt::format("oci://{}/{}", client.host(), repository),
                                    fmt::format("tags: {}: not read", invalid_names(invalid_tags, "tag"))});
      }
      if (!tags_error.empty()) {
        issues.push_back(
            InputIssue{fmt::format("oci://{}/{}", client.host(), repository), fmt::format("tags: {}", tags_error)});
      }
      for (const std::string& tag : tags) add_images(client, repository, tag);
    }
  }
  for (std::size_t k = 0; k < out->blobs_.size(); ++k) out->by_label_.emplace(out->blobs_[k].label, k);
  return out;
}

const RegistryBlob* RegistrySources::blob(const std::string& label) const {
  const auto found = by_label_.find(label);
  return found == by_label_.end() ? nullptr : &blobs_[found->second];
}

}  // namespace sluice::pipeline

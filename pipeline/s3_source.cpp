#include "pipeline/s3_source.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <set>

#include <xxhash.h>

#include "io/archive_format.hpp"
#include "pipeline/content_scan.hpp"

namespace sluice::pipeline {
namespace {

std::string region_from_environment() {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return "us-east-1";
}

}  // namespace

ContentId s3_object_id(const std::string& endpoint, const std::string& bucket, const io::S3Object& object) {
  std::string name = fmt::format("s3-object\n{}\n{}\n{}\n{}\n", endpoint, bucket, object.etag, object.size);
  name += object.key;
  const XXH128_hash_t hash = XXH3_128bits(name.data(), name.size());
  return ContentId{hash.high64, hash.low64};
}

std::shared_ptr<S3Sources> S3Sources::resolve(const std::vector<std::string>& references, const S3Options& options,
                                              std::vector<InputIssue>& issues) {
  auto out = std::make_shared<S3Sources>();
  io::HttpOptions http_options;
  http_options.stop = options.stop;
  out->http_ = std::make_unique<io::HttpClient>(http_options);
  const io::S3Endpoint endpoint =
      io::s3_endpoint(options.endpoint, options.region.empty() ? region_from_environment() : options.region);
  out->client_ = std::make_unique<io::S3Client>(*out->http_, endpoint, options.credentials);
  std::set<std::string> seen;
  for (const std::string& text : references) {
    if (options.stop != nullptr && options.stop->load()) break;
    std::string error;
    const auto reference = io::parse_s3_reference(text, &error);
    if (!reference) {
      issues.push_back(InputIssue{text, error});
      continue;
    }
    std::vector<io::S3Object> objects = out->client_->list(reference->bucket, reference->prefix, &error);
    // What was listed before a failure is still scanned; the failure says the rest is missing.
    if (!error.empty()) issues.push_back(InputIssue{text, "listing: " + error});
    // A key or prefix that names nothing is a mistake, like a local path that does not exist.
    if (error.empty() && objects.empty() && !reference->prefix.empty()) {
      issues.push_back(InputIssue{text, "no object under this prefix"});
    }
    for (io::S3Object& object : objects) {
      if (object.key.empty()) {
        issues.push_back(InputIssue{text, "the listing names an object with an empty key: not read"});
        continue;
      }
      // A "directory marker" (an empty object whose key ends in '/') holds nothing.
      if (object.size == 0 && !object.key.empty() && object.key.back() == '/') continue;
      std::string label = fmt::format("s3://{}/{}", reference->bucket, object.key);
      if (!seen.insert(label).second) continue;
      const ContentId id = s3_object_id(endpoint.url, reference->bucket, object);
      S3Item item{reference->bucket, std::move(object), std::move(label), id, {}, 0};
      if (options.shard && !out->share(item, options, issues)) continue;
      out->items_.push_back(std::move(item));
    }
  }
  for (std::size_t k = 0; k < out->items_.size(); ++k) out->by_label_.emplace(out->items_[k].label, k);
  return out;
}

bool S3Sources::share(S3Item& item, const S3Options& options, std::vector<InputIssue>& issues) const {
  const ShardSpec& spec = *options.shard;
  const unsigned first = fallback_shard(item.label, spec.count);
  const std::uint64_t size = item.object.size;
  if (size <= options.split_size || spec.count == 1) return first == spec.index;
  // An archive or compressed object can only be read in order: whole, by one shard. Every
  // shard sniffs it alike, so all of them agree.
  std::string head;
  std::string error;
  if (!read_range(item, 0, std::min<std::uint64_t>(size, io::kSniffBytes) - 1, head, &error)) {
    if (first == spec.index) issues.push_back(InputIssue{item.label, error});
    return false;
  }
  if (classify_content(head, options.limits).container()) return first == spec.index;
  const auto count = static_cast<std::uint32_t>((size + options.split_size - 1) / options.split_size);
  for (std::uint32_t range = 0; range < count; ++range) {
    if ((first + range) % spec.count == spec.index) item.ranges.push_back(range);
  }
  item.range_size = options.split_size;
  return !item.ranges.empty();
}

const S3Item* S3Sources::item(const std::string& label) const {
  const auto found = by_label_.find(label);
  return found == by_label_.end() ? nullptr : &items_[found->second];
}

std::unique_ptr<io::HttpPull> S3Sources::open(const S3Item& item, std::size_t buffer_bytes) const {
  return client_->open(item.bucket, item.object.key, buffer_bytes);
}

bool S3Sources::read_range(const S3Item& item, std::uint64_t first, std::uint64_t last, std::string& into,
                           std::string* error) const {
  return client_->read_range(item.bucket, item.object.key, item.object.etag, first, last, into, error);
}

}  // namespace sluice::pipeline

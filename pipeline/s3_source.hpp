#pragma once
// Objects in S3-compatible stores (`sluice scan s3://BUCKET[/PREFIX]`) as inputs of a scan:
// each listed object is one input named `s3://bucket/key`, streamed from the store into the
// scanner (archives and compressed objects opened as local files are) and never written to
// disk. An object's content id is its place and version (endpoint, bucket, key, ETag, size):
// with --state an unchanged object is not fetched again.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/s3_client.hpp"
#include "pipeline/finding_set.hpp"
#include "pipeline/scanner.hpp"
#include "pipeline/shard.hpp"

namespace sluice::pipeline {

struct S3Options {
  std::string endpoint;                          // --s3-endpoint (path-style addressing); empty: AWS in `region`
  std::string region;                            // empty: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  std::optional<io::S3Credentials> credentials;  // none: anonymous requests
  const std::atomic<bool>* stop = nullptr;
  // Under --shard: this shard. An object is one shard's (by a hash of its label), unless it is
  // bigger than `split_size` and of plain bytes: then its ranges of `split_size` bytes are
  // dealt out from that shard on, one each, and each shard reads only its own.
  std::optional<ShardSpec> shard;
  std::uint64_t split_size = std::uint64_t{1} << 30;
  ArchiveLimits limits;  // what counts as an archive (one that cannot be cut)
};

struct S3Item {
  std::string bucket;
  io::S3Object object;
  std::string label;  // s3://bucket/key
  ContentId id;       // s3_object_id(...)
  // Under --shard, an object cut in ranges of `range_size` bytes: the ranges this shard reads
  // (ascending). Empty: the whole object.
  std::vector<std::uint32_t> ranges;
  std::uint64_t range_size = 0;
};

// The content id of an object: its endpoint, bucket, key, ETag and size (the ETag is not a
// hash of the bytes for multipart uploads, so the id names the version, not the content).
[[nodiscard]] ContentId s3_object_id(const std::string& endpoint, const std::string& bucket,
                                     const io::S3Object& object);

class S3Sources {
 public:
  // Lists what `references` (s3://...) name. A bucket that cannot be listed, or a malformed
  // reference, is an issue; everything else is kept.
  static std::shared_ptr<S3Sources> resolve(const std::vector<std::string>& references, const S3Options& options,
                                            std::vector<InputIssue>& issues);

  [[nodiscard]] const std::vector<S3Item>& items() const noexcept { return items_; }
  [[nodiscard]] const S3Item* item(const std::string& label) const;
  // The object's bytes as they arrive, at most `buffer_bytes` ahead of the reader.
  [[nodiscard]] std::unique_ptr<io::HttpPull> open(const S3Item& item, std::size_t buffer_bytes) const;
  // Bytes [first, last] of the object (io::S3Client::read_range).
  [[nodiscard]] bool read_range(const S3Item& item, std::uint64_t first, std::uint64_t last, std::string& into,
                                std::string* error) const;

 private:
  // Under --shard: whether `item` is this shard's, whole or in part (its ranges set).
  [[nodiscard]] bool share(S3Item& item, const S3Options& options, std::vector<InputIssue>& issues) const;
  std::unique_ptr<io::HttpClient> http_;
  std::unique_ptr<io::S3Client> client_;
  std::vector<S3Item> items_;
  std::unordered_map<std::string, std::size_t> by_label_;  // into items_
};

}  // namespace sluice::pipeline

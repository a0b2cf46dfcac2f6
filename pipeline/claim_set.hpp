#pragma once
// The set of contents claimed in one scan: insert() says whether this is the first claim.
// Shards, each a std::unordered_set under its own mutex: a claim per file is on the hot path
// of a tree of small files, and tbb::concurrent_unordered_set (a split-ordered list, a node
// and a bucket initialisation per insert) cost 2-3% of a one-thread scan of the Linux tree.

#include <array>
#include <cstddef>
#include <mutex>
#include <unordered_set>

namespace sluice::pipeline {

template <typename Key, typename Hash>
class ClaimSet {
 public:
  // True when `key` was not in the set (it is now).
  bool insert(const Key& key) {
    const std::size_t hash = Hash{}(key);
    Shard& shard = shards_[(hash ^ (hash >> 32)) % kShards];
    std::lock_guard lock(shard.mutex);
    return shard.keys.insert(key).second;
  }

 private:
  static constexpr std::size_t kShards = 64;
  struct Shard {
    std::mutex mutex;
    std::unordered_set<Key, Hash> keys;
  };
  std::array<Shard, kShards> shards_;
};

}  // namespace sluice::pipeline

#pragma once
// Sharding a scan over N machines (`sluice scan --shard I/N`): the top-level inputs the walk
// finds (files, git repositories, archives: each one unit) are split into N deterministic,
// size-balanced parts. Every node walks the same roots, sorts what it found and assigns it the
// same way, so the same inputs and N give the same partition on any machine, whatever order
// its file system lists directories in. `sluice merge` (cli/merge_command.cpp) joins the
// shards' reports.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/walker.hpp"

namespace sluice::pipeline {

struct ShardSpec {
  unsigned index = 0;  // 0-based, as Slurm's SLURM_ARRAY_TASK_ID and Kubernetes' JOB_COMPLETION_INDEX
  unsigned count = 1;

  friend bool operator==(const ShardSpec&, const ShardSpec&) = default;
};

// The most shards a scan may be cut into.
inline constexpr unsigned kMaxShards = 100000;

// "I/N" with 0 <= I < N <= kMaxShards; nullopt otherwise.
[[nodiscard]] std::optional<ShardSpec> parse_shard(std::string_view text);

// One unit of work: a top-level input and what scanning it is expected to cost. Units of one
// `group` (not 0) go to one shard together: files of the same size, so that two files with the
// same content are in one shard, which scans one and counts the other as a duplicate, as a
// single scan does.
struct WorkUnit {
  std::string path;
  std::uint64_t weight = 0;
  std::uint64_t group = 0;
  // A byte range of a big file (SplitOptions): the range-th of `ranges` ranges of `range_size`
  // bytes (the last one shorter) of a file of `file_size` bytes. ranges 0: the whole input.
  std::uint32_t range = 0;
  std::uint32_t ranges = 0;
  std::uint64_t file_size = 0;
  std::uint64_t range_size = 0;
};

// What a file costs beyond its bytes (opening, reading, placing its findings), in bytes: a tree
// of small files is balanced by count as much as by size.
inline constexpr std::uint64_t kPerFileWeight = 16 * 1024;

// The shard of each unit, in `count` shards: the heaviest first (equal weights by path), each to
// the shard with the least weight so far (equal loads: the lowest index). Deterministic: the same
// units in any order give the same assignment.
[[nodiscard]] std::vector<unsigned> partition(const std::vector<WorkUnit>& units, unsigned count);

// The shard of a path that the plan does not know (it appeared after the plan's walk): from a
// hash of the path, so that exactly one shard scans it.
[[nodiscard]] unsigned fallback_shard(std::string_view path, unsigned count);

// Files bigger than `size` that `splittable` says are plain bytes (not an archive or a
// compressed stream, which are read from their start) are cut into byte ranges of `size` bytes,
// each a unit of its own. 0: no file is cut.
struct SplitOptions {
  std::uint64_t size = 0;
  std::function<bool(const std::string& path)> splittable{};
};

// Which of the top-level inputs a walk finds are this shard's.
class ShardPlan {
 public:
  // Walks `roots` with `walk` (as the scan will), weighs each entry (a file by its size, a
  // repository by the files of its git directory, plus kPerFileWeight for each file; a skipped
  // or unreadable entry weighs nothing but is still one shard's, so that its issue is reported
  // once), groups the files by size and partitions them.
  // With `mine`, it receives the entries of the walk that are this shard's, in walk order (with
  // the stamps of files), so that the scan does not walk the tree again.
  [[nodiscard]] static ShardPlan make(const std::vector<std::string>& roots, const io::WalkOptions& walk,
                                      ShardSpec spec, const SplitOptions& split = {},
                                      std::vector<io::WalkEntry>* mine = nullptr);
  // A plan for units already weighed and grouped.
  [[nodiscard]] static ShardPlan of_units(const std::vector<WorkUnit>& units, ShardSpec spec);

  // Whether this shard scans the walk entry at `path` (all of it, or some of its ranges).
  [[nodiscard]] bool mine(std::string_view path) const;

  // A file the plan cut into ranges: its size then, the bytes of each range (the last one
  // shorter) and the shard of each.
  struct Split {
    std::uint64_t file_size = 0;
    std::uint64_t range_size = 0;
    std::vector<unsigned> shards;
  };
  // The cut of the file at `path`; nullptr when it is scanned whole.
  [[nodiscard]] const Split* split(std::string_view path) const;

  [[nodiscard]] const ShardSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] std::size_t units() const noexcept { return units_; }
  [[nodiscard]] std::size_t my_units() const noexcept { return my_units_; }
  [[nodiscard]] const std::vector<std::uint64_t>& loads() const noexcept { return loads_; }  // weight per shard
  // Identifies the units and their weights (hex XXH3-128): shards that saw different inputs
  // (another mount, a tree that changed between their walks) have different digests.
  [[nodiscard]] const std::string& digest() const noexcept { return digest_; }

 private:
  ShardSpec spec_;
  std::size_t units_ = 0;
  std::size_t my_units_ = 0;
  std::vector<std::uint64_t> loads_;
  std::string digest_;
  // By a 64-bit hash of the path (a plan of millions of paths stays small); two paths with
  // one hash share the shard the sorted order gave the first, on every node alike.
  std::unordered_map<std::uint64_t, unsigned> shard_of_;
  std::unordered_map<std::uint64_t, Split> splits_;  // by the hash of the path
};

}  // namespace sluice::pipeline

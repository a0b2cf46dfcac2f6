#include "pipeline/shard.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <memory>
#include <new>
#include <numeric>
#include <system_error>

namespace sluice::pipeline {
namespace {

std::uint64_t path_hash(std::string_view path) { return XXH3_64bits(path.data(), path.size()); }

// What a file system entry weighs: a regular file its size, anything else nothing.
std::uint64_t size_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

// A git directory: the bytes of the files in it (its packs and loose objects hold the history).
std::uint64_t repository_weight(const std::string& path) {
  namespace fs = std::filesystem;
  std::uint64_t total = kPerFileWeight;
  std::error_code error;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code stat_error;
    if (it->is_regular_file(stat_error)) {
      const auto size = it->file_size(stat_error);
      if (!stat_error) total += size;
    }
  }
  return total;
}

}  // namespace

std::optional<ShardSpec> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto number = [](std::string_view digits) -> std::optional<unsigned> {
    unsigned value = 0;
    if (digits.empty() || digits.size() > 9) return std::nullopt;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return value;
  };
  const auto index = number(text.substr(0, slash));
  const auto count = number(text.substr(slash + 1));
  if (!index || !count || *count == 0 || *count > kMaxShards || *index >= *count) return std::nullopt;
  return ShardSpec{*index, *count};
}

std::vector<unsigned> partition(const std::vector<WorkUnit>& units, unsigned count) {
  std::vector<unsigned> shard(units.size(), 0);
  if (count <= 1) return shard;
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (units[a].weight != units[b].weight) return units[a].weight > units[b].weight;
    if (units[a].path != units[b].path) return units[a].path < units[b].path;
    return units[a].range < units[b].range;
  });
  // Loads in a heap ordered by (load, index): the least loaded shard, the lowest index first.
  std::vector<std::pair<std::uint64_t, unsigned>> heap;
  heap.reserve(count);
  for (unsigned k = 0; k < count; ++k) heap.emplace_back(0, k);
  const auto greater = [](const auto& a, const auto& b) { return a > b; };
  std::make_heap(heap.begin(), heap.end(), greater);
  for (const std::size_t unit : order) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    auto& least = heap.back();
    shard[unit] = least.second;
    least.first += units[unit].weight;
    std::push_heap(heap.begin(), heap.end(), greater);
  }
  return shard;
}

unsigned fallback_shard(std::string_view path, unsigned count) {
  return count <= 1 ? 0 : static_cast<unsigned>(path_hash(path) % count);
}

ShardPlan ShardPlan::of_units(const std::vector<WorkUnit>& units, ShardSpec spec) {
  ShardPlan plan;
  plan.spec_ = spec;
  plan.units_ = units.size();
  plan.loads_.assign(spec.count, 0);
  // A group is partitioned as one unit: its weight the sum, its name the least path in it.
  std::vector<WorkUnit> parts;
  std::vector<std::size_t> part_of(units.size());
  std::unordered_map<std::uint64_t, std::size_t> part_of_group;
  for (std::size_t k = 0; k < units.size(); ++k) {
    const WorkUnit& unit = units[k];
    if (unit.group != 0) {
      auto [it, added] = part_of_group.try_emplace(unit.group, parts.size());
      if (!added) {
        WorkUnit& part = parts[it->second];
        part.weight += unit.weight;
        part.path = std::min(part.path, unit.path);
        part_of[k] = it->second;
        continue;
      }
    }
    part_of[k] = parts.size();
    parts.push_back(unit);
  }
  const std::vector<unsigned> part_shards = partition(parts, spec.count);
  std::vector<unsigned> shards(units.size());
  for (std::size_t k = 0; k < units.size(); ++k) shards[k] = part_shards[part_of[k]];
  // In sorted order, so that a hash shared by two paths keeps the first path's shard on every
  // node.
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return units[a].path != units[b].path ? units[a].path < units[b].path : units[a].range < units[b].range;
  });
  plan.shard_of_.reserve(units.size());
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state) throw std::bad_alloc();
  XXH3_128bits_reset(state.get());
  for (const std::size_t k : order) {
    XXH3_128bits_update(state.get(), units[k].path.data(), units[k].path.size() + 1);
    XXH3_128bits_update(state.get(), &units[k].weight, sizeof units[k].weight);
    if (units[k].ranges != 0) {
      // A range: its shard is the plan's, and the file is every range's.
      XXH3_128bits_update(state.get(), &units[k].range, sizeof units[k].range);
      XXH3_128bits_update(state.get(), &units[k].ranges, sizeof units[k].ranges);
      Split& split = plan.splits_[path_hash(units[k].path)];
      if (split.shards.empty()) {
        split.file_size = units[k].file_size;
        split.range_size = units[k].range_size;
        split.shards.assign(units[k].ranges, 0);
      }
      if (units[k].range < split.shards.size()) split.shards[units[k].range] = shards[k];
      plan.loads_[shards[k]] += units[k].weight;
      if (shards[k] == spec.index) ++plan.my_units_;
      continue;
    }
    const unsigned shard = plan.shard_of_.try_emplace(path_hash(units[k].path), shards[k]).first->second;
    plan.loads_[shard] += units[k].weight;
    if (shard == spec.index) ++plan.my_units_;
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(state.get());
  plan.digest_ = fmt::format("{:016x}{:016x}", digest.high64, digest.low64);
  return plan;
}

ShardPlan ShardPlan::make(const std::vector<std::string>& roots, const io::WalkOptions& walk, ShardSpec spec,
                          const SplitOptions& split, std::vector<io::WalkEntry>* mine) {
  std::vector<io::WalkEntry> entries;
  std::vector<WorkUnit> units;
  // Where each repository's files are: its work tree (the parent of a ".git"), or the bare
  // repository itself, by the group of its units.
  std::unordered_map<std::string, std::uint64_t> repository_groups;
  constexpr std::uint64_t kRepositoryGroup = std::uint64_t{1} << 63;  // file sizes stay below
  io::WalkOptions stamped = walk;
  stamped.stamp_files = true;  // sizes from stat calls relative to each directory
  io::Walker walker(roots, stamped);
  while (auto entry = walker.next()) {
    if (mine != nullptr) entries.push_back(*entry);
    WorkUnit unit{std::move(entry->path), 0, 0};
    switch (entry->kind) {
      case io::WalkEntry::Kind::kFile: {
        const std::uint64_t size = entry->stamp ? entry->stamp->size : size_of(unit.path);
        if (split.size != 0 && size > split.size && split.splittable && split.splittable(unit.path)) {
          // Ranges of split.size bytes, the last one shorter; the first carries the file's cost.
          const std::uint64_t ranges = (size + split.size - 1) / split.size;
          for (std::uint64_t k = 0; k < ranges; ++k) {
            const std::uint64_t bytes = std::min(split.size, size - k * split.size);
            units.push_back(WorkUnit{unit.path, bytes + (k == 0 ? kPerFileWeight : 0), 0, static_cast<std::uint32_t>(k),
                                     static_cast<std::uint32_t>(ranges), size, split.size});
          }
          continue;
        }
        unit.weight = size + kPerFileWeight;
        unit.group = size + 1;
        break;
      }
      case io::WalkEntry::Kind::kRepository: {
        unit.weight = repository_weight(unit.path);
        const std::filesystem::path path(unit.path);
        const std::string tree = path.filename() == ".git" ? path.parent_path().string() : unit.path;
        unit.group = repository_groups.try_emplace(tree, kRepositoryGroup | repository_groups.size()).first->second;
        break;
      }
      default:
        break;
    }
    units.push_back(std::move(unit));
  }
  // A repository's work tree goes with its history: a file there holds what one of its blobs
  // holds, and a single scan counts one of them as a duplicate of the other.
  if (!repository_groups.empty()) {
    for (WorkUnit& unit : units) {
      if (unit.group == 0 || (unit.group & kRepositoryGroup) != 0) continue;
      for (std::filesystem::path dir = std::filesystem::path(unit.path).parent_path(); !dir.empty();
           dir = dir.parent_path()) {
        if (auto found = repository_groups.find(dir.string()); found != repository_groups.end()) {
          unit.group = found->second;
          break;
        }
        if (dir == dir.parent_path()) break;
      }
    }
  }
  ShardPlan plan = of_units(units, spec);
  if (mine != nullptr) {
    mine->clear();
    for (io::WalkEntry& entry : entries) {
      if (plan.mine(entry.path)) mine->push_back(std::move(entry));
    }
  }
  return plan;
}

const ShardPlan::Split* ShardPlan::split(std::string_view path) const {
  if (splits_.empty()) return nullptr;
  const auto found = splits_.find(path_hash(path));
  return found != splits_.end() ? &found->second : nullptr;
}

bool ShardPlan::mine(std::string_view path) const {
  if (const Split* cut = split(path)) {
    return std::find(cut->shards.begin(), cut->shards.end(), spec_.index) != cut->shards.end();
  }
  const auto found = shard_of_.find(path_hash(path));
  const unsigned shard = found != shard_of_.end() ? found->second : fallback_shard(path, spec_.count);
  return shard == spec_.index;
}

}  // namespace sluice::pipeline

// Sharding (pipeline/shard.hpp): the partition is the same whatever order the units come in,
// every unit is in exactly one shard, the shards are balanced by weight, and a plan made by
// walking a tree is the same on every walk.
#include "pipeline/shard.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sluice::pipeline {
namespace {

std::vector<WorkUnit> random_units(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<WorkUnit> units;
  for (std::size_t k = 0; k < n; ++k) {
    // Mostly small files, a few big ones (a long tail, as real trees have).
    const std::uint64_t size = rng() % 100 == 0 ? rng() % (64u << 20) : rng() % 20000;
    units.push_back(WorkUnit{fmt::format("dir{}/file{}", rng() % 50, k), size + kPerFileWeight});
  }
  return units;
}

TEST(Shard, ParsesIndexOverCount) {
  EXPECT_EQ(parse_shard("0/1"), (ShardSpec{0, 1}));
  EXPECT_EQ(parse_shard("3/4"), (ShardSpec{3, 4}));
  for (const char* bad : {"4/4", "1/0", "-1/4", "1/", "/4", "a/4", "1/4/5", "1 /4", "0/100001", "", "2"}) {
    EXPECT_FALSE(parse_shard(bad)) << bad;
  }
}

TEST(Shard, ThePartitionIsTheSameInAnyOrder) {
  std::vector<WorkUnit> units = random_units(5000, 1);
  const std::vector<unsigned> first = partition(units, 7);
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), std::mt19937_64(2));
  std::vector<WorkUnit> shuffled;
  for (const std::size_t k : order) shuffled.push_back(units[k]);
  const std::vector<unsigned> second = partition(shuffled, 7);
  for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(second[i], first[order[i]]) << units[order[i]].path;
}

TEST(Shard, EveryUnitIsInOneShardAndTheShardsAreBalanced) {
  for (unsigned count : {1u, 2u, 4u, 16u}) {
    const std::vector<WorkUnit> units = random_units(20000, count);
    std::vector<std::uint64_t> load(count, 0);
    std::uint64_t biggest = 0;
    for (const WorkUnit& unit : units) biggest = std::max(biggest, unit.weight);
    std::size_t mine = 0;
    for (unsigned index = 0; index < count; ++index) {
      const ShardPlan plan = ShardPlan::of_units(units, ShardSpec{index, count});
      for (const WorkUnit& unit : units) {
        if (plan.mine(unit.path)) {
          ++mine;
          load[index] += unit.weight;
        }
      }
      EXPECT_EQ(plan.loads(), ShardPlan::of_units(units, ShardSpec{0, count}).loads());
    }
    EXPECT_EQ(mine, units.size()) << count << " shards";
    const std::uint64_t total = std::accumulate(load.begin(), load.end(), std::uint64_t{0});
    const auto [low, high] = std::minmax_element(load.begin(), load.end());
    // Greedy by decreasing weight: no shard is more than the biggest unit over another.
    EXPECT_LE(*high - *low, biggest) << count << " shards";
    EXPECT_LE(*high, total / count + biggest) << count << " shards";
  }
}

TEST(Shard, UnitsOfOneGroupShareAShard) {
  std::vector<WorkUnit> units = random_units(3000, 5);
  for (std::size_t k = 0; k < units.size(); ++k) units[k].group = k % 7 == 0 ? 0 : 1 + k % 40;
  for (unsigned count : {2u, 5u}) {
    std::vector<unsigned> owner(units.size(), count);
    for (unsigned index = 0; index < count; ++index) {
      const ShardPlan plan = ShardPlan::of_units(units, {index, count});
      for (std::size_t k = 0; k < units.size(); ++k) {
        if (plan.mine(units[k].path)) owner[k] = index;
      }
    }
    std::vector<unsigned> group_owner(41, count);
    for (std::size_t k = 0; k < units.size(); ++k) {
      ASSERT_LT(owner[k], count) << units[k].path;
      if (units[k].group == 0) continue;
      if (group_owner[units[k].group] == count) group_owner[units[k].group] = owner[k];
      EXPECT_EQ(owner[k], group_owner[units[k].group]) << units[k].path;
    }
  }
}

TEST(Shard, AnUnknownPathGoesToOneShard) {
  const std::vector<WorkUnit> units = random_units(100, 3);
  unsigned owners = 0;
  for (unsigned index = 0; index < 5; ++index) owners += ShardPlan::of_units(units, {index, 5}).mine("new/file.txt");
  EXPECT_EQ(owners, 1u);
}

TEST(Shard, APlanFromAWalkIsStableAndCoversTheTree) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / "sluice-shard-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path root = pattern;
  std::mt19937_64 rng(4);
  std::vector<std::string> paths;
  for (int k = 0; k < 300; ++k) {
    const fs::path path = root / fmt::format("d{}", k % 13) / fmt::format("f{}.txt", k);
    fs::create_directories(path.parent_path());
    std::ofstream(path) << std::string(rng() % 50000, 'x');
    paths.push_back(path.string());
  }
  const io::WalkOptions walk;
  std::vector<unsigned> owners(paths.size(), 0);
  for (unsigned index = 0; index < 3; ++index) {
    const ShardPlan a = ShardPlan::make({root.string()}, walk, {index, 3});
    const ShardPlan b = ShardPlan::make({root.string()}, walk, {index, 3});
    EXPECT_EQ(a.digest(), b.digest());
    EXPECT_EQ(a.units(), paths.size());
    EXPECT_GT(a.my_units(), 0u);
    for (std::size_t k = 0; k < paths.size(); ++k) {
      EXPECT_EQ(a.mine(paths[k]), b.mine(paths[k]));
      owners[k] += a.mine(paths[k]);
    }
  }
  for (std::size_t k = 0; k < paths.size(); ++k) EXPECT_EQ(owners[k], 1u) << paths[k];
  fs::remove_all(root);
}

// A file over the split size that is plain bytes is cut in ranges of that size, each one unit:
// every range in exactly one shard, the same on every node, the ranges spread like files (a
// file of ten ranges is not one shard's); a file the callback refuses (an archive) stays whole.
TEST(Shard, BigPlainFilesAreCutInRangesEachInOneShard) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / "sluice-shard-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path root = pattern;
  const std::string big = (root / "big.txt").string();
  const std::string archive = (root / "big.tar").string();
  std::ofstream(big) << std::string(10 * 4096 - 100, 'x');
  std::ofstream(archive) << std::string(10 * 4096, 'y');
  for (int k = 0; k < 20; ++k) std::ofstream(root / fmt::format("small{}.txt", k)) << std::string(300 + k, 'z');
  const SplitOptions split{4096, [&](const std::string& path) { return path != archive; }};
  std::vector<unsigned> shards_of_big;
  for (unsigned index = 0; index < 3; ++index) {
    const ShardPlan plan = ShardPlan::make({root.string()}, io::WalkOptions{}, {index, 3}, split);
    EXPECT_EQ(plan.digest(), ShardPlan::make({root.string()}, io::WalkOptions{}, {index, 3}, split).digest());
    EXPECT_EQ(plan.units(), 20u + 1u + 10u);
    EXPECT_EQ(plan.split(archive), nullptr);
    const ShardPlan::Split* cut = plan.split(big);
    ASSERT_NE(cut, nullptr);
    EXPECT_EQ(cut->file_size, 10u * 4096 - 100);
    EXPECT_EQ(cut->range_size, 4096u);
    ASSERT_EQ(cut->shards.size(), 10u);
    if (index == 0) shards_of_big = cut->shards;
    EXPECT_EQ(cut->shards, shards_of_big) << "every node cuts and places the ranges alike";
    const bool any = std::count(cut->shards.begin(), cut->shards.end(), index) > 0;
    EXPECT_EQ(plan.mine(big), any);
  }
  EXPECT_GT(std::set<unsigned>(shards_of_big.begin(), shards_of_big.end()).size(), 1u);
  // No split size: the file is one unit again, and the plan another.
  const ShardPlan whole = ShardPlan::make({root.string()}, io::WalkOptions{}, {0, 3});
  EXPECT_EQ(whole.split(big), nullptr);
  EXPECT_EQ(whole.units(), 22u);
  fs::remove_all(root);
}

}  // namespace
}  // namespace sluice::pipeline
